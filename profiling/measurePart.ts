/**
 * Timing one part variant of the lookup table: the part's graph interleaved with its baseline
 * (partGraph.ts) and the reference subnet, through a cache of loaded baseline graphs.
 */
import { layersOf } from '../space/layers.js';
import type { SearchSpace } from '../space/types.js';
import { latencyParts } from '../latency/latencyParts.js';
import { benchGraph } from './benchGraph.js';
import type { BenchRuntime, LoadedGraph } from './benchRuntime.js';
import { measureInterleaved, type GraphTiming, type SamplerSettings } from './interleaved.js';
import type { PartEntry } from './journal.js';
import { withMeasurementLock } from './measure.js';
import { partGraphs, type TimedGraph } from './partGraph.js';
import { partSpec, type PartVariant } from './variants.js';

/**
 * Loaded graphs by content - the baselines (many parts share one: the same input shape and
 * quantize prologue) and the reference subnet - since loading a session costs more than timing
 * a small graph.
 */
export class GraphCache {
  private readonly loaded = new Map<string, LoadedGraph>();
  constructor(private readonly runtime: BenchRuntime) {}

  /** The loaded `timed`, by `key` (default: its JSON, fine for the small baseline graphs). */
  async get(timed: TimedGraph, key = JSON.stringify(timed)): Promise<LoadedGraph> {
    let graph = this.loaded.get(key);
    if (graph === undefined) {
      graph = await withMeasurementLock(() => this.runtime.load(timed));
      this.loaded.set(key, graph);
    }
    return graph;
  }

  async release(): Promise<void> {
    for (const g of this.loaded.values()) await g.release();
    this.loaded.clear();
  }
}

/** Times part variant `v` against its baseline, beside `reference`; `deadlineMs` bounds its extra rounds. */
export async function measurePart(
  runtime: BenchRuntime, cache: GraphCache, space: SearchSpace, v: PartVariant, sampler: SamplerSettings, reference: TimedGraph, deadlineMs?: number,
): Promise<PartEntry> {
  const parts = latencyParts(layersOf(space, v.config), { bits: runtime.bits });
  const { part, baseline } = partGraphs(benchGraph(space, v.config), partSpec(space, v.config, parts, v.index));
  const base = await cache.get(baseline);
  const ref = await cache.get(reference, 'reference');
  const loaded = await withMeasurementLock(() => runtime.load(part));
  // The part's precision: the standard error of part minus baseline, relative to the part graph.
  const spreadOf = ([p, b]: readonly GraphTiming[]) => Math.hypot(p.seMs, b.seMs) / p.medianMs;
  try {
    const m = await measureInterleaved([() => loaded.run(), () => base.run(), () => ref.run()], sampler, { spreadOf, deadlineMs, label: v.key });
    const [p, b, r] = m.timings;
    return {
      type: 'part', key: v.key, ms: p.medianMs - b.medianMs, partMs: p.medianMs, baselineMs: b.medianMs, refMs: r.medianMs,
      spread: m.spread, rounds: m.rounds, noisy: m.noisy, seconds: m.seconds,
    };
  } finally {
    await loaded.release();
  }
}
