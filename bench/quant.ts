/**
 * What int8 buys on this CPU: for the largest and smallest subnets and two mixed-precision
 * configs of a trained supernet - Fashion-MNIST test accuracy of the fp32 subnet, of its
 * simulated-quantized form (min/max and percentile activation ranges) and of the exported ONNX
 * files in onnxruntime; ONNX file sizes; and onnxruntime CPU latency (1 intra-op thread,
 * batch 1, median via profiling/measure) fp32 vs int8 (QDQ, uint8 weight containers), and
 * for comparison the same QDQ graph with int8 weight containers (faster u8s8 kernels that
 * saturate on AVX2 without VNNI: its top-1 agreement with the simulation shows the damage).
 *
 *   npm run bench:quant -- [--checkpoint runs/supernet.ckpt] [--json out.json]
 *     [--test-images 10000] [--bn-images 2000] [--range-images 1000] [--runs 50] [--keep DIR]
 *     [--finetune-steps N]   (also: accuracy after N steps of straight-through fine-tuning)
 *
 * Float configs (largest, smallest) are quantized at 8-bit weights and activations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../supernet/backend/tf.js';
import { initBackend } from '../supernet/backend/backend.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { fillBatch } from '../supernet/data/batches.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { extract } from '../supernet/extract.js';
import { loadSupernet } from '../supernet/io.js';
import { Rng } from '../space/rng.js';
import type { Subnet } from '../supernet/Subnet.js';
import { blockSlots, largestConfig, sampleConfig, smallestConfig } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig, WeightBits } from '../space/types.js';
import { withUniformBits } from '../space/bits.js';
import { logitsOf, quantizeSubnet, withDefaultBits } from '../supernet/quant/QuantizedSubnet.js';
import { fineTuneQuantized } from '../supernet/quant/fineTune.js';
import type { DataSplit } from '../supernet/data/types.js';
import { agreement, maxAbsDiff, top1 } from '../supernet/quant/classify.js';
import { exportSubnet } from '../supernet/export/exportSubnet.js';
import { createSession, type OrtSession } from '../profiling/ort.js';
import { measureLatency, type Measurement } from '../profiling/measure.js';
import { bitOps, macs, params } from '../space/layers.js';
import { benchArgs } from './args.js';

const args = benchArgs('bench:quant', {
  checkpoint: { type: 'string', default: 'runs/supernet.ckpt' },
  json: { type: 'string' },
  'test-images': { type: 'string', default: '10000' },
  'bn-images': { type: 'string', default: '2000' },
  'range-images': { type: 'string', default: '1000' },
  runs: { type: 'string', default: '50' },
  'finetune-steps': { type: 'string', default: '0' },
  keep: { type: 'string' },
});

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got '${raw}')`);
  return n;
}

/** The two mixed-precision configs: the largest architecture with weights cycling 8/6/4 bits, and a seeded random genome. */
function mixedConfigs(space: SearchSpace): Array<[string, SubnetConfig]> {
  const n = blockSlots(space).length;
  const cycle: WeightBits[] = [8, 6, 4].filter((b) => space.quant.weightBits.includes(b as WeightBits)) as WeightBits[];
  const w468 = { ...withUniformBits(space, largestConfig(space), 8, 8), wBits: Array.from({ length: n }, (_, i) => cycle[i % cycle.length]) };
  return [['largest-w864-a8', w468], ['sampled-mixed', sampleConfig(space, new Rng(5), { quant: 'mixed' })]];
}

interface Row {
  name: string;
  config: SubnetConfig;
  int8Config: SubnetConfig;
  macs: number;
  params: number;
  bitOpsFp32: number;
  bitOpsInt8: number;
  accFp32: number;
  accSimMinmax: number;
  accSimPercentile: number;
  accOrtFp32: number;
  accOrtInt8: number;
  agreeSimOrt: number;
  fp32MaxLogitDiff: number;
  bytesFp32: number;
  bytesInt8: number;
  latencyFp32: Measurement;
  latencyInt8: Measurement;
  /** The same QDQ graph with int8 weight containers (u8s8 kernels, which saturate on AVX2). */
  latencyS8: Measurement;
  agreeS8Sim: number;
  /** Simulated-quantized accuracy after straight-through fine-tuning (null when not run). */
  accFineTuned: number | null;
  /** Kernel microseconds per run by operator type (onnxruntime profile, 1 thread, batch 1). */
  opsFp32: Record<string, number>;
  opsInt8: Record<string, number>;
}

const kProfileRuns = 100;

/** Kernel time per run of each operator type of a model file. */
async function opProfile(path: string, image: Float32Array, prefix: string): Promise<Record<string, number>> {
  const s = await createSession(path, { intraOpThreads: 1, profilePrefix: prefix });
  for (let i = 0; i < kProfileRuns; i++) await s.run(image, [1, 28, 28, 1]);
  const { microsByOp } = s.endProfile();
  await s.release();
  return Object.fromEntries(Object.entries(microsByOp).map(([op, us]) => [op, us / kProfileRuns]));
}

