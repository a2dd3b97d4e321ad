import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../space/rng.js';
import { stratifiedHoldOut } from '../../../supernet/data/split.js';

function classCounts(labels: Uint8Array, positions: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of positions) counts[labels[i]]++;
  return counts;
}

function randomLabels(n: number, numClasses: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.int(numClasses));
}

describe('stratifiedHoldOut', () => {
  it('splits into disjoint, ascending parts that cover every position', () => {
    const labels = randomLabels(997, 10, 1);
    const { train, val } = stratifiedHoldOut(labels, 200, 10, 7);
    assert.equal(train.length, 797);
    assert.equal(val.length, 200);
    for (const part of [train, val]) for (let k = 1; k < part.length; k++) assert.ok(part[k - 1] < part[k]);
    const all = [...train, ...val].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 997 }, (_, i) => i));
  });

  it('gives each class its share, remainders to the largest fraction then the lower class', () => {
    // counts 5, 3, 2 of 10; half held out: exact shares 2.5, 1.5, 1 -> 3, 1, 1
    const labels = Uint8Array.of(0, 1, 0, 2, 0, 1, 0, 2, 1, 0);
    const { val } = stratifiedHoldOut(labels, 5, 3, 3);
    assert.deepEqual(classCounts(labels, val, 3), [3, 1, 1]);
  });

  it('holds out exactly the proportional count of each class when it divides evenly', () => {
    const labels = Uint8Array.from({ length: 600 }, (_, i) => i % 6);
    const { val } = stratifiedHoldOut(labels, 120, 6, 11);
    assert.deepEqual(classCounts(labels, val, 6), [20, 20, 20, 20, 20, 20]);
  });

  it('is fixed by the seed', () => {
    const labels = randomLabels(500, 4, 2);
    const a = stratifiedHoldOut(labels, 100, 4, 5);
    const b = stratifiedHoldOut(labels, 100, 4, 5);
    const c = stratifiedHoldOut(labels, 100, 4, 6);
    assert.deepEqual(a.val, b.val);
    assert.notDeepEqual(a.val, c.val);
  });

  it('rejects a bad size or label', () => {
    const labels = Uint8Array.of(0, 1, 2);
    assert.throws(() => stratifiedHoldOut(labels, 4, 3, 0), /valSize must be an integer in \[0, 3\] \(got 4\)/);
    assert.throws(() => stratifiedHoldOut(labels, 1, 2, 0), /label 2 at position 2 is not in \[0, 2\)/);
    assert.deepEqual(stratifiedHoldOut(new Uint8Array(0), 0, 10, 0).val, new Int32Array(0));
  });
});
