/**
 * Training throughput of CIFAR-style ResNets (bench/denseConvStack.ts: ResNet-8 and ResNet-14,
 * 28x28x1, dense 3x3 convolutions) on one thread: tfjs-wasm with hwnas's dense-convolution
 * kernels, tfjs-wasm on the previous path (XNNPACK Conv2D, composed gradients:
 * `setDenseConvKernels(false)`), and PyTorch (bench/denseConvTorch.py in a child process, one
 * thread), in alternating rounds so that load from other processes hits every setup alike.
 * Prints images/s (median step) per setup and the per-kernel time of one profiled step.
 *
 *   npm run bench:dense-conv -- [--json out.json] [--batch 64] [--depths 8,14] [--rounds 3]
 *     [--steps 3] [--warmup 3] [--setups hwnas,previous,torch] [--python /usr/bin/python3] [--top 6]
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { tf } from '../supernet/backend/tf.js';
import { initBackend } from '../supernet/backend/backend.js';
import { setDenseConvKernels } from '../supernet/backend/kernels/directConv.js';
import { profileKernels } from '../supernet/backend/profile.js';
import { relaxedSimdAvailable } from '../supernet/backend/simd/simdModule.js';
import { Rng } from '../space/rng.js';
import { benchArgs, fail, intFlag } from './args.js';
import { DenseConvStack, RESNET_INPUT } from './denseConvStack.js';

const SETUPS = Object.freeze(['hwnas', 'previous', 'torch'] as const);
type Setup = (typeof SETUPS)[number];

const args = benchArgs('bench:dense-conv', {
  json: { type: 'string' },
  batch: { type: 'string', default: '64' },
  depths: { type: 'string', default: '8,14' },
  rounds: { type: 'string', default: '3' },
  steps: { type: 'string', default: '3' },
  warmup: { type: 'string', default: '3' },
  setups: { type: 'string', default: SETUPS.join(',') },
  python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
  top: { type: 'string', default: '6' },
});

/** CPU model and the SIMD flags that matter for convolutions, from lscpu. */
function cpuInfo(): { model: string; flags: Record<string, boolean> } {
  let text = '';
  try {
    text = execFileSync('lscpu', { encoding: 'utf8' });
  } catch {
    text = '';
  }
  const field = (name: string) => text.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1].trim() ?? '';
  const present = new Set(field('Flags').split(/\s+/));
  const flags = Object.fromEntries(['avx2', 'avx512f', 'avx512_vnni'].map((f) => [f, present.has(f)]));
  return { model: field('Model name') || (os.cpus()[0]?.model ?? 'unknown'), flags };
}

