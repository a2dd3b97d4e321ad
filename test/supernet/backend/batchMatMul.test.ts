import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';

/** max|a-b| / max|b|. */
function relError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('wasm BatchMatMul replacement', () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[37, 19], [19, 23], false, false],
    [[19, 37], [19, 23], true, false],
    [[37, 19], [23, 19], false, true],
    [[19, 37], [23, 19], true, true],
    [[3, 17, 11], [3, 17, 5], true, false],
    [[3, 11, 17], [3, 5, 17], false, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`matches the cpu backend for [${sa}]x[${sb}] transposeA=${ta} transposeB=${tb}, with gradients, without leaks`, async () => {
      const av = tf.randomNormal(sa, 0, 1, 'float32', 1).dataSync() as Float32Array;
      const bv = tf.randomNormal(sb, 0, 1, 'float32', 2).dataSync() as Float32Array;
      const run = () => tf.tidy(() => {
        const a = tf.tensor(av, sa);
        const b = tf.tensor(bv, sb);
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb)));
        const [ga, gb] = tf.grads(f)([a, b]);
        return [tf.matMul(a, b, ta, tb), ga, gb].map((t) => t.dataSync() as Float32Array);
      });
      await initBackend({ backend: 'cpu' });
      const expected = run();
      await initBackend({ backend: 'wasm' });
      const before = tf.memory().numTensors;
      const actual = run();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      expected.forEach((e, i) => assert.ok(relError(actual[i], e) <= 1e-5, `output ${i}: relative error ${relError(actual[i], e)}`));
    });
  }
});
