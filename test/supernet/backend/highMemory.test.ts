import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';

/**
 * Above 2 GiB of wasm heap the allocator's addresses are negative as signed 32-bit integers;
 * every kernel that takes scratch memory must still compute the same results there.
 */
describe('project kernels above 2 GiB of wasm heap', () => {
  const ballast: tf.Tensor[] = [];
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });
  after(() => tf.dispose(ballast));

  it('stride-2 convolutions and their gradients agree with the same ops on a small heap', () => {
    const x = tf.randomNormal([4, 14, 14, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 24], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ops: Record<string, () => tf.Tensor> = {
      conv: () => tf.conv2d(x, w, 2, 'same'),
      inputGrad: () => tf.grad((xx) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, w, 2, 'same'))))(x),
      filterGrad: () => tf.grad((ww) => tf.sum(tf.square(tf.conv2d(x, ww as tf.Tensor4D, 2, 'same'))))(w),
    };
    const reference = Object.fromEntries(Object.entries(ops).map(([k, f]) => [k, tf.tidy(f).dataSync().slice()]));
    const heap = (): number => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    while (heap() < 2.3 * 2 ** 30) {
      ballast.push(tf.fill([64 * 2 ** 20], 1));
    }
    for (const [name, f] of Object.entries(ops)) {
      const got = tf.tidy(f).dataSync();
      let diff = 0;
      for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - reference[name][i]));
      assert.ok(diff <= 1e-4 * Math.max(1, ...reference[name].map(Math.abs)), `${name} differs by ${diff} above 2 GiB`);
    }
    tf.dispose([x, w]);
  });
});
