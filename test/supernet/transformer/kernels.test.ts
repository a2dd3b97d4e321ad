import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { attention, layerNorm } from '../../../supernet/transformer/ops.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { largestTransformer, sampleTransformer } from '../../../space/transformer/configs.js';
import { Rng } from '../../../space/rng.js';
import { tinyVitSpace } from '../../fixtures/vit.js';

/** max|a-b| / max|b|. */
function relError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'sizes differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const values = (shape: number[], seed: number): Float32Array => tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * Runs `f` on cpu, then on wasm (checking it leaks nothing there), and compares every output;
 * outputs listed in `zero` are zero in exact arithmetic and must be below 1e-9 on both.
 */
async function compareBackends(name: string, f: () => Float32Array[], tolerance: number, zero: readonly number[] = []): Promise<void> {
  await initBackend({ backend: 'cpu' });
  const expected = f();
  await initBackend({ backend: 'wasm' });
  f(); // the first call on wasm allocates the SIMD module's state
  const before = tf.memory().numTensors;
  const actual = f();
  assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked on wasm`);
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    if (zero.includes(i)) {
      assert.ok(maxAbs(e) < 1e-9 && maxAbs(actual[i]) < 1e-9, `${name}: output ${i} should be 0 (cpu ${maxAbs(e)}, wasm ${maxAbs(actual[i])})`);
      return;
    }
    const err = relError(actual[i], e);
    assert.ok(err <= tolerance, `${name}: output ${i} differs from cpu by ${err.toExponential(2)} (relative), above ${tolerance}`);
  });
}

describe('transformer kernels on wasm against the cpu backend', () => {
  it('attention (batched matmuls with transposes, softmax): output and gradients of q, k, v', async () => {
    const [b, t, h, d] = [3, 17, 4, 8];
    const q = values([b * t, h * d], 1);
    const k = values([b * t, h * d], 2);
    const v = values([b * t, h * d], 3);
    await compareBackends('attention', () => tf.tidy(() => {
      const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => attention(x as tf.Tensor2D, y as tf.Tensor2D, z as tf.Tensor2D, b, t, h, d);
      const weights = tf.randomNormal([b * t, h * d], 0, 1, 'float32', 4);
      const loss = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(f(x, y, z), weights));
      const inputs = [tf.tensor2d(q, [b * t, h * d]), tf.tensor2d(k, [b * t, h * d]), tf.tensor2d(v, [b * t, h * d])];
      const out = f(inputs[0], inputs[1], inputs[2]);
      assert.deepEqual(out.shape, [b * t, h * d]);
      return [out, ...tf.grads(loss)(inputs)].map((x) => x.dataSync() as Float32Array);
    }), 1e-5);
  });

  it('softmax over the last axis of [B, heads, T, T], with its gradient', async () => {
    const x = values([2, 3, 5, 5], 5);
    await compareBackends('softmax', () => tf.tidy(() => {
      const input = tf.tensor4d(x, [2, 3, 5, 5]);
      const w = tf.randomNormal([2, 3, 5, 5], 0, 1, 'float32', 6);
      const g = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(tf.softmax(y), w)))(input);
      return [tf.softmax(input), g].map((y) => y.dataSync() as Float32Array);
    }), 1e-5);
  });

  it('layer norm: output and the hand-written gradients of x, gamma and beta', async () => {
    const [n, d] = [37, 24];
    const x = values([n, d], 7);
    const gamma = values([d], 8);
    const beta = values([d], 9);
    await compareBackends('layerNorm', () => tf.tidy(() => {
      const inputs = [tf.tensor2d(x, [n, d]), tf.tensor1d(gamma), tf.tensor1d(beta)];
      const w = tf.randomNormal([n, d], 0, 1, 'float32', 10);
      const loss = (a: tf.Tensor, g: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(layerNorm(a as tf.Tensor2D, g, bt), w));
      return [layerNorm(inputs[0] as tf.Tensor2D, inputs[1], inputs[2]), ...tf.grads(loss)(inputs)].map((y) => y.dataSync() as Float32Array);
    }), 1e-5);
  });

  it('the hand-written layer norm gradient equals the autodiff of the composed forward', async () => {
    await initBackend({ backend: 'cpu' });
    const [n, d] = [11, 16];
    tf.tidy(() => {
      const inputs = [tf.randomNormal([n, d], 0.5, 2, 'float32', 11), tf.randomNormal([d], 1, 0.3, 'float32', 12), tf.randomNormal([d], 0, 1, 'float32', 13)];
      const w = tf.randomNormal([n, d], 0, 1, 'float32', 14);
      const composed = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
      };
      const ours = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(x as tf.Tensor2D, g, b), w)))(inputs);
      const reference = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(composed(x, g, b), w)))(inputs);
      ours.forEach((g, i) => {
        const err = relError(g.dataSync() as Float32Array, reference[i].dataSync() as Float32Array);
        assert.ok(err < 1e-5, `gradient ${i}: relative error ${err}`);
      });
    });
  });

  it('Sum over leading axes (bias gradients) and over other axes', async () => {
    const x = values([6, 5, 7], 15);
    await compareBackends('sum', () => tf.tidy(() => {
      const t = tf.tensor3d(x, [6, 5, 7]);
      const sums = [tf.sum(t, 0), tf.sum(t, [0, 1]), tf.sum(t, [1, 0], true), tf.sum(t, 2), tf.sum(t, 1), tf.sum(t)];
      assert.deepEqual(sums.map((s) => s.shape), [[5, 7], [7], [1, 1, 7], [6, 5], [6, 7], []]);
      return sums.map((s) => s.dataSync() as Float32Array);
    }), 1e-5);
  });

  for (const pool of ['cls', 'mean'] as const) {
    it(`a SubTransformer (${pool} pooling): logits and the gradient of every shared weight`, async () => {
      const space = tinyVitSpace(pool);
      const images = values([5, 28, 28, 1], 16);
      const configs = [largestTransformer(space), sampleTransformer(space, new Rng(3))];
      for (const cfg of configs) {
        // The key bias shifts every score of a query equally, which softmax ignores: its gradient is 0.
        const zero: number[] = [];
        await compareBackends(`${pool} ${JSON.stringify(cfg)}`, () => {
          const net = new SuperTransformer(space, 2);
          try {
            return tf.tidy(() => {
              const x = tf.tensor4d(images, [5, 28, 28, 1]);
              const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 3, 1], 'int32'), 10);
              const logits = net.forward(cfg, x);
              assert.deepEqual(logits.shape, [5, 10]);
              const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(cfg, x)) as tf.Scalar);
              const used = net.store.params.filter((p) => grads[`${net.store.prefix}${p.name}`] !== undefined);
              assert.ok(used.length >= 10, `gradients reach ${used.length} weights`);
              zero.length = 0;
              used.forEach((p, i) => p.name.endsWith('.k.bias') && zero.push(i + 2));
              return [logits, value, ...used.map((p) => grads[`${net.store.prefix}${p.name}`])].map((t) => t.dataSync() as Float32Array);
            });
          } finally {
            net.dispose();
          }
        }, 1e-5, zero);
      }
    });
  }
});
