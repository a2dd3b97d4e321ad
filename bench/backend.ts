/**
 * Training throughput of the reference stack (bench/referenceStack.ts) on every tfjs backend
 * that loads: images/s of full training steps (forward + backward + SGD update) in one process
 * and data-parallel over worker threads, median of the timed steps after warm-up, and a
 * per-kernel breakdown of one step.
 *
 *   npm run bench:backend -- [--json out.json] [--batch 64] [--steps 9] [--warmup 5]
 *     [--backends wasm,cpu,node] [--workers 1,2] [--cpu-batch 8] [--cpu-steps 1]
 *     [--top 12] [--variant simd|composed]
 *
 * Warm-up matters: V8 compiles the SIMD kernels' optimised code in the background over the first
 * steps (measured: 257 -> 319 images per CPU-second going from 2 to 6 warm-up steps).
 * The cpu backend is pure JavaScript (seconds per image), so it runs a smaller batch
 * (--cpu-batch) for --cpu-steps timed steps without warm-up, and no profile.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { tf } from '../supernet/backend/tf.js';
import { BACKEND_NAMES, initBackend, type BackendInfo, type BackendName } from '../supernet/backend/backend.js';
import { profileKernels, type KernelBreakdown } from '../supernet/backend/profile.js';
import { relaxedSimdAvailable } from '../supernet/backend/simd/simdModule.js';
import { DataParallelTrainer } from '../supernet/train/dataParallel.js';
import { Rng } from '../space/rng.js';
import { REFERENCE_INPUT, ReferenceStack, type ReferenceStackInit, type ReferenceTask } from './referenceStack.js';
import { benchArgs } from './args.js';

interface RunResult {
  backend: BackendName;
  workers: number;
  batch: number;
  warmup: number;
  stepMs: number[];
  medianMs: number;
  imagesPerSec: number;
  /** CPU time of the whole process (all threads) per step, median. */
  medianCpuMs: number;
  /**
   * Images per CPU-second of the process: on a machine shared with other work, an estimate of
   * the per-core rate on dedicated cores (workers x this = the rate on `workers` free cores).
   */
  imagesPerCpuSec: number;
}

const args = benchArgs('bench:backend', {
  json: { type: 'string' },
  batch: { type: 'string', default: '64' },
  steps: { type: 'string', default: '9' },
  warmup: { type: 'string', default: '5' },
  backends: { type: 'string', default: BACKEND_NAMES.join(',') },
  workers: { type: 'string', default: '1,2' },
  'cpu-batch': { type: 'string', default: '8' },
  'cpu-steps': { type: 'string', default: '1' },
  top: { type: 'string', default: '12' },
  variant: { type: 'string', default: 'simd' },
});

