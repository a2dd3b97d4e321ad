/**
 * Training throughput of a SubTransformer (default: fashion-vit's largest) on the wasm backend,
 * one thread: images/s of the training step the trainer runs with one worker (forward,
 * backward and the AdamW update of the shared weights), median over the timed steps after
 * warm-up, and a per-kernel breakdown of one step. `--variant both` also times tfjs's own wasm
 * kernels (HWNAS_WASM_KERNELS=composed: no project BatchMatMul and Sum), to show what the
 * project's kernels buy.
 *
 *   npm run bench:transformer -- [--space fashion-vit] [--config largest|smallest|FILE]
 *     [--batch 128] [--steps 6] [--warmup 3] [--variant simd|composed|both] [--top 10] [--json out.json]
 *
 * On a machine shared with other work the wall-clock rate understates a free core; the images
 * per CPU-second of the process estimate it.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { initBackend } from '../supernet/backend/backend.js';
import { profileKernels, type KernelBreakdown } from '../supernet/backend/profile.js';
import { setWasmKernelVariant } from '../supernet/backend/kernels/index.js';
import type { WasmKernelVariant } from '../supernet/backend/kernels/composite.js';
import { fillBatch, fillLabels } from '../supernet/data/batches.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { createReplica } from '../supernet/transformer/transformerReplica.js';
import { kTransformerRecipe } from '../supernet/transformer/trainingNet.js';
import { resolveTransformerConfig, resolveTransformerSpace } from '../supernet/transformer/io.js';
import { transformerCost } from '../space/transformer/cost.js';
import type { SandwichTask } from '../supernet/train/supernetReplica.js';
import type { TransformerConfig } from '../space/transformer/types.js';
import { benchArgs, intFlag } from './args.js';

const args = benchArgs('bench:transformer', {
  space: { type: 'string', default: 'fashion-vit' },
  config: { type: 'string', default: 'largest' },
  batch: { type: 'string', default: '128' },
  steps: { type: 'string', default: '6' },
  warmup: { type: 'string', default: '3' },
  variant: { type: 'string', default: 'simd' },
  top: { type: 'string', default: '10' },
  json: { type: 'string' },
});

interface VariantResult {
  variant: WasmKernelVariant;
  stepMs: number[];
  medianMs: number;
  imagesPerSec: number;
  imagesPerCpuSec: number;
  profile: KernelBreakdown;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const space = resolveTransformerSpace(args.space);
  if (space === undefined) throw new Error(`--space ${args.space} is not a transformer space: use fashion-vit or a space JSON file with "kind": "vit"`);
  const config = resolveTransformerConfig(space, args.config);
  const batch = intFlag('batch', args.batch, 1);
  const steps = intFlag('steps', args.steps, 1);
  const warmup = intFlag('warmup', args.warmup, 0);
  const variants: WasmKernelVariant[] = args.variant === 'both' ? ['simd', 'composed'] : [args.variant as WasmKernelVariant];
  if (variants.some((v) => v !== 'simd' && v !== 'composed')) throw new Error(`--variant must be simd, composed or both (got '${args.variant}')`);
  const backend = await initBackend({ backend: 'wasm', threads: 1 });
  const data = loadFashionMnist();
  const { height, width, channels } = space.input;
  const x = new Float32Array(batch * height * width * channels);
  const y = new Int32Array(batch);
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  fillBatch(data.train, indices, x, { augment: false });
  fillLabels(data.train.labels, indices, y);
  const task: SandwichTask<TransformerConfig> = { x, y, n: batch, configs: [config], distill: false };
  const cost = transformerCost(space, config);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${space.name} ${JSON.stringify(config)}: ${(cost.macs / 1e6).toFixed(2)}M MACs, ${(cost.params / 1e3).toFixed(0)}K params`);
  console.log(`tfjs-wasm ${backend.version}, 1 thread, ${cpu}, batch ${batch}, ${warmup} warm-up + ${steps} timed steps`);
  const results: VariantResult[] = [];
  for (const variant of variants) {
    setWasmKernelVariant(variant);
    const replica = await createReplica({ space, seed: 0, hyper: { ...kTransformerRecipe.hyper } });
    const step = () => {
      const r = replica.computeGradients(task);
      replica.applyGradients(r.grads, 1e-4);
    };
    for (let i = 0; i < warmup; i++) step();
    const stepMs: number[] = [];
    const cpuMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      step();
      const c = process.cpuUsage(c0);
      stepMs.push(performance.now() - t0);
      cpuMs.push((c.user + c.system) / 1000);
    }
    const profile = await profileKernels(() => replica.computeGradients(task));
    replica.dispose();
    const medianMs = median(stepMs);
    const result: VariantResult = {
      variant, stepMs, medianMs, imagesPerSec: batch / (medianMs / 1000), imagesPerCpuSec: batch / (median(cpuMs) / 1000), profile,
    };
    results.push(result);
    console.log(`\n${variant === 'simd' ? "project kernels (default)" : "tfjs's own wasm kernels (composed)"}: median step ${medianMs.toFixed(0)} ms = ${result.imagesPerSec.toFixed(0)} images/s (${result.imagesPerCpuSec.toFixed(0)} per CPU-second)`);
    console.log(`  kernels of one forward + backward (${profile.totalMs.toFixed(0)} ms):`);
    for (const k of profile.kernels.slice(0, intFlag('top', args.top, 1))) {
      console.log(`    ${k.name.padEnd(22)} ${k.ms.toFixed(1).padStart(7)} ms ${(100 * k.share).toFixed(1).padStart(5)}%  x${k.calls}`);
    }
  }
  setWasmKernelVariant('simd');
  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify({ space: space.name, config, cost, batch, cpu, backend, results }, null, 2));
  }
}

await main();