function describeOps(ops: Record<string, number>): string {
  const total = Object.values(ops).reduce((a, b) => a + b, 0);
  const top = Object.entries(ops).sort((a, b) => b[1] - a[1]).slice(0, 5);
  return `${total.toFixed(0)} us: ${top.map(([op, us]) => `${op} ${((100 * us) / total).toFixed(0)}%`).join(', ')}`;
}

const accuracy = (pred: Uint8Array, labels: Uint8Array): number => agreement(pred, labels.subarray(0, pred.length));

async function latency(session: OrtSession, image: Float32Array, runs: number, label: string): Promise<Measurement> {
  return measureLatency(() => session.run(image, [1, 28, 28, 1]), { runs, warmupRuns: 20, threads: 1, label });
}

async function benchConfig(name: string, config: SubnetConfig, subnetOf: (c: SubnetConfig) => Subnet, ctx: {
  space: SearchSpace; images: Float32Array; n: number; labels: Uint8Array; calibration: ReturnType<typeof calibrationSet>;
  rangeImages: number; runs: number; dir: string; finetuneSteps: number; train: DataSplit;
}): Promise<Row> {
  const { space, images, n, labels, calibration, dir } = ctx;
  const subnet = subnetOf(config);
  const shape = [n, 28, 28, 1];
  try {
    const fp32 = logitsOf(subnet, images, shape);
    const ranges = { images: ctx.rangeImages };
    const sims: Record<string, Float32Array> = {};
    let accFineTuned: number | null = null;
    for (const method of ['minmax', 'percentile'] as const) {
      const q = quantizeSubnet(withDefaultBits(subnet), calibration, { ...ranges, method });
      sims[method] = logitsOf(q, images, shape);
      if (method === 'minmax' && ctx.finetuneSteps > 0) {
        const tuned = fineTuneQuantized(q, ctx.train, calibration, { steps: ctx.finetuneSteps, ranges });
        accFineTuned = accuracy(top1(logitsOf(tuned.model, images, shape), 10), labels);
        tuned.model.dispose();
      }
      q.dispose();
    }
    const fp32Path = join(dir, `${name}.onnx`);
    const int8Path = join(dir, `${name}.int8.onnx`);
    const f = await exportSubnet(subnet, fp32Path, { format: 'onnx', overwrite: true });
    const q = await exportSubnet(subnet, int8Path, { format: 'onnx-int8', calibration, ranges, overwrite: true });
    const s8Path = join(dir, `${name}.s8.onnx`);
    await exportSubnet(subnet, s8Path, { format: 'onnx-int8', calibration, ranges, overwrite: true, weightType: 'int8' });
    const sf = await createSession(fp32Path, { intraOpThreads: 1 });
    const sq = await createSession(int8Path, { intraOpThreads: 1 });
    const s8 = await createSession(s8Path, { intraOpThreads: 1 });
    const ortFp32 = await sf.runBatched(images, shape, 500);
    const ortInt8 = await sq.runBatched(images, shape, 500);
    const ortS8 = await s8.runBatched(images, shape, 500);
    const one = images.subarray(0, 784);
    const latencyFp32 = await latency(sf, one, ctx.runs, `${name} fp32`);
    const latencyInt8 = await latency(sq, one, ctx.runs, `${name} int8`);
    const latencyS8 = await latency(s8, one, ctx.runs, `${name} int8 s8-weights`);
    await sf.release();
    await sq.release();
    await s8.release();
    const opsFp32 = await opProfile(fp32Path, one, join(dir, `${name}.fp32.profile`));
    const opsInt8 = await opProfile(int8Path, one, join(dir, `${name}.int8.profile`));
    const m = Math.min(100, n);
    return {
      name, config: f.config, int8Config: q.config,
      macs: macs(space, f.config), params: params(space, f.config),
      bitOpsFp32: bitOps(space, f.config), bitOpsInt8: bitOps(space, q.config),
      accFp32: accuracy(top1(fp32, 10), labels),
      accSimMinmax: accuracy(top1(sims.minmax, 10), labels),
      accSimPercentile: accuracy(top1(sims.percentile, 10), labels),
      accOrtFp32: accuracy(top1(ortFp32, 10), labels),
      accOrtInt8: accuracy(top1(ortInt8, 10), labels),
      agreeSimOrt: agreement(top1(sims.minmax, 10), top1(ortInt8, 10)),
      fp32MaxLogitDiff: maxAbsDiff(ortFp32.subarray(0, m * 10), fp32.subarray(0, m * 10)),
      bytesFp32: f.bytes, bytesInt8: q.bytes, latencyFp32, latencyInt8,
      latencyS8, agreeS8Sim: agreement(top1(sims.minmax, 10), top1(ortS8, 10)),
      accFineTuned, opsFp32, opsInt8,
    };
  } finally {
    subnet.dispose();
  }
}

