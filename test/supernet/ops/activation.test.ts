import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { activation, hsigmoid, hswish, relu6 } from '../../../supernet/ops/activation.js';
import { Rng } from '../../../space/rng.js';
import { relError, uniform } from '../../fixtures/compare.js';

const TOLERANCE = 1e-4;

const stock: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  hswish: (x) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)),
  relu6: (x) => tf.relu6(x),
  relu: (x) => tf.relu(x),
  hsigmoid: (x) => tf.div(tf.relu6(tf.add(x, 3)), 6),
};
const ours: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  hswish,
  relu6,
  relu: (x) => activation(x, 'relu'),
  hsigmoid,
};

function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, xs: Float32Array, w: Float32Array, shape: number[]) {
  return tf.tidy(() => {
    const weights = tf.tensor(w, shape);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(f(x), weights)))(tf.tensor(xs, shape));
    return [f(tf.tensor(xs, shape)).dataSync() as Float32Array, value.dataSync() as Float32Array, grad.dataSync() as Float32Array];
  });
}

describe('activations against the stock tfjs ops (cpu)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`values and gradients on ${backend}, including the kinks' neighbourhoods`, async () => {
      const rng = new Rng(5);
      const shape = [3, 7, 5];
      const xs = uniform(() => rng.next(), 105, -8, 8);
      // Points near -3, 0, 3 and 6, away from the kinks themselves.
      [-3.01, -2.99, -0.01, 0.01, 2.99, 3.01, 5.99, 6.01].forEach((v, i) => { xs[i] = v; });
      const w = uniform(() => rng.next(), 105);
      for (const name of Object.keys(stock)) {
        await tf.setBackend('cpu');
        const expected = valueAndGrad(stock[name], xs, w, shape);
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const got = valueAndGrad(ours[name], xs, w, shape);
        assert.equal(tf.memory().numTensors, before, `${name}: leaked tensors`);
        ['y', 'loss', 'dx'].forEach((what, k) => {
          const err = relError(got[k], expected[k]);
          assert.ok(err <= TOLERANCE, `${name} on ${backend}, ${what}: relative error ${err.toExponential(2)}`);
        });
      }
    });
  }

  it('linear is the identity', () => {
    const x = tf.tensor([1, -2]);
    assert.equal(activation(x, 'linear'), x);
    x.dispose();
  });
});
