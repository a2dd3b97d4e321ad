/**
 * Timing one graph on a bench runtime with the one measurement harness: load, measure,
 * release. Loading happens under the measurement lock too, so nothing else measured in this
 * process overlaps it.
 */
import { measureLatency, withMeasurementLock, type Measurement, type MeasureOptions } from './measure.js';
import type { BenchRuntime } from './benchRuntime.js';
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
