/**
 * Accuracy predictor throughput: configs per second of MlpPredictor.predict (wasm SIMD GEMM,
 * no tfjs), of the plain typed-array fallback, and of the same weights as tfjs matmuls on the
 * wasm backend, for the default space and a 3 x 400 MLP with random weights (speed does not
 * depend on the values, except that the typed-array loops skip zero inputs, which trained and
 * random ReLU nets share). Every path includes encoding the configs.
 *
 *   npm run build && node dist/bench/predictor.js [--configs 10000] [--repeats 5] [--hidden 400,400,400]
 */
import { tf } from '../supernet/backend/tf.js';
import { initBackend } from '../supernet/backend/backend.js';
import { Rng } from '../space/rng.js';
import { fashionMbv3 } from '../space/defaultSpace.js';
import { sampleConfig } from '../space/searchSpace.js';
import { ConfigEncoder } from '../predictors/ConfigEncoder.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { initLayers } from '../predictors/trainMlp.js';
import { jsForward, simdAvailable } from '../predictors/mlpForward.js';
import { benchArgs } from './args.js';

const args = benchArgs('bench:predictor', {
  configs: { type: 'string', default: '10000' },
  repeats: { type: 'string', default: '5' },
  hidden: { type: 'string', default: '400,400,400' },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(repeats: number, fn: () => void): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const n = Number(args.configs);
const repeats = Number(args.repeats);
const encoder = ConfigEncoder.forSpace(fashionMbv3);
const rng = new Rng(1);
const layers = initLayers(encoder.dim, args.hidden.split(',').map(Number), rng);
const predictor = new MlpPredictor(encoder, layers);
const configs = Array.from({ length: n }, () => sampleConfig(fashionMbv3, rng));

const encodeMs = time(repeats, () => encoder.encodeBatch(configs));
const simdMs = time(repeats, () => predictor.predict(configs));
const plain = jsForward(layers);
const typedMs = time(repeats, () => plain(encoder.encodeBatch(configs), n));

await initBackend({ backend: 'wasm', threads: 1 });
const weights = layers.map((l) => ({ w: tf.tensor2d(l.weights, [l.inputs, l.outputs]), b: tf.tensor1d(l.bias) }));
const tfjsMs = time(repeats, () => {
  const x = encoder.encodeBatch(configs);
  tf.tidy(() => {
    let h = tf.tensor2d(x, [n, encoder.dim]);
    weights.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      if (i < weights.length - 1) h = tf.relu(h);
    });
    return h.dataSync();
  });
});

const rate = (ms: number) => Math.round((1000 * n) / ms);
console.log(`${n} configs, MLP ${encoder.dim} -> ${args.hidden} -> 1, median of ${repeats}:`);
console.log(`  encode only          ${encodeMs.toFixed(1)} ms (${rate(encodeMs)} configs/s)`);
console.log(`  predict (${simdAvailable() ? 'wasm SIMD' : 'no SIMD: loops'})  ${simdMs.toFixed(1)} ms (${rate(simdMs)} configs/s)`);
console.log(`  typed-array loops    ${typedMs.toFixed(1)} ms (${rate(typedMs)} configs/s)`);
console.log(`  tfjs-wasm, 1 thread  ${tfjsMs.toFixed(1)} ms (${rate(tfjsMs)} configs/s)`);
