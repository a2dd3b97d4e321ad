import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../space/rng.js';
import { cropFlip, kCropPad, sampleAugment } from '../../../supernet/data/augment.js';

const H = 5;
const W = 4;
/** A 5x4 image of distinct values 1..20 at offset 3 of a larger buffer. */
const src = new Uint8Array(3 + H * W);
for (let i = 0; i < H * W; i++) src[3 + i] = i + 1;
const at = (img: Uint8Array, y: number, x: number, offset = 0): number => img[offset + y * W + x];

function apply(dy: number, dx: number, flip: boolean): Uint8Array {
  const dst = new Uint8Array(H * W).fill(255);
  cropFlip(src, 3, H, W, { dy, dx, flip }, dst, 0);
  return dst;
}

describe('cropFlip', () => {
  it('is the identity with no shift and no flip', () => {
    assert.deepEqual(apply(0, 0, false), src.subarray(3));
  });

  it('flip mirrors each row, and flipping twice restores the image', () => {
    const flipped = apply(0, 0, true);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) assert.equal(at(flipped, y, x), at(src, y, W - 1 - x, 3));
    const back = new Uint8Array(H * W);
    cropFlip(flipped, 0, H, W, { dy: 0, dx: 0, flip: true }, back, 0);
    assert.deepEqual(back, src.subarray(3));
  });

  it('shifts by the crop offset and fills from the zero padding', () => {
    for (let dy = -kCropPad; dy <= kCropPad; dy++) {
      for (let dx = -kCropPad; dx <= kCropPad; dx++) {
        for (const flip of [false, true]) {
          const out = apply(dy, dx, flip);
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const sy = y + dy;
              const sx = (flip ? W - 1 - x : x) + dx;
              const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
              assert.equal(at(out, y, x), inside ? at(src, sy, sx, 3) : 0, `dy=${dy} dx=${dx} flip=${flip} at ${y},${x}`);
            }
          }
        }
      }
    }
  });
});

describe('sampleAugment', () => {
  it('draws every offset within the padding and flips about half the time', () => {
    const rng = new Rng(3);
    const offsets = new Set<string>();
    let flips = 0;
    const draws = 4000;
    for (let k = 0; k < draws; k++) {
      const p = sampleAugment(rng);
      assert.ok(Math.abs(p.dy) <= kCropPad && Math.abs(p.dx) <= kCropPad, `offset ${p.dy},${p.dx}`);
      offsets.add(`${p.dy},${p.dx}`);
      if (p.flip) flips++;
    }
    assert.equal(offsets.size, (2 * kCropPad + 1) ** 2);
    assert.ok(Math.abs(flips / draws - 0.5) < 0.04, `flip rate ${flips / draws}`);
  });

  it('is determined by the generator seed', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, function (this: Rng) { return sampleAugment(this); }, new Rng(seed));
    assert.deepEqual(draw(9), draw(9));
    assert.notDeepEqual(draw(9), draw(10));
  });
});
