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

/**
 * Times `graphs` interleaved (interleaved.ts): all loaded first, sampled round by round, then
 * released; what is compared with each other is measured in the same rounds.
 *
 * Except on a multi-threaded runtime: there each graph is loaded, timed and released in turn, so
 * that one session is alive at a time. Measured at 2 threads on 2 cores: a subnet timed while a
 * second session that had run existed in the process took 1.3-1.5x its time alone, whether the
 * two alternated sample by sample or in blocks (an idle session's intra-op workers still take
 * the cores; `npm run bench:beside-reference`, BENCHMARKS.md). A deployed model runs alone.
 */
export function timeGraphsInterleaved(
  runtime: BenchRuntime, graphs: readonly TimedGraph[], sampler: SamplerSettings, options: InterleavedOptions = {},
): Promise<InterleavedMeasurement> {
  return timeLoadersInterleaved(runtime.threads, graphs.map((g) => () => withMeasurementLock(() => runtime.load(g))), sampler, options);
}

/** Loads a graph for timing (under the measurement lock); release it when done. */
export type GraphLoader = () => Promise<LoadedGraph>;

/** timeGraphsInterleaved for graphs given by their loaders, on a runtime of `threads` intra-op threads. */
export async function timeLoadersInterleaved(
  threads: number, loaders: readonly GraphLoader[], sampler: SamplerSettings, options: InterleavedOptions = {},
): Promise<InterleavedMeasurement> {
  if (threads > 1 && loaders.length > 1) return timeOneByOne(loaders, sampler, options);
  const loaded: LoadedGraph[] = [];
  try {
    for (const load of loaders) loaded.push(await load());
    return await measureInterleaved(loaded.map((l) => () => l.run()), sampler, options);
  } finally {
    for (const l of loaded) await l.release();
  }
}

/** Each graph alone, in turn (see timeGraphsInterleaved); the caller's spread over all of them at the end. */
async function timeOneByOne(loaders: readonly GraphLoader[], sampler: SamplerSettings, options: InterleavedOptions): Promise<InterleavedMeasurement> {
  const { spreadOf, ...rest } = options;
  const each: InterleavedMeasurement[] = [];
  for (const load of loaders) {
    const loaded = await load();
    try {
      each.push(await measureInterleaved([() => loaded.run()], sampler, rest));
    } finally {
      await loaded.release();
    }
  }
  const timings = each.map((m) => m.timings[0]);
  const spread = spreadOf === undefined ? Math.max(...each.map((m) => m.spread)) : spreadOf(timings);
  return {
    timings, spread, rounds: Math.max(...each.map((m) => m.rounds)),
    noisy: each.some((m) => m.noisy) || !(spread <= sampler.targetSpread), seconds: each.reduce((s, m) => s + m.seconds, 0),
  };
}