function positiveInt(name: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got '${raw}')`);
  return n;
}

const PIXELS = REFERENCE_INPUT.height * REFERENCE_INPUT.width * REFERENCE_INPUT.channels;

function makeBatch(n: number, seed: number): ReferenceTask {
  const rng = new Rng(seed);
  const images = new Float32Array(n * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = rng.next();
  return { images, labels: Int32Array.from({ length: n }, () => rng.int(REFERENCE_INPUT.classes)) };
}

/** Splits a batch into `parts` contiguous shards. */
function shards(batch: ReferenceTask, parts: number): ReferenceTask[] {
  const n = batch.labels.length;
  return Array.from({ length: parts }, (_, p) => {
    const from = Math.floor((p * n) / parts);
    const to = Math.floor(((p + 1) * n) / parts);
    return { images: batch.images.slice(from * PIXELS, to * PIXELS), labels: batch.labels.slice(from, to) };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function throughput(backend: BackendName, workers: number, batch: number, warmup: number, steps: number): Promise<RunResult> {
  const init: ReferenceStackInit = { seed: 1 };
  const trainer = await DataParallelTrainer.create<ReferenceStackInit, ReferenceTask>({
    module: new URL('./referenceStack.js', import.meta.url), init, workers, backend,
  });
  try {
    const data = makeBatch(batch, 7);
    const stepMs: number[] = [];
    const cpuMs: number[] = [];
    for (let s = 0; s < warmup + steps; s++) {
      const tasks = shards(data, workers);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await trainer.step(tasks, 0.01);
      const c1 = process.cpuUsage(c0);
      if (s >= warmup) {
        stepMs.push(performance.now() - t0);
        cpuMs.push((c1.user + c1.system) / 1000);
      }
    }
    const medianMs = median(stepMs);
    const medianCpuMs = median(cpuMs);
    return {
      backend, workers, batch, warmup, stepMs, medianMs, imagesPerSec: (batch / medianMs) * 1000,
      medianCpuMs, imagesPerCpuSec: (batch / medianCpuMs) * 1000,
    };
  } finally {
    await trainer.close();
  }
}

async function profileStep(batch: number): Promise<KernelBreakdown> {
  const net = new ReferenceStack({ seed: 1 });
  const data = makeBatch(batch, 7);
  const images = tf.tensor4d(data.images, [batch, REFERENCE_INPUT.height, REFERENCE_INPUT.width, REFERENCE_INPUT.channels]);
  const labels = tf.tensor1d(data.labels, 'int32');
  try {
    net.trainStep(images, labels, 0.01);
    return await profileKernels(() => void net.trainStep(images, labels, 0.01));
  } finally {
    tf.dispose([images, labels]);
    net.dispose();
  }
}

/** Images/s with three significant digits for slow backends, one decimal otherwise. */
function rate(x: number): string {
  return x >= 100 ? x.toFixed(1) : x.toPrecision(3);
}

function printRuns(runs: RunResult[]): void {
  console.log('\nTraining throughput, reference stack (forward + backward + SGD step)');
  console.log('backend  workers  batch  timed steps  median ms/step  images/s  images/CPU-s');
  for (const r of runs) {
    console.log(
      `${r.backend.padEnd(8)} ${String(r.workers).padStart(7)} ${String(r.batch).padStart(6)} ` +
        `${String(r.stepMs.length).padStart(12)} ${r.medianMs.toFixed(1).padStart(15)} ${rate(r.imagesPerSec).padStart(9)}` +
        ` ${rate(r.imagesPerCpuSec).padStart(13)}`,
    );
  }
  console.log('images/CPU-s: images per CPU-second of the process (all threads); with other load on the machine,');
  console.log('an estimate of the rate per dedicated core (x workers for that many free cores).');
}

function printProfile(p: KernelBreakdown, top: number, batch: number): void {
  console.log(`\nKernel time of one training step on ${p.backend} (batch ${batch}, 1 thread): ${p.totalMs.toFixed(1)} ms`);
  console.log('kernel                                        ms   calls   share');
  for (const k of p.kernels.slice(0, top)) {
    console.log(`${k.name.padEnd(40)} ${k.ms.toFixed(1).padStart(7)} ${String(k.calls).padStart(7)} ${(100 * k.share).toFixed(1).padStart(6)}%`);
  }
  const inner = p.nested.filter((k) => k.share >= 0.01);
  if (inner.length) {
    console.log('inside composed kernels (already counted above):');
    for (const k of inner) console.log(`  ${k.name.padEnd(58)} ${k.ms.toFixed(1).padStart(7)} ${String(k.calls).padStart(5)}`);
  }
}

async function main(): Promise<void> {
  const batch = positiveInt('batch', args.batch);
  const steps = positiveInt('steps', args.steps);
  const warmup = positiveInt('warmup', args.warmup, 0);
  const cpuBatch = positiveInt('cpu-batch', args['cpu-batch']);
  const cpuSteps = positiveInt('cpu-steps', args['cpu-steps']);
  const top = positiveInt('top', args.top);
  const workerCounts = args.workers.split(',').map((w) => positiveInt('workers', w));
  if (args.variant !== 'simd' && args.variant !== 'composed') {
    throw new Error(`--variant must be 'simd' or 'composed' (got '${args.variant}')`);
  }
  process.env.HWNAS_WASM_KERNELS = args.variant;
  const backends = args.backends.split(',') as BackendName[];
  for (const b of backends) {
    if (!BACKEND_NAMES.includes(b)) throw new Error(`--backends: '${b}' is not one of ${BACKEND_NAMES.join(', ')}`);
  }
  const cpu = os.cpus();
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  const fma = relaxedSimdAvailable();
  console.log(`${cpu.length} x ${cpu[0]?.model ?? 'unknown cpu'}, node ${process.version}, wasm kernels: ${args.variant}, ` +
    `relaxed-SIMD fused multiply-add: ${fma ? 'yes' : 'no'}`);
  console.log(`load average before: ${loadBefore} (other processes make the figures noisy)`);

  const runs: RunResult[] = [];
  const profiles: KernelBreakdown[] = [];
  const skipped: { backend: BackendName; reason: string }[] = [];
  for (const backend of backends) {
    let info: BackendInfo;
    try {
      info = await initBackend({ backend, threads: 1 });
    } catch (err) {
      skipped.push({ backend, reason: (err as Error).message });
      console.log(`\n${backend}: skipped (${(err as Error).message})`);
      continue;
    }
    console.log(`\n${info.name}: tfjs ${info.version}, ${info.threads} thread(s) per replica`);
    const slow = backend === 'cpu';
    for (const workers of workerCounts) {
      const b = slow ? cpuBatch : batch;
      const r = await throughput(backend, workers, b, slow ? 0 : warmup, slow ? cpuSteps : steps);
      console.log(`  ${workers} worker(s): ${rate(r.imagesPerSec)} images/s (median ${r.medianMs.toFixed(1)} ms/step, ` +
        `${r.medianCpuMs.toFixed(1)} CPU-ms/step)`);
      runs.push(r);
    }
    if (!slow) {
      await initBackend({ backend, threads: 1 });
      const p = await profileStep(batch);
      profiles.push(p);
      printProfile(p, top, batch);
    }
  }
  printRuns(runs);
  const loadAfter = load();
  console.log(`load average after: ${loadAfter}`);
  if (args.json) {
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpu.length, model: cpu[0]?.model, node: process.version, loadBefore, loadAfter },
      config: { batch, steps, warmup, cpuBatch, cpuSteps, variant: args.variant, relaxedSimd: fma },
      runs,
      profiles,
      skipped,
    };
    writeFileSync(args.json, JSON.stringify(report, null, 2));
    console.log(`\nwrote ${args.json}`);
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
