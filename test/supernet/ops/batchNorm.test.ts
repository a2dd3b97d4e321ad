import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { batchNormInfer, batchNormTrain } from '../../../supernet/ops/batchNorm.js';
import { ACTIVATIONS, type Activation } from '../../../supernet/ops/activation.js';
import { Rng } from '../../../space/rng.js';
import { relError, uniform } from '../../fixtures/compare.js';

const TOLERANCE = 1e-4;
const EPS = 1e-3;

function stockActivation(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'hswish': return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
  }
}

interface Data { x: Float32Array; shape: number[]; big: Float32Array; weights: Float32Array; c: number }

function data(seed: number, shape: number[]): Data {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[shape.length - 1];
  // An offset mean per channel so the statistics matter.
  const x = uniform(() => rng.next(), n, -3, 3).map((v, i) => v + (i % c) * 0.3);
  return { x, shape, c, big: uniform(() => rng.next(), 2 * (c + 3), 0.5, 1.5), weights: uniform(() => rng.next(), n) };
}

/**
 * Loss = sum(act(BN(x)) * weights) with gamma and beta sliced from one larger variable-like
 * tensor (as the supernet slices channels); returns the loss, its gradients with respect to x
 * and to the large tensor, and the batch statistics.
 */
function run(d: Data, act: Activation, stock: boolean, mode: 'train' | 'infer') {
  return tf.tidy(() => {
    const x = tf.tensor(d.x, d.shape);
    const big = tf.tensor1d(d.big);
    const w = tf.tensor(d.weights, d.shape);
    const axes = d.shape.slice(0, -1).map((_, i) => i);
    const fixed = tf.moments(tf.tensor(d.x.map((v) => v * 0.5 + 0.1), d.shape), axes);
    const f = (xIn: tf.Tensor, bigIn: tf.Tensor) => {
      const gamma = tf.slice(bigIn, [1], [d.c]) as tf.Tensor1D;
      const beta = tf.slice(bigIn, [d.c + 4], [d.c]) as tf.Tensor1D;
      let y: tf.Tensor;
      if (stock) {
        const stats = mode === 'train' ? tf.moments(xIn, axes) : fixed;
        y = stockActivation(tf.batchNorm(xIn, stats.mean, stats.variance, beta, gamma, EPS), act);
      } else if (mode === 'train') {
        y = batchNormTrain(xIn, gamma, beta, { epsilon: EPS, activation: act }).y;
      } else {
        y = batchNormInfer(xIn, fixed.mean as tf.Tensor1D, fixed.variance as tf.Tensor1D, gamma, beta,
          { epsilon: EPS, activation: act });
      }
      return tf.sum(tf.mul(y, w));
    };
    const { value, grads } = tf.valueAndGrads(f)([x, big]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('batchNormTrain / batchNormInfer against the stock tfjs ops (cpu)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    for (const mode of ['train', 'infer'] as const) {
      it(`${mode} on ${backend}: values and gradients (x, sliced gamma/beta) for every activation`, async () => {
        // Channels 13 (scalar tail), 8 (vectors only), and a 2-D input.
        for (const [i, shape] of [[2, 5, 7, 13], [3, 4, 4, 8], [37, 12]].entries()) {
          const d = data(100 + i, shape);
          for (const act of ACTIVATIONS) {
            await tf.setBackend('cpu');
            const expected = run(d, act, true, mode);
            await tf.setBackend(backend);
            const before = tf.memory().numTensors;
            const got = run(d, act, false, mode);
            assert.equal(tf.memory().numTensors, before, `${act} ${shape}: leaked tensors`);
            ['loss', 'dx', 'd(gamma, beta)'].forEach((name, k) => {
              const err = relError(got[k], expected[k]);
              assert.ok(err <= TOLERANCE, `${mode} ${backend} ${act} ${shape} ${name}: relative error ${err.toExponential(2)}`);
            });
          }
        }
      });
    }

    it(`returns the batch mean and biased variance on ${backend}`, async () => {
      await tf.setBackend(backend);
      const d = data(7, [4, 3, 3, 6]);
      const [mean, variance, expMean, expVar] = tf.tidy(() => {
        const x = tf.tensor(d.x, d.shape);
        const r = batchNormTrain(x, tf.ones([6]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D);
        const m = tf.moments(x, [0, 1, 2]);
        return [r.mean, r.variance, m.mean, m.variance].map((t) => t.dataSync() as Float32Array);
      });
      assert.ok(relError(mean, expMean) <= TOLERANCE);
      assert.ok(relError(variance, expVar) <= TOLERANCE);
    });
  }

  it('rejects an unknown activation, listing the valid ones', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([2, 4]);
    assert.throws(
      () => batchNormTrain(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, { activation: 'gelu' as Activation }),
      /activation must be one of linear, relu, relu6, hswish \(got 'gelu'\)/,
    );
    x.dispose();
  });
});
