import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsForward, mlpForward, simdAvailable, simdForward } from '../../predictors/mlpForward.js';
import { initLayers } from '../../predictors/trainMlp.js';
import { Rng } from '../../space/rng.js';

function inputs(rng: Rng, n: number, width: number): Float32Array {
  // Half zeros, as one-hot features and ReLU outputs have.
  return Float32Array.from({ length: n * width }, () => (rng.next() < 0.5 ? 0 : rng.next()));
}

describe('mlpForward', () => {
  it('has wasm SIMD in this Node', () => {
    assert.equal(simdAvailable(), true);
  });

  for (const [name, width, hidden, n] of [
    ['odd widths, few rows', 13, [9, 7], 3],
    ['predictor shape, more rows than one chunk', 78, [400, 400, 400], 1100],
  ] as const) {
    it(`SIMD and plain loops agree: ${name}`, () => {
      const rng = new Rng(width);
      const layers = initLayers(width, [...hidden], rng);
      for (const l of layers) l.bias.forEach((_, i) => (l.bias[i] = rng.normal() * 0.1));
      // A larger output layer than the init, so outputs are O(1).
      layers[layers.length - 1].weights.forEach((v, i, w) => (w[i] = 10 * v));
      const x = inputs(rng, n, width);
      const simd = simdForward(layers);
      assert.ok(simd);
      const a = simd(x, n);
      const b = jsForward(layers)(x, n);
      assert.equal(a.length, n);
      let maxDiff = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      assert.ok(scale > 0.1, `outputs too small (${scale}) for a meaningful comparison`);
      assert.ok(maxDiff <= 1e-5 * Math.max(1, scale), `max difference ${maxDiff} (scale ${scale})`);
      // A second call on the same heap gives the same answer.
      assert.deepEqual(simd(x, n), a);
    });
  }

  it('can be told to use the loops', () => {
    const layers = initLayers(4, [3], new Rng(1));
    const x = Float32Array.of(1, 0, 0.5, 2);
    assert.deepEqual(mlpForward(layers, { simd: false })(x, 1), jsForward(layers)(x, 1));
  });
});
