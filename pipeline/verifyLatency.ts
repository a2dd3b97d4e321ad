/**
 * The latency side of verification: the input every timing runs, an exported model timed on a
 * measured target with the one measurement harness, and how the machine runs against the
 * target's latency profile (its reference subnets re-timed before and after a target's models),
 * with a measured time put at the speed the machine had when profiled.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { defaultProfilePath, kDefaultMeasuredThreads } from '../latency/measuredTarget.js';
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { createBenchRuntime, type BenchRuntime } from '../profiling/benchRuntime.js';
import { kDefaultMeasureOptions, measureLatency, withMeasurementLock, type Measurement } from '../profiling/measure.js';
import { createSession, ortVersion } from '../profiling/ort.js';
import { profileDrift, type ProfileDrift } from '../profiling/profileDrift.js';
import { timeGraph } from '../profiling/timeGraph.js';
import { sameSpace } from '../space/sameSpace.js';
import type { SearchSpace } from '../space/types.js';
import { fillBatch } from '../supernet/data/batches.js';
import type { DataSplit } from '../supernet/data/types.js';
import type { DeployGraph } from '../supernet/quant/deployGraph.js';

/** The latency side of a row: measured here, or why not. */
export interface LatencyCheck {
  /**
   * Measured targets: how the machine runs now against its latency profile (the profile's
   * reference subnets re-timed just before the target's rows), or null when there is no profile
   * of this space.
   */
  drift?: ProfileDrift | null;
  /** The same re-timing just after the target's rows: with `drift`, it brackets the measurement. */
  driftAfter?: ProfileDrift | null;
  /**
   * The measured median put at the speed the machine had when profiled: divided by the drift of
   * the row's precision group (the geometric mean of before and after). Null when the drift is
   * unknown or moved by more than kSteadyDrift between before and after (the machine changed
   * speed during the measurement: no one factor holds).
   */
  atProfileSpeed?: { ratio: number; medianMs: number } | null;
  /** null when the target cannot be measured on this machine (estimate and proxy targets). */
  measurement: Measurement | null;
  /** What ran the timed inferences (batch 1), or null when nothing ran. */
  runtime: string | null;
}

/** The input of a latency measurement and its shape (batch 1, NHWC). */
export interface TimingInput {
  image: Float32Array;
  dims: number[];
}

/** What every latency measurement runs: the first test image, batch 1. */
export function timingInput(space: SearchSpace, test: DataSplit): TimingInput {
  const { height, width, channels } = space.input;
  const image = new Float32Array(height * width * channels);
  fillBatch(test, Int32Array.of(0), image, { augment: false });
  return { image, dims: [1, height, width, channels] };
}

/** Times an ONNX file in a fresh session created under the measurement lock, with the profile's session options. */
async function measureOnnxFile(path: string, threads: number, image: Float32Array, dims: number[], label: string): Promise<Measurement> {
  const session = await withMeasurementLock(() => createSession(path, { intraOpThreads: threads, optimization: 'all' }));
  try {
    return await measureLatency(() => session.run(image, dims), { threads, label });
  } finally {
    await session.release();
  }
}

const harness = {
  warmupRuns: kDefaultMeasureOptions.warmupRuns, runs: kDefaultMeasureOptions.runs,
  maxCv: kDefaultMeasureOptions.maxCv, maxIqrRatio: kDefaultMeasureOptions.maxIqrRatio,
};

/** A drift's ratios as printed: 'fp32 1.82x, quantized 1.91x' (with how many re-timings stayed noisy, when any did). */
export function driftRatios(d: ProfileDrift): string {
  const r = (x: { references: number; flagged: number; ratio: number | null }) =>
    x.ratio === null ? 'unknown (none re-timed)' : `${x.ratio.toFixed(2)}x${x.flagged > 0 ? ` (${x.flagged} of ${x.references} re-timings noisy)` : ''}`;
  return `fp32 ${r(d)}${d.quantized === undefined ? '' : `, quantized ${r(d.quantized)}`}`;
}

/**
 * Largest move of the drift between before and after a target's rows (max / min - 1) for which
 * one speed factor is taken to hold across them. The machine's phases at 2 threads on 2 cores
 * moved its speed by up to 2x for minutes at a time (BENCHMARKS.md, issue 15); within seconds it held.
 */
export const kSteadyDrift = 0.1;

