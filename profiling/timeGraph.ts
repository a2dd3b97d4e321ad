/**
 * Timing one graph on a bench runtime with the one measurement harness: load, measure,
 * release. Loading happens under the measurement lock too, so nothing else measured in this
 * process overlaps it.
 */
import { measureLatency, withMeasurementLock, type Measurement, type MeasureOptions } from './measure.js';
import type { BenchRuntime, LoadedGraph } from './benchRuntime.js';
import { measureInterleaved, type InterleavedMeasurement, type InterleavedOptions, type SamplerSettings } from './interleaved.js';
import type { TimedGraph } from './partGraph.js';

/** The harness settings a profile records (the rest of MeasureOptions is per measurement). */
export type HarnessSettings = Required<Pick<MeasureOptions, 'warmupRuns' | 'runs' | 'maxCv' | 'maxIqrRatio'>>;

export async function timeGraph(runtime: BenchRuntime, timed: TimedGraph, settings: HarnessSettings, label: string): Promise<Measurement> {
  const loaded = await withMeasurementLock(() => runtime.load(timed));
  try {
    return await measureLatency(() => loaded.run(), { ...settings, maxAttempts: 3, threads: runtime.threads, label });
  } finally {
    await loaded.release();
  }
}

/** Untimed runs before each sample when a multi-threaded runtime switches between sessions (interleaved.ts). */
export const kSettleRunsMultiThread = 2;

/**
 * Times `graphs` interleaved (interleaved.ts): all loaded first, sampled round by round, then
 * released. What is compared with each other is measured in the same rounds; on a multi-threaded
 * runtime each sample first settles (kSettleRunsMultiThread untimed runs of its own graph).
 */
export async function timeGraphsInterleaved(
  runtime: BenchRuntime, graphs: readonly TimedGraph[], sampler: SamplerSettings, options: InterleavedOptions = {},
): Promise<InterleavedMeasurement> {
  const loaded: LoadedGraph[] = [];
  try {
    for (const g of graphs) loaded.push(await withMeasurementLock(() => runtime.load(g)));
    const settleRuns = runtime.threads > 1 && graphs.length > 1 ? kSettleRunsMultiThread : 0;
    return await measureInterleaved(loaded.map((l) => () => l.run()), sampler, { settleRuns, ...options });
  } finally {
    for (const l of loaded) await l.release();
  }
}
