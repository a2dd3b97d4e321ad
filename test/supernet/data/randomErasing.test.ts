import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../space/rng.js';
import { batchAugmentRng, batchEraseRng, fillBatch } from '../../../supernet/data/batches.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import { eraseRect, sampleErase, type EraseRect } from '../../../supernet/data/randomErasing.js';
import type { DataSplit } from '../../../supernet/data/types.js';
import { kDefaultTrainOptions, validateTrainOptions } from '../../../supernet/train/schedule.js';
import { parseRandomErasing } from '../../../scripts/trainRun.js';

const kSide = 28;

function draws(p: number, n: number, seed = 7): Array<EraseRect | null> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sampleErase(rng, kSide, kSide, p));
}

describe('sampleErase', () => {
  it('draws nothing at p = 0', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 50; i++) assert.equal(sampleErase(a, kSide, kSide, 0), null);
    assert.equal(a.next(), b.next());
  });

  it('erases at rate p a rectangle inside the image of 2-40% of its area with aspect 0.3-3.3', () => {
    const all = draws(1, 2000);
    const rects = all.filter((r): r is EraseRect => r !== null);
    assert.ok(rects.length >= 1990, `${rects.length} of 2000 erased at p = 1`);
    for (const r of rects) {
      assert.ok(r.y >= 0 && r.x >= 0 && r.y + r.h <= kSide && r.x + r.w <= kSide, JSON.stringify(r));
      // Rounding h and w to whole pixels moves the area and aspect a little off their ranges.
      const area = (r.h * r.w) / kSide ** 2;
      assert.ok(area >= 0.01 && area <= 0.45, `area ${area}`);
      assert.ok(r.h / r.w >= 0.2 && r.h / r.w <= 5, `aspect ${r.h / r.w}`);
    }
    const meanArea = rects.reduce((s, r) => s + r.h * r.w, 0) / rects.length / kSide ** 2;
    assert.ok(meanArea > 0.12 && meanArea < 0.24, `mean area ${meanArea}`);
    const rate = draws(0.5, 4000).filter((r) => r !== null).length / 4000;
    assert.ok(Math.abs(rate - 0.5) < 0.03, `rate ${rate} at p = 0.5`);
  });
});

describe('eraseRect', () => {
  it('replaces the rectangle of every channel with random pixels and leaves the rest', () => {
    const channels = 3;
    const width = 6;
    const img = new Uint8Array(2 + 5 * width * channels).fill(0);
    const rect = { y: 1, x: 2, h: 3, w: 2 };
    eraseRect(img, 2, width, channels, rect, new Rng(1));
    let inside = 0;
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const v = img[2 + (y * width + x) * channels + c];
          const within = y >= 1 && y < 4 && x >= 2 && x < 4;
          if (!within) assert.equal(v, 0, `outside at ${y},${x},${c}`);
          else if (v !== 0) inside++;
        }
      }
    }
    assert.ok(inside >= 16, `${inside} of 18 erased values non-zero`);
    assert.equal(img[0] + img[1], 0);
  });
});

describe('fillBatch with random erasing', () => {
  let train: DataSplit;
  before(() => {
    train = loadFashionMnist().train;
  });
  const indices = Int32Array.from({ length: 32 }, (_, k) => (k * 977) % 50_000);
  const fill = (erasing?: number): Float32Array => {
    const out = new Float32Array(32 * kSide * kSide);
    fillBatch(train, indices, out, { augment: true, rng: batchAugmentRng(5, 2, 3), ...(erasing === undefined ? {} : { erase: { probability: erasing, rng: batchEraseRng(5, 2, 3) } }) });
    return out;
  };

  it('keeps the crops and flips: bit-exact at probability 0, and at 1 differs inside one rectangle per image', () => {
    const plain = fill();
    assert.deepEqual(fill(0), plain);
    const erased = fill(1);
    let changedImages = 0;
    for (let k = 0; k < 32; k++) {
      const rows: number[] = [];
      const cols: number[] = [];
      for (let p = 0; p < kSide * kSide; p++) {
        if (erased[k * kSide * kSide + p] !== plain[k * kSide * kSide + p]) {
          rows.push(Math.floor(p / kSide));
          cols.push(p % kSide);
        }
      }
      if (rows.length === 0) continue;
      changedImages++;
      const box = (Math.max(...rows) - Math.min(...rows) + 1) * (Math.max(...cols) - Math.min(...cols) + 1);
      assert.ok(box <= 0.45 * kSide * kSide, `image ${k}: changes span ${box} pixels`);
    }
    assert.ok(changedImages >= 30, `${changedImages} of 32 images erased at p = 1`);
  });
});

describe('the random erasing setting', () => {
  it('is checked where training options are validated and where the flag is read', () => {
    assert.throws(() => validateTrainOptions({ ...kDefaultTrainOptions, hyper: { ...kDefaultTrainOptions.hyper, randomErasing: 1.5 } }),
      /options\.hyper\.randomErasing must be a probability in \[0, 1\] \(got 1\.5\)/);
    assert.equal(validateTrainOptions({ ...kDefaultTrainOptions, hyper: { ...kDefaultTrainOptions.hyper, randomErasing: 0.5 } }).hyper.randomErasing, 0.5);
    assert.throws(() => parseRandomErasing('half'), /--random-erasing must be a probability in \[0, 1\] \(got not a number\)/);
    assert.throws(() => parseRandomErasing(' '), /--random-erasing must be a probability in \[0, 1\] \(got ''\)/);
    assert.equal(parseRandomErasing('0.25'), 0.25);
  });
});
