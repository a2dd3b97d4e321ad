/**
 * Timing whole subnets: the graph a runtime runs for a config, one subnet timed beside the
 * reference subnet, and times put on the scale of the machine's typical speed.
 */
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { benchGraph } from './benchGraph.js';
import type { BenchRuntime } from './benchRuntime.js';
import type { GraphTiming, SamplerSettings } from './interleaved.js';
import type { SubnetEntry } from './journal.js';
import type { TimedGraph } from './partGraph.js';
import { sampleSubnets, type SubnetGroup } from './subnetSets.js';
import { timeGraphsInterleaved } from './timeGraph.js';

/** The graph a runtime runs for a config: its float graph, or its QDQ graph when it has bits the runtime executes. */
export function subnetGraph(runtime: Pick<BenchRuntime, 'bits'>, space: SearchSpace, config: SubnetEntry['config']): TimedGraph {
  const { wBits: _w, aBits: _a, ...float } = config;
  return { graph: benchGraph(space, runtime.bits ? config : float), outputShape: [1, 1, space.input.classes] };
}

/**
 * Times one whole subnet (see subnetGraph); `deadlineMs` bounds its extra rounds. With a
 * `reference` graph, that is timed in the same rounds (`refMs`): the machine's speed then.
 */
export async function measureSubnet(
  runtime: BenchRuntime, space: SearchSpace, group: SubnetGroup, config: SubnetEntry['config'], sampler: SamplerSettings, deadlineMs?: number,
  reference?: TimedGraph,
): Promise<SubnetEntry> {
  const key = configKey(space, config);
  const graphs = [subnetGraph(runtime, space, config), ...(reference ? [reference] : [])];
  const spreadOf = (t: readonly GraphTiming[]) => t[0].seMs / t[0].medianMs;
  const m = await timeGraphsInterleaved(runtime, graphs, sampler, { deadlineMs, label: key, spreadOf });
  return {
    type: 'subnet', group, key, config, ms: m.timings[0].medianMs, ...(reference ? { refMs: m.timings[1].medianMs } : {}),
    spread: m.spread, rounds: m.rounds, noisy: m.noisy, seconds: m.seconds,
  };
}

/**
 * The reference subnet of a space: a fixed fp32 subnet timed beside every measurement, so that
 * times taken while the machine ran slower or faster (a loaded machine's speed swings by tens
 * of percent within seconds) can be put on one scale: the reference's median over the run.
 */
export function referenceConfig(space: SearchSpace): SubnetConfig {
  return sampleSubnets(space, 'fp32', 1, 424_242)[0];
}

/** `ms` measured beside a reference that took `refMs`, at the speed where the reference takes `typicalRefMs`. */
export function atTypicalSpeed(ms: number, refMs: number | undefined, typicalRefMs: number): number {
  return refMs === undefined || !(refMs > 0) ? ms : (ms * typicalRefMs) / refMs;
}
