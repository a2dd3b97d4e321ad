/**
 * What `hwnas verify` (and the demo) does with each config a search chose:
 *   1. export it from the supernet exactly as `hwnas export` does with its defaults - BatchNorm
 *      recalibrated on 2,000 training images, fp32 ONNX, or QDQ int8 ONNX with calibrated
 *      activation ranges when the genome has bits;
 *   2. measure the exported file's top-1 accuracy in onnxruntime on the whole test split;
 *   3. on a measured target, time it with the one measurement harness at the target's thread
 *      count: ort-cpu runs the exported file; tfjs-wasm / tfjs-node run the subnet's float graph
 *      (what tfjs executes) through the bench runtime `hwnas profile` uses - target by target,
 *      between two re-timings of the target's profile's reference subnets, so that each time can
 *      also be put at the speed the machine had when profiled (verifyLatency.ts). Analytic and
 *      proxy targets cannot be measured on this machine: their rows say so and carry no latency.
 * Every export and accuracy comes first, then the latencies, so no heavy work runs beside a
 * measurement. A flagged (too noisy) measurement is kept, marked, and never used as a latency.
 */
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { weightTypeForTarget } from '../profiling/int8Container.js';
import { createSession } from '../profiling/ort.js';
import type { TargetKind } from '../latency/target.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { fillBatch } from '../supernet/data/batches.js';
import type { DataSplit, Dataset } from '../supernet/data/types.js';
import { exportConfig } from '../supernet/export/exportConfig.js';
import type { ExportFormat } from '../supernet/export/exportSubnet.js';
import { agreement, top1 } from '../supernet/quant/classify.js';
import { buildDeployGraph, type DeployGraph } from '../supernet/quant/deployGraph.js';
import type { Supernet } from '../supernet/Supernet.js';
import type { SubnetConfig } from '../space/types.js';
import type { ChosenConfig } from './searchResultFile.js';
import {
  atProfileSpeed, driftRatios, measureGraphOnTarget, measureOnnxOnTarget, targetDrift, targetProfile, timingInput, type LatencyCheck, type RuntimeCache, type TimingInput,
} from './verifyLatency.js';

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
  /** One line per step done (`steps` of them, default 1), for progress output. */
  onStep?: (line: string, steps?: number) => void;
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
  /** The config's val accuracy as the search measured it (--rerank), or null when it chose by prediction alone. */
  searchVal: { accuracy: number; images: number } | null;
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

interface Pending {
  row: Omit<VerifyRow, 'latency'>;
  target: ResolvedTarget;
  path: string;
  /** The float graph tfjs runs (tfjs targets only). */
  floatGraph?: DeployGraph;
}

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
        searchVal: c.measuredVal ?? null,
        testAccuracy, testImages: data.test.n,
      },
    });
  }
  const runtimes: RuntimeCache = new Map();
  const input = timingInput(space, data.test);
  const rows = new Map<Pending, VerifyRow>();
  // Target by target: the profile's references re-timed, the target's rows timed, the references
  // again, so that the machine's speed is known on both sides of each measurement.
  for (const spec of new Set(pending.map((p) => p.row.target))) {
    const mine = pending.filter((p) => p.row.target === spec);
    const floatOnly = mine.every((p) => exportFormatOf(p.row.config) === 'onnx');
    const loaded = mine[0].row.kind === 'measured' ? targetProfile(mine[0].target, space, ctx.profiles?.[spec]) : undefined;
    const drift = async () => (loaded == null ? loaded : targetDrift(mine[0].target, loaded, runtimes, floatOnly));
    const before = await drift();
    if (before != null) ctx.onStep?.(`${spec}: the profile's reference subnets run at ${driftRatios(before)} their profiled latency before timing`);
    // The two re-timings a measured target without a profile of this space skips.
    if (before === null) ctx.onStep?.(`${spec}: no latency profile of this space to re-time: times as measured`, 2);
    const timed: [Pending, LatencyCheck][] = [];
    for (const p of mine) {
      const latency = await measureRow(p, input, runtimes);
      timed.push([p, latency]);
      const m = latency.measurement;
      if (m !== null) ctx.onStep?.(`${spec}: ${p.row.model.file} runs in ${m.medianMs.toPrecision(3)} ms (median)${m.flagged ? ', FLAGGED as too noisy' : ''}`);
    }
    const after = before == null ? before : await drift();
    if (after != null) ctx.onStep?.(`${spec}: the profile's reference subnets run at ${driftRatios(after)} their profiled latency after timing`);
    for (const [p, latency] of timed) {
      if (before === undefined) {
        rows.set(p, { ...p.row, latency });
        continue;
      }
      const check = { ...latency, drift: before, driftAfter: after ?? null };
      const quantized = p.target.name === 'ort-cpu' && exportFormatOf(p.row.config) === 'onnx-int8';
      rows.set(p, { ...p.row, latency: { ...check, atProfileSpeed: atProfileSpeed(check, quantized) } });
    }
  }
  return pending.map((p) => rows.get(p) as VerifyRow);
}

async function measureRow(p: Pending, input: TimingInput, runtimes: RuntimeCache): Promise<LatencyCheck> {
  if (p.row.kind !== 'measured') return { measurement: null, runtime: null };
  if (p.target.name === 'ort-cpu') return measureOnnxOnTarget(p.path, p.target, input);
  return measureGraphOnTarget(p.floatGraph as DeployGraph, p.target, runtimes, p.row.model.file);
}

/** Signed error of the predicted latency against a usable measurement, in percent; null without one. */
export function latencyErrorPercent(row: VerifyRow): number | null {
  const m = row.latency.measurement;
  return m === null || m.flagged ? null : (100 * (row.predicted.latency - m.medianMs)) / m.medianMs;
}

/** The same against the measurement put at the profile's speed (LatencyCheck.atProfileSpeed); null without it. */
export function latencyErrorAtProfileSpeed(row: VerifyRow): number | null {
  const at = row.latency.atProfileSpeed;
  return at == null ? null : (100 * (row.predicted.latency - at.medianMs)) / at.medianMs;
}

/** Whether the measured median meets the budget: true/false, or null when there is no usable measurement. */
export function withinBudget(row: VerifyRow): boolean | null {
  const m = row.latency.measurement;
  return m === null || m.flagged ? null : m.medianMs <= row.budget;
}

