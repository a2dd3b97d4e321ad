import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { batchAugmentRng, batchIndices, fillBatch } from '../../../supernet/data/batches.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import { evalBatches, trainBatches } from '../../../supernet/data/tensorBatches.js';
import type { DataSplit } from '../../../supernet/data/types.js';

const kPixels = 28 * 28;

describe('tensor batches', () => {
  let val: DataSplit;
  before(() => {
    val = loadFashionMnist().val;
  });

  it('trainBatches yields x [B,28,28,1] float32, y [B] int32 and one-hot [B,10]', () => {
    const batch = trainBatches(val, { batchSize: 32, seed: 1, epoch: 0, oneHot: true }).next().value;
    assert.ok(batch);
    assert.deepEqual(batch.x.shape, [32, 28, 28, 1]);
    assert.equal(batch.x.dtype, 'float32');
    assert.deepEqual(batch.y.shape, [32]);
    assert.equal(batch.y.dtype, 'int32');
    assert.ok(batch.yOneHot);
    assert.deepEqual(batch.yOneHot.shape, [32, 10]);
    const y = batch.y.dataSync();
    const hot = batch.yOneHot.dataSync();
    for (let k = 0; k < 32; k++) {
      assert.equal(y[k], val.labels[batch.indices[k]]);
      for (let c = 0; c < 10; c++) assert.equal(hot[k * 10 + c], c === y[k] ? 1 : 0);
    }
    batch.dispose();
  });

  it('creates only the tensors it yields, and disposing them frees everything', () => {
    const before = tf.memory().numTensors;
    let batches = 0;
    for (const batch of trainBatches(val, { batchSize: 1000, seed: 2, epoch: 1, oneHot: true })) {
      assert.equal(tf.memory().numTensors, before + 3);
      batch.dispose();
      batches++;
    }
    assert.equal(batches, 10);
    for (const batch of evalBatches(val, { batchSize: 3000 })) {
      assert.equal(tf.memory().numTensors, before + 2);
      assert.equal(batch.yOneHot, null);
      batch.dispose();
    }
    for (const batch of trainBatches(val, { batchSize: 100, seed: 2, epoch: 1 })) {
      batch.dispose();
      break;
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('an epoch covers each index once and is reproducible from (seed, epoch)', () => {
    const epoch = (seed: number, e: number) => {
      const seen: number[] = [];
      for (const batch of trainBatches(val, { batchSize: 512, seed, epoch: e, augment: false, dropLast: false })) {
        seen.push(...batch.indices);
        batch.dispose();
      }
      return seen;
    };
    const a = epoch(3, 0);
    assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: val.n }, (_, i) => i));
    assert.deepEqual(epoch(3, 0), a);
    assert.notDeepEqual(epoch(3, 1), a);
  });

  it('drops the short last batch by default', () => {
    const sizes: number[] = [];
    for (const batch of trainBatches(val, { batchSize: 3000, seed: 0, epoch: 0, augment: false })) {
      sizes.push(batch.indices.length);
      batch.dispose();
    }
    assert.deepEqual(sizes, [3000, 3000, 3000]);
  });

  it('batch b equals fillBatch with batchAugmentRng(seed, epoch, b), as a worker would build it', () => {
    const chunks = batchIndices(val.n, 64, 11, 2, { dropLast: true });
    let b = 0;
    for (const batch of trainBatches(val, { batchSize: 64, seed: 11, epoch: 2 })) {
      if (b < 3) {
        const expected = new Float32Array(64 * kPixels);
        fillBatch(val, chunks[b], expected, { augment: true, rng: batchAugmentRng(11, 2, b) });
        assert.deepEqual(batch.indices, chunks[b]);
        assert.deepEqual(batch.x.dataSync(), expected);
      }
      batch.dispose();
      b++;
    }
    assert.equal(b, chunks.length);
  });

  it('evalBatches walks the split in order without augmentation, last batch short', () => {
    const sizes: number[] = [];
    let next = 0;
    for (const batch of evalBatches(val, { batchSize: 3000 })) {
      const n = batch.indices.length;
      sizes.push(n);
      assert.deepEqual(Array.from(batch.indices), Array.from({ length: n }, (_, k) => next + k));
      const expected = new Float32Array(n * kPixels);
      fillBatch(val, batch.indices, expected, { augment: false });
      assert.deepEqual(batch.x.dataSync(), expected);
      assert.deepEqual(batch.y.dataSync(), Int32Array.from(val.labels.subarray(next, next + n)));
      next += n;
      batch.dispose();
    }
    assert.deepEqual(sizes, [3000, 3000, 3000, 1000]);
  });

  it('checks options when called', () => {
    assert.throws(() => trainBatches(val, { batchSize: 0, seed: 0, epoch: 0 }), /options.batchSize must be a positive integer \(got 0\)/);
    assert.throws(() => evalBatches(val, { batchSize: 8, numClasses: 0 }), /options.numClasses must be a positive integer \(got 0\)/);
    assert.throws(() => trainBatches(val, { batchSize: 8, seed: 0, epoch: -1 }), /epoch must be an integer >= 0 \(got -1\)/);
    const tooFew = evalBatches(val, { batchSize: 8, numClasses: 2, oneHot: true });
    const before = tf.memory().numTensors;
    assert.throws(() => tooFew.next(), /label \d of val image \d+ is not below options.numClasses \(2\)/);
    assert.equal(tf.memory().numTensors, before);
  });
});
