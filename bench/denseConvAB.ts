/**
 * A/B of two builds of the dense-convolution training step in one process: each build's
 * `dist` directory (e.g. the committed HEAD, exported and compiled elsewhere, and the working
 * tree) runs bench/denseConvStack.ts in its own worker thread with its own single-threaded wasm
 * backend, and the threads take turns, one round of steps each, so that load from other
 * processes hits both alike. Only such interleaved comparisons mean anything on a loaded
 * machine. Prints, per build, the median step in wall time and in CPU time (`process.cpuUsage`
 * over the step: the other thread is idle meanwhile, and time the scheduler gives to other
 * processes does not count, so it is the steadier figure on a loaded machine), the spread
 * (min..max), the ratio of medians, and per-round ratios.
 *
 *   node dist/bench/denseConvAB.js --a /tmp/head/dist --b dist [--depths 8,14] [--batch 64]
 *     [--rounds 8] [--steps 2] [--warmup 3] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { benchArgs, fail, intFlag } from './args.js';

interface Job { dist: string; depths: number[]; batch: number }
type Request = { depth: number; steps: number } | 'quit';
/** Milliseconds per step: wall clock and the process's CPU time. */
interface Times { wall: number[]; cpu: number[] }

/** Worker: builds the networks from `dist` and answers each request with its step times. */
async function serve(job: Job): Promise<void> {
  const imp = (rel: string) => import(path.resolve(job.dist, rel));
  const { tf } = await imp('supernet/backend/tf.js');
  const { initBackend } = await imp('supernet/backend/backend.js');
  const { DenseConvStack, RESNET_INPUT } = await imp('bench/denseConvStack.js');
  const { Rng } = await imp('space/rng.js');
  await initBackend({ backend: 'wasm', threads: 1 });
  const { height, width, channels, classes } = RESNET_INPUT;
  const rng = new Rng(7);
  const images = tf.tensor4d(Float32Array.from({ length: job.batch * height * width * channels }, () => rng.next()),
    [job.batch, height, width, channels]);
  const labels = tf.tensor1d(Int32Array.from({ length: job.batch }, () => rng.int(classes)), 'int32');
  const nets = new Map(job.depths.map((d) => [d, new DenseConvStack((d - 2) / 6, 1)]));
  parentPort!.on('message', (req: Request) => {
    if (req === 'quit') {
      parentPort!.close();
      return;
    }
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < req.steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      nets.get(req.depth)!.trainStep(images, labels, 0.01);
      const c = process.cpuUsage(c0);
      wall.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    parentPort!.postMessage({ wall, cpu } satisfies Times);
  });
  parentPort!.postMessage('ready');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const args = benchArgs('bench/denseConvAB', {
    a: { type: 'string' },
    b: { type: 'string' },
    depths: { type: 'string', default: '8,14' },
    batch: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '8' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    json: { type: 'string' },
  });
  if (!args.a || !args.b) throw new Error('--a and --b must name two dist directories (the builds to compare)');
  const batch = intFlag('batch', args.batch, 1);
  const rounds = intFlag('rounds', args.rounds, 1);
  const steps = intFlag('steps', args.steps, 1);
  const warmup = intFlag('warmup', args.warmup, 0);
  const depths = args.depths.split(',').map((d) => intFlag('depths', d, 8));
  const builds = { a: args.a, b: args.b };
  const workers = Object.fromEntries(Object.entries(builds).map(([name, dist]) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { dist, depths, batch } satisfies Job });
    return [name, w];
  })) as Record<'a' | 'b', Worker>;
  const next = (w: Worker) => new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const run = async (w: Worker, depth: number, n: number): Promise<Times> => {
    const reply = next(w);
    w.postMessage({ depth, steps: n } satisfies Request);
    return (await reply) as Times;
  };
  await Promise.all(Object.values(workers).map(next));
  console.log(`${new Date().toISOString()}  a=${builds.a}  b=${builds.b}  batch ${batch}, ${rounds} rounds x ${steps} steps, ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results: Record<string, unknown>[] = [];
  try {
    for (const depth of depths) {
      for (const w of Object.values(workers)) await run(w, depth, warmup);
      const times = { a: { wall: [], cpu: [] } as Times, b: { wall: [], cpu: [] } as Times };
      const roundRatios = { wall: [] as number[], cpu: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        // Alternate which build goes first, so neither always follows the other.
        const order = r % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const);
        const round: Partial<Record<'a' | 'b', Times>> = {};
        for (const name of order) round[name] = await run(workers[name], depth, steps);
        for (const kind of ['wall', 'cpu'] as const) {
          times.a[kind].push(...round.a![kind]);
          times.b[kind].push(...round.b![kind]);
          roundRatios[kind].push(median(round.a![kind]) / median(round.b![kind]));
        }
      }
      const summary: Record<string, unknown> = { depth, a: times.a, b: times.b, roundRatios };
      for (const kind of ['wall', 'cpu'] as const) {
        const ma = median(times.a[kind]);
        const mb = median(times.b[kind]);
        const spread = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)}`;
        console.log(`ResNet-${depth} ${kind.padEnd(4)}: a ${ma.toFixed(1)} ms (${spread(times.a[kind], 1)}), ` +
          `b ${mb.toFixed(1)} ms (${spread(times.b[kind], 1)}), a/b ${(ma / mb).toFixed(3)}; ` +
          `per-round a/b median ${median(roundRatios[kind]).toFixed(3)} (${spread(roundRatios[kind], 3)})`);
        summary[kind] = { medianA: ma, medianB: mb, ratio: ma / mb, roundRatioMedian: median(roundRatios[kind]) };
      }
      results.push(summary);
    }
    console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), builds, batch, rounds, steps, results }, null, 2));
  } finally {
    for (const w of Object.values(workers)) w.postMessage('quit' satisfies Request);
  }
}

if (isMainThread) main().catch((err: unknown) => fail('bench/denseConvAB', err));
else serve(workerData as Job).catch((err: unknown) => { throw err; });
