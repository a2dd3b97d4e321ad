import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { adamWSlots, adamWStep, kAdamWDefaults } from '../../../supernet/train/adamw.js';

describe('AdamW over flat arrays', () => {
  it('without weight decay takes the steps of tfjs Adam (bias-corrected), counting its steps in the slots', async () => {
    await initBackend({ backend: 'cpu' });
    const n = 7;
    const start = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const gradOf = (w: Float32Array, step: number) => Float32Array.from(w, (x, i) => 2 * x - 0.3 * i + step);
    const w = start.slice();
    const slots = new Float32Array(adamWSlots(n));
    const reference = tf.variable(tf.tensor1d(start));
    const adam = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 3; step++) {
      const g = gradOf(w, step);
      adamWStep(w, slots, g, new Uint8Array(n).fill(1), 0.01, { ...kAdamWDefaults, weightDecay: 0 });
      adam.applyGradients([{ name: reference.name, tensor: tf.tensor1d(gradOf(reference.dataSync() as Float32Array, step)) }]);
      const expected = reference.dataSync();
      for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i] - expected[i]) < 1e-6, `step ${step}, weight ${i}: ${w[i]} vs tfjs ${expected[i]}`);
    }
    assert.equal(slots[2 * n], 3);
    reference.dispose();
    adam.dispose();
  });

  it('decays only the masked weights, by lr x weightDecay x w, apart from the gradient step', () => {
    const w = Float32Array.of(1, 1);
    adamWStep(w, new Float32Array(adamWSlots(2)), new Float32Array(2), Uint8Array.of(1, 0), 0.1, { ...kAdamWDefaults, weightDecay: 0.5 });
    assert.ok(Math.abs(w[0] - 0.95) < 1e-7 && w[1] === 1, `weights ${Array.from(w)}`);
    assert.throws(() => adamWStep(w, new Float32Array(4), new Float32Array(2), new Uint8Array(2), 0.1, { ...kAdamWDefaults, weightDecay: 0 }), /AdamW slots must hold 5 values for 2 parameters \(got 4\)/);
  });
});