/** The PyTorch reference as a child process answering one JSON line per request line. */
function torchServer(python: string) {
  const child = spawn(python, [new URL('../../bench/denseConvTorch.py', import.meta.url).pathname], {
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const request = async <T>(line: string): Promise<T> => {
    child.stdin.write(`${line}\n`);
    const next = await lines.next();
    if (next.done) throw new Error(`${python} bench/denseConvTorch.py ended early: is python3-torch installed?`);
    const reply = JSON.parse(next.value) as T & { error?: string };
    if (reply.error) throw new Error(`denseConvTorch.py: ${reply.error}`);
    return reply;
  };
  return { request, close: () => child.stdin.end('quit\n') };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const batch = intFlag('batch', args.batch, 1);
  const rounds = intFlag('rounds', args.rounds, 1);
  const steps = intFlag('steps', args.steps, 1);
  const warmup = intFlag('warmup', args.warmup, 0);
  const top = intFlag('top', args.top, 1);
  const depths = args.depths.split(',').map((d) => {
    const depth = intFlag('depths', d, 8);
    if ((depth - 2) % 6 !== 0) throw new Error(`--depths: ${depth} is not 6 * blocks + 2 (8, 14, 20, ...)`);
    return depth;
  });
  const setups = args.setups.split(',') as Setup[];
  for (const s of setups) if (!SETUPS.includes(s)) throw new Error(`--setups: '${s}' is not one of ${SETUPS.join(', ')}`);
  const cpu = cpuInfo();
  await initBackend({ backend: 'wasm', threads: 1 });
  console.log(`${new Date().toISOString()}  ${cpu.model}  ${Object.entries(cpu.flags).map(([f, on]) => `${f}:${on ? 'yes' : 'no'}`).join(' ')}`);
  console.log(`node ${process.version}, tfjs-wasm 1 thread, relaxed-SIMD FMA: ${relaxedSimdAvailable() ? 'yes' : 'no'}, ` +
    `batch ${batch}, ${rounds} rounds x ${steps} steps per setup, load average ${os.loadavg()[0].toFixed(2)}`);

  const { height, width, channels, classes } = RESNET_INPUT;
  const rng = new Rng(7);
  const images = tf.tensor4d(Float32Array.from({ length: batch * height * width * channels }, () => rng.next()),
    [batch, height, width, channels]);
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(classes)), 'int32');
  const nets = new Map(depths.map((d) => [d, new DenseConvStack((d - 2) / 6, 1)]));
  const torch = setups.includes('torch') ? torchServer(args.python) : undefined;
  const times = new Map<string, number[]>();
  const runTf = (setup: Setup, depth: number, n: number): number[] => {
    setDenseConvKernels(setup === 'hwnas');
    const net = nets.get(depth)!;
    return Array.from({ length: n }, () => {
      const t0 = performance.now();
      net.trainStep(images, labels, 0.01);
      return performance.now() - t0;
    });
  };
  const run = async (setup: Setup, depth: number, n: number): Promise<number[]> => setup === 'torch'
    ? (await torch!.request<{ ms: number[] }>(`train ${(depth - 2) / 6} ${batch} ${n}`)).ms
    : runTf(setup, depth, n);
  try {
    for (const depth of depths) for (const setup of setups) await run(setup, depth, warmup);
    for (let r = 0; r < rounds; r++) {
      for (const depth of depths) {
        for (const setup of setups) {
          const key = `${depth}/${setup}`;
          times.set(key, [...(times.get(key) ?? []), ...(await run(setup, depth, steps))]);
        }
      }
    }
    const report: Record<string, unknown>[] = [];
    console.log('\nResNet     setup      median ms/step  images/s');
    for (const depth of depths) {
      for (const setup of setups) {
        const ms = median(times.get(`${depth}/${setup}`)!);
        console.log(`ResNet-${String(depth).padEnd(3)} ${setup.padEnd(10)} ${ms.toFixed(1).padStart(14)} ${(batch * 1000 / ms).toFixed(1).padStart(9)}`);
        report.push({ depth, setup, stepMs: times.get(`${depth}/${setup}`), medianMs: ms, imagesPerSec: batch * 1000 / ms });
      }
    }
    const profiles: Record<string, unknown>[] = [];
    for (const depth of depths) {
      for (const setup of setups) {
        let kernels: [string, number][];
        if (setup === 'torch') {
          kernels = (await torch!.request<{ kernels: [string, number][] }>(`profile ${(depth - 2) / 6} ${batch}`)).kernels;
        } else {
          setDenseConvKernels(setup === 'hwnas');
          const p = await profileKernels(() => void nets.get(depth)!.trainStep(images, labels, 0.01));
          kernels = p.kernels.map((k) => [k.name, k.ms]);
        }
        profiles.push({ depth, setup, kernels });
        console.log(`\nResNet-${depth} ${setup}, one step: ` +
          kernels.slice(0, top).map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(', ') + ' (ms)');
      }
    }
    console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), cpu, batch, rounds, steps, results: report, profiles }, null, 2));
      console.log(`wrote ${args.json}`);
    }
  } finally {
    setDenseConvKernels(true);
    torch?.close();
    tf.dispose([images, labels]);
    for (const net of nets.values()) net.dispose();
  }
}

main().catch((err: unknown) => fail('bench:dense-conv', err));