/** Whether two drift ratios of one group (before and after) are both known and within kSteadyDrift of each other. */
export function steady(a: number | null | undefined, b: number | null | undefined): boolean {
  return a != null && b != null && Math.max(a, b) / Math.min(a, b) - 1 <= kSteadyDrift;
}

/** The drift of a precision group in `d`: its quantized subnets' (null when none was re-timed), or its fp32 ones'. */
function groupRatio(d: ProfileDrift, quantized: boolean): number | null {
  return quantized ? d.quantized?.ratio ?? null : d.ratio;
}

/**
 * See LatencyCheck.atProfileSpeed; `quantized`: the timed model runs quantized (a QDQ int8 file
 * on onnxruntime; tfjs runs every config's float graph), so its group's drift applies.
 */
export function atProfileSpeed(check: LatencyCheck, quantized: boolean): { ratio: number; medianMs: number } | null {
  const m = check.measurement;
  if (m === null || m.flagged || !check.drift || !check.driftAfter) return null;
  const [a, b] = [groupRatio(check.drift, quantized), groupRatio(check.driftAfter, quantized)];
  if (a === null || b === null || !steady(a, b)) return null;
  const ratio = Math.sqrt(a * b);
  return { ratio, medianMs: m.medianMs / ratio };
}

/** Bench runtimes by 'name:threads', created once per verify and reused. */
export type RuntimeCache = Map<string, BenchRuntime>;

async function benchRuntimeFor(name: string, threads: number, runtimes: RuntimeCache): Promise<BenchRuntime> {
  const key = `${name}:${threads}`;
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = await createBenchRuntime(name, threads);
    runtimes.set(key, runtime);
  }
  return runtime;
}

/** A measured target's latency profile (`given`, else the default), read once; null without a profile of `space` there. */
export function targetProfile(target: ResolvedTarget, space: SearchSpace, given: string | undefined): { profile: LatencyProfile; path: string } | null {
  const path = given ?? defaultProfilePath(target.name, target.threads ?? kDefaultMeasuredThreads);
  if (!existsSync(path)) return null;
  const profile = loadLatencyProfile(path);
  return sameSpace(profile.space, space) ? { profile, path } : null;
}

/** How the machine runs against a measured target's profile now (its reference subnets re-timed; float ones only with `floatOnly`). */
export async function targetDrift(
  target: ResolvedTarget, loaded: { profile: LatencyProfile; path: string }, runtimes: RuntimeCache, floatOnly: boolean,
): Promise<ProfileDrift> {
  const runtime = await benchRuntimeFor(target.name, target.threads ?? kDefaultMeasuredThreads, runtimes);
  return profileDrift(runtime, loaded.profile, loaded.path, 3, floatOnly);
}

function threadText(threads: number): string {
  return `${threads} thread${threads === 1 ? '' : 's'}, batch 1`;
}

/**
 * Times the exported ONNX file `path` on an ort-cpu target ('ort-cpu:N', parsed here when given
 * as a string) as verifyConfigs does for its ort-cpu rows: a fresh session at the target's
 * thread count, the measurement harness.
 */
export async function measureOnnxOnTarget(path: string, target: ResolvedTarget | string, input: TimingInput): Promise<LatencyCheck> {
  const t = typeof target === 'string' ? resolveTarget(target) : target;
  if (t.name !== 'ort-cpu') throw new RangeError(`only ort-cpu targets run exported ONNX files (got '${t.given}')`);
  const threads = t.threads ?? kDefaultMeasuredThreads;
  const file = basename(path);
  return {
    measurement: await measureOnnxFile(path, threads, input.image, input.dims, `${t.given} ${file}`),
    runtime: `onnxruntime-node ${ortVersion()} running ${file}, ${threadText(threads)}`,
  };
}

/** Times a subnet's float graph on a measured tfjs target (what tfjs executes), through the bench runtime `hwnas profile` uses. */
export async function measureGraphOnTarget(graph: DeployGraph, target: ResolvedTarget, runtimes: RuntimeCache, file: string): Promise<LatencyCheck> {
  const threads = target.threads ?? kDefaultMeasuredThreads;
  const runtime = await benchRuntimeFor(target.name, threads, runtimes);
  return {
    measurement: await timeGraph(runtime, { graph, outputShape: [1, 1, graph.classes] }, harness, `${target.given} ${file}`),
    runtime: `${runtime.runtime.name} ${runtime.runtime.version} running the float graph of ${file}, ${threadText(threads)}`,
  };
}