const pct = (x: number): string => (100 * x).toFixed(2);
const kb = (b: number): string => (b / 1024).toFixed(1);
const ms = (m: Measurement): string => `${m.medianMs.toFixed(3)}${m.flagged ? '*' : ''}`;

function table(rows: Row[]): string {
  const tuned = rows.some((r) => r.accFineTuned !== null);
  const lines = [
    '| config | MACs | params | BitOps fp32 / int8 | acc fp32 (tfjs / ORT) | acc quant sim min/max / percentile | acc int8 ORT | sim-ORT top-1 agree | size fp32 / int8 KB | latency fp32 / int8 ms (1 thread, batch 1, median) | int8 speed-up | s8-weight int8: latency ms / sim agree |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  if (tuned) {
    lines[0] += ' acc quant sim after STE fine-tuning |';
    lines[1] += '---|';
  }
  for (const r of rows) {
    lines.push(`| ${r.name} | ${(r.macs / 1e6).toFixed(2)}M | ${(r.params / 1e3).toFixed(1)}K | ${(r.bitOpsFp32 / 1e9).toFixed(2)}G / ${(r.bitOpsInt8 / 1e9).toFixed(3)}G | ` +
      `${pct(r.accFp32)} / ${pct(r.accOrtFp32)} | ${pct(r.accSimMinmax)} / ${pct(r.accSimPercentile)} | ${pct(r.accOrtInt8)} | ${pct(r.agreeSimOrt)} | ` +
      `${kb(r.bytesFp32)} / ${kb(r.bytesInt8)} | ${ms(r.latencyFp32)} / ${ms(r.latencyInt8)} | ${(r.latencyFp32.medianMs / r.latencyInt8.medianMs).toFixed(2)}x | ${ms(r.latencyS8)} / ${pct(r.agreeS8Sim)} |${tuned ? ` ${r.accFineTuned === null ? '-' : pct(r.accFineTuned)} |` : ''}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const testImages = positiveInt('test-images', args['test-images']!);
  const bnImages = positiveInt('bn-images', args['bn-images']!);
  const rangeImages = positiveInt('range-images', args['range-images']!);
  const runs = positiveInt('runs', args.runs!);
  const finetuneSteps = Number(args['finetune-steps']);
  if (!Number.isInteger(finetuneSteps) || finetuneSteps < 0) throw new Error(`--finetune-steps must be an integer >= 0 (got '${args['finetune-steps']}')`);
  await initBackend({ backend: 'wasm' });
  const { net, meta } = loadSupernet(args.checkpoint!);
  const space = net.space;
  const data = loadFashionMnist();
  const n = Math.min(testImages, data.test.n);
  const images = new Float32Array(n * 784);
  fillBatch(data.test, Int32Array.from({ length: n }, (_, i) => i), images, { augment: false });
  const calibration = calibrationSet(data.train, Math.max(bnImages, rangeImages));
  const dir = args.keep ?? mkdtempSync(join(tmpdir(), 'hwnas-bench-quant-'));
  const ctx = { space, images, n, labels: data.test.labels, calibration, rangeImages, runs, dir, finetuneSteps, train: data.train };
  const subnetOf = (c: SubnetConfig) => extract(net, c, calibration, { images: bnImages });
  console.log(`checkpoint ${args.checkpoint}: step ${meta.step}/${meta.totalSteps}; ${n} test images; BN recalibration on ${bnImages} and activation ranges on ${rangeImages} training images`);
  const configs: Array<[string, SubnetConfig]> = [['largest', largestConfig(space)], ['smallest', smallestConfig(space)], ...mixedConfigs(space)];
  const rows: Row[] = [];
  try {
    for (const [name, config] of configs) {
      const t0 = Date.now();
      rows.push(await benchConfig(name, config, subnetOf, ctx));
      console.error(`${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
  console.log(table(rows));
  const flagged = rows.flatMap((r) => [r.latencyFp32, r.latencyInt8, r.latencyS8]).filter((m) => m.flagged);
  if (flagged.length) console.log(`* flagged as noisy (do not use as a latency): ${flagged.map((m) => `${m.label}: ${m.reason}`).join('; ')}`);
  for (const r of rows) {
    console.log(`${r.name}: fp32 ORT vs tfjs max |logit diff| on 100 images ${r.fp32MaxLogitDiff.toExponential(2)}; int8 config ${JSON.stringify(r.int8Config)}`);
    console.log(`  kernel time per run, fp32 ${describeOps(r.opsFp32)}; int8 ${describeOps(r.opsInt8)}`);
  }
  if (args.json) {
    const strip = (m: Measurement) => ({ ...m, samplesMs: undefined });
    writeFileSync(args.json, JSON.stringify({
      checkpoint: args.checkpoint, step: meta.step, totalSteps: meta.totalSteps, testImages: n,
      rows: rows.map((r) => ({ ...r, latencyFp32: strip(r.latencyFp32), latencyInt8: strip(r.latencyInt8), latencyS8: strip(r.latencyS8) })),
    }, null, 2));
  }
  tf.disposeVariables();
}

await main();
process.exit(0);
