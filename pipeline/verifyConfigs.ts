/**
 * What `hwnas verify` (and the demo) does with each config a search chose:
 *   1. export it from the supernet exactly as `hwnas export` does with its defaults - BatchNorm
 *      recalibrated on 2,000 training images, fp32 ONNX, or QDQ int8 ONNX with calibrated
 *      activation ranges when the genome has bits;
 *   2. measure the exported file's top-1 accuracy in onnxruntime on the whole test split;
 *   3. on a measured target, time it with the one measurement harness at the target's thread
 *      count: ort-cpu runs the exported file; tfjs-wasm / tfjs-node run the subnet's float graph
 *      (what tfjs executes) through the bench runtime `hwnas profile` uses. Analytic and proxy
 *      targets cannot be measured on this machine: their rows say so and carry no latency.
 * Every export and accuracy comes first, then the latencies, so no heavy work runs beside a
 * measurement. A flagged (too noisy) measurement is kept, marked, and never used as a latency.
 */
import { sameSpace } from '../space/sameSpace.js';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { defaultProfilePath, kDefaultMeasuredThreads } from '../latency/measuredTarget.js';
import { loadLatencyProfile } from '../latency/latencyProfile.js';
import { profileDrift, type ProfileDrift } from '../profiling/profileDrift.js';
import { weightTypeForTarget } from '../profiling/int8Container.js';
import { kDefaultMeasureOptions, measureLatency, withMeasurementLock, type Measurement } from '../profiling/measure.js';
import { createSession, ortVersion } from '../profiling/ort.js';
import { createBenchRuntime, type BenchRuntime } from '../profiling/benchRuntime.js';
import { timeGraph } from '../profiling/timeGraph.js';
import type { TargetKind } from '../latency/target.js';
import { resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { fillBatch } from '../supernet/data/batches.js';
import type { DataSplit, Dataset } from '../supernet/data/types.js';
import { exportConfig } from '../supernet/export/exportConfig.js';
import type { ExportFormat } from '../supernet/export/exportSubnet.js';
import { agreement, top1 } from '../supernet/quant/classify.js';
import { buildDeployGraph, type DeployGraph } from '../supernet/quant/deployGraph.js';
import type { Supernet } from '../supernet/Supernet.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { ChosenConfig } from './searchResultFile.js';

export interface VerifyContext {
  net: Supernet;
  /** `train` calibrates, `test` (all of it) measures accuracy. */
  data: Dataset;
  /** Folder the ONNX files are written to. */
  dir: string;
  /** hwnas version and metadata written into the ONNX files. */
  version: string;
  metadata?: Record<string, string>;
  /** Latency profile per measured target spec (--profile); a spec not listed uses its shipped profile. */
  profiles?: Record<string, string>;
  /** One line per step done, for progress output. */
  onStep?: (line: string) => void;
}

/** The latency side of a row: measured here, or why not. */
export interface LatencyCheck {
  /**
   * Measured targets: how the machine runs now against its latency profile (the profile's
   * reference subnets re-timed just before), or null when there is no profile of this space.
   */
  drift?: ProfileDrift | null;
  /** null when the target cannot be measured on this machine (estimate and proxy targets). */
  measurement: Measurement | null;
  /** What ran the timed inferences (batch 1), or null when nothing ran. */
  runtime: string | null;
}

export interface VerifyRow {
  source: string;
  target: string;
  unit: string;
  kind: TargetKind;
  /** In `unit`. */
  budget: number;
  config: SubnetConfig;
  /** The exported file (name inside the output folder) and its cost. */
  model: { file: string; format: ExportFormat; bytes: number; macs: number; params: number; bitOps: number };
  /** The search's predictions: val accuracy, latency on `target`, and on every target of its fitness. */
  predicted: { accuracy: number; latency: number; latencies: Record<string, number> };
  /** Top-1 accuracy of the exported file in onnxruntime on `testImages` test images. */
  testAccuracy: number;
  testImages: number;
  latency: LatencyCheck;
}

/** fp32 ONNX for a float genome, QDQ int8 ONNX at its bits for a genome with bits. */
export function exportFormatOf(config: SubnetConfig): ExportFormat {
  return config.wBits !== undefined && config.aBits !== undefined ? 'onnx-int8' : 'onnx';
}

/** Distinct model file names, from the results file names ('search-rpi4.json' -> 'search-rpi4.int8.onnx'). */
function modelFiles(chosen: readonly ChosenConfig[]): string[] {
  const seen = new Set<string>();
  return chosen.map((c, k) => {
    let base = basename(c.source).replace(/\.json$/i, '');
    if (seen.has(base)) base = `${base}-${k + 1}`;
    seen.add(base);
    return `${base}${exportFormatOf(c.best.config) === 'onnx-int8' ? '.int8' : ''}.onnx`;
  });
}

/** The test split as normalised NHWC floats, the exported models' input. */
function testImages(split: DataSplit): Float32Array {
  const images = new Float32Array(split.n * split.height * split.width * split.channels);
  fillBatch(split, Int32Array.from({ length: split.n }, (_, i) => i), images, { augment: false });
  return images;
}

/** Top-1 accuracy of the ONNX file `path` on every image of `split`, in onnxruntime. */
export async function onnxTestAccuracy(path: string, split: DataSplit, classes: number): Promise<number> {
  return onnxAccuracy(path, split, testImages(split), classes);
}

async function onnxAccuracy(path: string, split: DataSplit, images: Float32Array, classes: number): Promise<number> {
  const session = await createSession(path, { intraOpThreads: availableParallelism() });
  try {
    const logits = await session.runBatched(images, [split.n, split.height, split.width, split.channels], 500);
    return agreement(top1(logits, classes), split.labels);
  } finally {
    await session.release();
  }
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

interface Pending {
  row: Omit<VerifyRow, 'latency'>;
  target: ResolvedTarget;
  path: string;
  /** The float graph tfjs runs (tfjs targets only). */
  floatGraph?: DeployGraph;
}

const harness = {
  warmupRuns: kDefaultMeasureOptions.warmupRuns, runs: kDefaultMeasureOptions.runs,
  maxCv: kDefaultMeasureOptions.maxCv, maxIqrRatio: kDefaultMeasureOptions.maxIqrRatio,
};

/** Exports, evaluates and (on measured targets) times each chosen config; resolves to one row each, in order. */
export async function verifyConfigs(chosen: readonly ChosenConfig[], ctx: VerifyContext): Promise<VerifyRow[]> {
  const { net, data } = ctx;
  const { space } = net;
  const images = testImages(data.test);
  const files = modelFiles(chosen);
  const pending: Pending[] = [];
  for (const [k, c] of chosen.entries()) {
    const target = c.resolved;
    const { kind } = target;
    const path = join(ctx.dir, files[k]);
    let floatGraph: DeployGraph | undefined;
    const r = await exportConfig(net, c.best.config, data.train, path, {
      classNames: data.classNames,
      format: exportFormatOf(c.best.config),
      version: ctx.version,
      metadata: { ...ctx.metadata, 'hwnas.target': c.target, 'hwnas.results': basename(c.source) },
      inspect: kind === 'measured' && target.name !== 'ort-cpu' ? (subnet) => { floatGraph = buildDeployGraph(subnet, { quantize: false }); } : undefined,
      // The int8 weight container this machine runs faster, as its profile measured.
      weightType: kind === 'measured' ? weightTypeForTarget(target, ctx.profiles?.[c.target]) : undefined,
    });
    const testAccuracy = await onnxAccuracy(path, data.test, images, space.input.classes);
    ctx.onStep?.(`${c.target}: exported ${files[k]} (${r.format}), test accuracy ${(100 * testAccuracy).toFixed(2)}%`);
    pending.push({
      path, floatGraph, target,
      row: {
        source: c.source, target: c.target, unit: c.unit, kind, budget: c.maxLatency, config: r.config,
        model: { file: files[k], format: r.format, bytes: r.bytes, macs: r.macs, params: r.params, bitOps: r.bitOps },
        predicted: { accuracy: c.best.accuracy, latency: c.best.latency, latencies: c.best.latencies },
        testAccuracy, testImages: data.test.n,
      },
    });
  }
  const runtimes = new Map<string, BenchRuntime>();
  const drifts = new Map<string, ProfileDrift | null>();
  for (const p of pending) {
    if (p.row.kind !== 'measured' || drifts.has(p.row.target)) continue;
    const drift = await targetDrift(p.target, space, runtimes, ctx.profiles?.[p.row.target]);
    drifts.set(p.row.target, drift);
    if (drift?.ratio != null) {
      const q = drift.quantized?.ratio;
      ctx.onStep?.(`${p.row.target}: the profile's reference subnets run at ${drift.ratio.toFixed(2)}x their profiled latency now (fp32${q == null ? '' : `; quantized ${q.toFixed(2)}x`})`);
    }
  }
  const rows: VerifyRow[] = [];
  const input = timingInput(space, data.test);
  for (const p of pending) {
    const latency = { ...(await measureRow(p, input, runtimes)), ...(drifts.has(p.row.target) ? { drift: drifts.get(p.row.target) ?? null } : {}) };
    rows.push({ ...p.row, latency });
    const m = latency.measurement;
    if (m !== null) ctx.onStep?.(`${p.row.target}: ${p.row.model.file} runs in ${m.medianMs.toPrecision(3)} ms (median)${m.flagged ? ', FLAGGED as too noisy' : ''}`);
  }
  return rows;
}

async function benchRuntimeFor(name: string, threads: number, runtimes: Map<string, BenchRuntime>): Promise<BenchRuntime> {
  const key = `${name}:${threads}`;
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = await createBenchRuntime(name, threads);
    runtimes.set(key, runtime);
  }
  return runtime;
}

/** The drift of a measured target against its profile (`given`, else the default); null without a profile of `space` there. */
async function targetDrift(target: ResolvedTarget, space: SearchSpace, runtimes: Map<string, BenchRuntime>, given?: string): Promise<ProfileDrift | null> {
  const threads = target.threads ?? kDefaultMeasuredThreads;
  const path = given ?? defaultProfilePath(target.name, threads);
  if (!existsSync(path)) return null;
  const profile = loadLatencyProfile(path);
  if (!sameSpace(profile.space, space)) return null;
  return profileDrift(await benchRuntimeFor(target.name, threads, runtimes), profile, path);
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

async function measureRow(p: Pending, input: TimingInput, runtimes: Map<string, BenchRuntime>): Promise<LatencyCheck> {
  if (p.row.kind !== 'measured') return { measurement: null, runtime: null };
  if (p.target.name === 'ort-cpu') return measureOnnxOnTarget(p.path, p.target, input);
  const threads = p.target.threads ?? kDefaultMeasuredThreads;
  const label = `${p.row.target} ${p.row.model.file}`;
  const runtime = await benchRuntimeFor(p.target.name, threads, runtimes);
  const graph = p.floatGraph as DeployGraph;
  return {
    measurement: await timeGraph(runtime, { graph, outputShape: [1, 1, graph.classes] }, harness, label),
    runtime: `${runtime.runtime.name} ${runtime.runtime.version} running the float graph of ${p.row.model.file}, ${threadText(threads)}`,
  };
}

/** Signed error of the predicted latency against a usable measurement, in percent; null without one. */
export function latencyErrorPercent(row: VerifyRow): number | null {
  const m = row.latency.measurement;
  return m === null || m.flagged ? null : (100 * (row.predicted.latency - m.medianMs)) / m.medianMs;
}

/** Whether the measured median meets the budget: true/false, or null when there is no usable measurement. */
export function withinBudget(row: VerifyRow): boolean | null {
  const m = row.latency.measurement;
  return m === null || m.flagged ? null : m.medianMs <= row.budget;
}

