import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../space/rng.js';
import { cropFlip } from '../../../supernet/data/augment.js';
import { batchIndices, deriveSeed, fillBatch, fillLabels } from '../../../supernet/data/batches.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import { kNormalizeTable, kPixelMean, kPixelStd, normalizePixel } from '../../../supernet/data/normalize.js';
import type { DataSplit } from '../../../supernet/data/types.js';

const kPixels = 28 * 28;

describe('normalisation constants', () => {
  it('are the mean and std of the train split pixels', () => {
    const { images } = loadFashionMnist().train;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < images.length; i++) {
      sum += images[i];
      sumSq += images[i] * images[i];
    }
    const mean = sum / images.length / 255;
    const std = Math.sqrt(sumSq / images.length / 255 ** 2 - mean * mean);
    assert.ok(Math.abs(mean - kPixelMean) < 1e-6, `mean ${mean}`);
    assert.ok(Math.abs(std - kPixelStd) < 1e-6, `std ${std}`);
    assert.equal(normalizePixel(0), -kPixelMean / kPixelStd);
    assert.equal(kNormalizeTable[255], Math.fround((1 - kPixelMean) / kPixelStd));
  });
});

describe('fillBatch', () => {
  let val: DataSplit;
  before(() => {
    val = loadFashionMnist().val;
  });
  const indices = Int32Array.from({ length: 64 }, (_, k) => (k * 151) % 10_000);

  it('writes normalised pixels NHWC without augmentation, and nothing past the batch', () => {
    const out = new Float32Array(64 * kPixels + 5).fill(42);
    fillBatch(val, indices, out, { augment: false });
    for (let k = 0; k < 64; k++) {
      for (let p = 0; p < kPixels; p++) assert.equal(out[k * kPixels + p], kNormalizeTable[val.images[indices[k] * kPixels + p]]);
    }
    assert.deepEqual(Array.from(out.subarray(64 * kPixels)), [42, 42, 42, 42, 42]);
  });

  it('augments within the value range, deterministically under a seed', () => {
    const run = (seed: number): Float32Array => {
      const out = new Float32Array(64 * kPixels);
      fillBatch(val, indices, out, { augment: true, rng: new Rng(seed) });
      return out;
    };
    const a = run(1);
    const plain = new Float32Array(64 * kPixels);
    fillBatch(val, indices, plain, { augment: false });
    assert.deepEqual(a, run(1));
    assert.notDeepEqual(a, run(2));
    assert.notDeepEqual(a, plain);
    const allowed = new Set(kNormalizeTable);
    assert.ok(a.every((v) => allowed.has(v)), 'every value is a normalised byte');
  });

  it('each augmented image is its source shifted by at most 2 pixels, maybe flipped', () => {
    const out = new Float32Array(64 * kPixels);
    fillBatch(val, indices, out, { augment: true, rng: new Rng(5) });
    const candidate = new Uint8Array(kPixels);
    const seenShifts = new Set<string>();
    for (let k = 0; k < 64; k++) {
      const got = out.subarray(k * kPixels, (k + 1) * kPixels);
      let found = false;
      for (let dy = -2; dy <= 2 && !found; dy++) {
        for (let dx = -2; dx <= 2 && !found; dx++) {
          for (const flip of [false, true]) {
            cropFlip(val.images, indices[k] * kPixels, 28, 28, { dy, dx, flip }, candidate, 0);
            if (candidate.every((v, p) => kNormalizeTable[v] === got[p])) {
              found = true;
              seenShifts.add(`${dy},${dx}`);
              break;
            }
          }
        }
      }
      assert.ok(found, `image ${k} is no crop/flip of its source within 2 pixels`);
    }
    assert.ok(seenShifts.size > 5, `only shifts ${[...seenShifts]}`);
  });

  it('rejects a short buffer, a missing generator and a bad index', () => {
    assert.throws(() => fillBatch(val, indices, new Float32Array(10), { augment: false }), /out has 10 elements, 64 images of 28x28 need 50176/);
    assert.throws(() => fillBatch(val, indices, new Float32Array(64 * kPixels), { augment: true }), /options.rng is required/);
    assert.throws(() => fillBatch(val, [0, 10_000], new Float32Array(2 * kPixels), { augment: false }), /index 10000 at position 1 is not in \[0, 10000\)/);
  });

  it('fillLabels gathers labels', () => {
    const out = new Int32Array(3);
    fillLabels(val.labels, [5, 0, 9999], out);
    assert.deepEqual(Array.from(out), [val.labels[5], val.labels[0], val.labels[9999]]);
    assert.throws(() => fillLabels(val.labels, [-1], out), /index -1 at position 0/);
  });
});

describe('batchIndices', () => {
  it('covers every index exactly once per epoch', () => {
    const chunks = batchIndices(1003, 64, 7, 0);
    assert.equal(chunks.length, 16);
    assert.ok(chunks.slice(0, -1).every((c) => c.length === 64));
    assert.equal(chunks[15].length, 1003 - 15 * 64);
    const all = chunks.flatMap((c) => Array.from(c)).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 1003 }, (_, i) => i));
  });

  it('drops the short last batch when asked', () => {
    const chunks = batchIndices(1003, 64, 7, 0, { dropLast: true });
    assert.equal(chunks.length, 15);
    assert.ok(chunks.every((c) => c.length === 64));
    assert.equal(new Set(chunks.flatMap((c) => Array.from(c))).size, 960);
  });

  it('shuffles per epoch and seed, reproducibly', () => {
    const flat = (seed: number, epoch: number) => batchIndices(500, 50, seed, epoch).flatMap((c) => Array.from(c));
    assert.deepEqual(flat(1, 3), flat(1, 3));
    assert.notDeepEqual(flat(1, 3), flat(1, 4));
    assert.notDeepEqual(flat(1, 3), flat(2, 3));
    assert.notDeepEqual(flat(1, 3), Array.from({ length: 500 }, (_, i) => i));
  });

  it('gives each chunk its own buffer', () => {
    for (const chunk of batchIndices(100, 30, 0, 0)) assert.equal(chunk.buffer.byteLength, chunk.byteLength);
  });

  it('rejects bad arguments', () => {
    assert.throws(() => batchIndices(10, 0, 0, 0), /batchSize must be an integer >= 1 \(got 0\)/);
    assert.throws(() => batchIndices(-1, 4, 0, 0), /n must be an integer >= 0 \(got -1\)/);
    assert.throws(() => batchIndices(10, 4, 0, 1.5), /epoch must be an integer >= 0 \(got 1.5\)/);
    assert.throws(() => batchIndices(10, 4, Number.NaN, 0), /seed must be a finite number/);
  });
});

describe('deriveSeed', () => {
  it('separates paths that differ in order or length', () => {
    const seeds = [deriveSeed(1), deriveSeed(1, 2), deriveSeed(1, 2, 0), deriveSeed(1, 0, 2), deriveSeed(2, 1), deriveSeed(1, 3)];
    assert.equal(new Set(seeds).size, seeds.length);
    assert.equal(deriveSeed(1, 2), deriveSeed(1, 2));
  });
});
