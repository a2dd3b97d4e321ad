import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFloat32, encodeFloat32, float32FromBase64, float32ToBase64 } from '../../util/float32Base64.js';

/** Float32 values at the edges: signed zeros, the smallest and largest subnormals and normals, the largest finite. */
const kEdges = Float32Array.from([
  0, -0, 1, -1, Math.fround(Math.PI), 2 ** -149, -(2 ** -149), 2 ** -126 - 2 ** -149, 2 ** -126,
  3.4e38, -3.4e38, 3.4028234663852886e38, -3.4028234663852886e38, Math.fround(1e-40), Math.fround(0.1),
]);

function sameBits(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((v, i) => assert.ok(Object.is(actual[i], v), `[${i}]: ${actual[i]} vs ${v}`));
}

describe('float32 arrays as base64', () => {
  it('round-trips every value exactly, -0 and subnormals included, as little-endian bytes', () => {
    assert.ok(kEdges.some((v) => v !== 0 && Math.abs(v) < 2 ** -126), 'the edges include subnormals');
    sameBits(float32FromBase64(float32ToBase64(kEdges), kEdges.length, 'x'), kEdges);
    // 1.0f is 0x3f800000: little-endian bytes 00 00 80 3f.
    assert.equal(float32ToBase64(Float32Array.of(1)), Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
    // A view into a larger buffer encodes only its own elements.
    const view = new Float32Array(kEdges.buffer, 4, 3);
    sameBits(float32FromBase64(float32ToBase64(view), 3, 'x'), kEdges.slice(1, 4));
    assert.equal(float32ToBase64(new Float32Array(0)), '');
    assert.equal(float32FromBase64('', 0, 'x').length, 0);
  });

  it('tags an array with its dtype and shape and decodes it back exactly', () => {
    const stored = encodeFloat32(kEdges.subarray(0, 12), [3, 4]);
    assert.deepEqual({ ...stored, base64: typeof stored.base64 }, { dtype: 'float32', shape: [3, 4], base64: 'string' });
    sameBits(decodeFloat32(stored, [3, 4], 'w'), kEdges.slice(0, 12));
    // Plain numbers are rounded to float32 on the way in, as the old readers did (Float32Array.from).
    sameBits(decodeFloat32(encodeFloat32([0.1, -0, 1e-45], [3]), [3], 'b'), Float32Array.from([0.1, -0, 1e-45]));
    assert.throws(() => encodeFloat32([1, 2, 3], [2, 2]), /shape \[2, 2\] needs 4 values \(got 3\)/);
  });

  it('refuses a corrupt or short payload, a shape mismatch and non-finite values, naming the field', () => {
    const good = float32ToBase64(Float32Array.of(1, 2, 3));
    assert.throws(() => float32FromBase64(`${good.slice(0, 4)}!${good.slice(5)}`, 3, 'layers[1].weights'), /^Error: layers\[1\]\.weights is not base64 .*the file is corrupt/);
    assert.throws(() => float32FromBase64(good.slice(0, -1), 3, 'w'), /w is not base64/);
    assert.throws(() => float32FromBase64(good.slice(0, 8), 3, 'layers[0].bias'), /layers\[0\]\.bias holds 6 bytes, expected 12 \(3 float32 values\)/);
    assert.throws(() => float32FromBase64(good, 4, 'w'), /w holds 12 bytes, expected 16/);
    for (const bad of [NaN, Infinity, -Infinity]) {
      assert.throws(() => float32FromBase64(float32ToBase64(Float32Array.of(0, bad)), 2, 'b'), new RegExp(`b\\[1\\] is ${bad}: the weights were saved from a diverged training run`));
    }
    const stored = encodeFloat32(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    assert.throws(() => decodeFloat32(stored, [3, 2], 'mlp.layers.0.weights'), /mlp\.layers\.0\.weights has shape \[2, 3\], expected \[3, 2\]/);
    assert.throws(() => decodeFloat32(stored, [6], 'w'), /w has shape \[2, 3\], expected \[6\]/);
    assert.throws(() => decodeFloat32({ ...stored, shape: [2, 4] }, [2, 4], 'w'), /w holds 24 bytes, expected 32 \(8 float32 values\)/);
    assert.throws(() => decodeFloat32({ ...stored, dtype: 'float64' as 'float32' }, [2, 3], 'w'), /w has dtype 'float64', expected 'float32'/);
  });
});
