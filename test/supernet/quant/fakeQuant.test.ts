import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { actQuantParams, fakeQuant, quantizeBias, quantizeWeight, roundHalfEven } from '../../../supernet/quant/fakeQuant.js';

describe('quantization arithmetic', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('rounds half to even, like QuantizeLinear', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1.4, -1.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 1, -2]);
  });

  it('activation parameters cover the range with zero exact, and zero point 0 after ReLU', () => {
    const relu = actQuantParams(0, 5.1);
    assert.equal(relu.zeroPoint, 0);
    assert.equal(relu.scale, Math.fround(5.1 / 255));
    const mixed = actQuantParams(-1, 3);
    assert.equal(mixed.scale, Math.fround(4 / 255));
    assert.equal(mixed.zeroPoint, 64); // round(1 / (4/255)) = round(63.75)
    // A range that excludes zero is widened to include it.
    assert.equal(actQuantParams(2, 3).zeroPoint, 0);
    assert.equal(actQuantParams(-3, -2).zeroPoint, 255);
    assert.throws(() => actQuantParams(1, 0), /min <= max/);
  });

  it('fake quantization clamps to the uint8 grid and lands on multiples of the scale', () => {
    const qp = actQuantParams(-1, 3);
    const y = tf.tidy(() => fakeQuant(tf.tensor1d([-5, -1, 0, 0.01, 1.234, 3, 9]), qp).dataSync());
    const lo = -qp.zeroPoint * qp.scale;
    const hi = (255 - qp.zeroPoint) * qp.scale;
    assert.ok(Math.abs(y[0] - lo) < 1e-6 && Math.abs(y[6] - hi) < 1e-6, `clamped to [${lo}, ${hi}]: ${y[0]}, ${y[6]}`);
    assert.equal(y[2], 0);
    for (const v of y) assert.ok(Math.abs(v / qp.scale - Math.round(v / qp.scale)) < 1e-3, `${v} is on the grid`);
    assert.ok(Math.abs(y[4] - 1.234) <= qp.scale / 2 + 1e-7);
  });

  it('weights: symmetric per output channel on the b-bit grid, error at most half a step', () => {
    // [Cin=2, Cout=3] pointwise weight: channel c is column c.
    const w = Float32Array.from([0.1, -2, 0, 0.7, 1, 0]);
    for (const bits of [4, 6, 8]) {
      const qmax = 2 ** (bits - 1) - 1;
      const { quant, dequantized } = quantizeWeight(w, [2, 3], 1, bits);
      assert.deepEqual(Array.from(quant.scales), [Math.fround(0.7) / qmax, 2 / qmax, 1].map(Math.fround));
      assert.equal(quant.q[3], qmax); // the largest weight of channel 0 maps to the grid's end
      assert.equal(quant.q[1], -qmax);
      for (let i = 0; i < w.length; i++) {
        assert.ok(Math.abs(quant.q[i]) <= qmax);
        assert.equal(dequantized[i], Math.fround(quant.q[i] * quant.scales[i % 3]));
        assert.ok(Math.abs(dequantized[i] - w[i]) <= quant.scales[i % 3] / 2 + 1e-7, `bits ${bits} [${i}]`);
      }
    }
    // Depthwise [k,k,C,1]: channel axis 2.
    const dw = quantizeWeight(Float32Array.from([1, -4, 0.5, 2]), [2, 1, 2, 1], 2, 4);
    assert.deepEqual(Array.from(dw.quant.scales), [1 / 7, 4 / 7].map(Math.fround));
    assert.throws(() => quantizeWeight(w, [2, 3], 1, 9), /weight bits must be an integer in \[2, 8\]/);
  });

  it('biases: int32 at input scale times weight scale', () => {
    const { quant, dequantized } = quantizeBias(Float32Array.from([0.5, -0.25]), 0.1, Float32Array.from([0.01, 0.02]));
    assert.deepEqual(Array.from(quant.q), [500, -125]);
    assert.ok(Math.abs(dequantized[0] - 0.5) < 1e-6 && Math.abs(dequantized[1] + 0.25) < 1e-6);
  });
});
