import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crowdingDistance, dominates, nonDominatedSort, paretoFront2d, rankPopulation, selectSurvivors, tournament,
} from '../../evolution/nsga2.js';
import { Rng } from '../../space/rng.js';

// Five points, both objectives minimised:
//   0 (1, 5)  1 (2, 3)  2 (4, 1)  -> front 0
//   3 (3, 4)  (dominated by 1)    -> front 1
//   4 (5, 5)  (dominated by 3)    -> front 2
const f1 = [1, 2, 4, 3, 5];
const f2 = [5, 3, 1, 4, 5];

function randomPoints(rng: Rng, n: number): [number[], number[]] {
  return [Array.from({ length: n }, () => rng.int(20)), Array.from({ length: n }, () => rng.int(20))];
}

describe('nonDominatedSort', () => {
  it('sorts a hand-made example into fronts', () => {
    assert.deepEqual(nonDominatedSort([f1, f2]), [[0, 1, 2], [3], [4]]);
  });

  it('agrees with the definition on random points with ties', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 20; trial++) {
      const objectives = randomPoints(rng, 40);
      const fronts = nonDominatedSort(objectives);
      assert.equal(fronts.flat().length, 40);
      const rank = new Map<number, number>();
      fronts.forEach((front, r) => front.forEach((i) => rank.set(i, r)));
      for (let i = 0; i < 40; i++) {
        for (let j = 0; j < 40; j++) {
          if (dominates(objectives, i, j)) assert.ok(rank.get(i)! < rank.get(j)!, `${i} dominates ${j} but is not ranked before it`);
        }
        // Every member past the first front is dominated by a member of the front before it.
        const r = rank.get(i)!;
        if (r > 0) assert.ok(fronts[r - 1].some((k) => dominates(objectives, k, i)));
      }
    }
  });

  it('keeps equal points in one front and checks its input', () => {
    assert.deepEqual(nonDominatedSort([[1, 1, 2], [1, 1, 2]]), [[0, 1], [2]]);
    assert.throws(() => nonDominatedSort([[1, 2], [1]]), /one value per individual/);
    assert.throws(() => nonDominatedSort([]), /at least one objective/);
  });
});

describe('crowdingDistance', () => {
  it('is infinite at the extremes and the normalised neighbour span inside', () => {
    // Front 0 of the example: sorted by f1: 0 (1), 1 (2), 2 (4); by f2: 2 (1), 1 (3), 0 (5).
    const d = crowdingDistance([f1, f2], [0, 1, 2]);
    assert.equal(d[0], Infinity);
    assert.equal(d[2], Infinity);
    assert.ok(Math.abs(d[1] - ((4 - 1) / (4 - 1) + (5 - 1) / (5 - 1))) < 1e-12);
  });

  it('gives every member of a front of two or fewer infinite distance', () => {
    assert.deepEqual([...crowdingDistance([f1, f2], [3, 4])], [Infinity, Infinity]);
  });
});

describe('selectSurvivors', () => {
  it('fills by fronts and cuts the last front by crowding distance', () => {
    // Front 0 has 4 points; keeping 3 drops the most crowded interior one.
    const x = [0, 1, 1.2, 10, 11];
    const y = [10, 9, 8.8, 0, 12];
    assert.deepEqual(nonDominatedSort([x, y])[0], [0, 1, 2, 3]);
    assert.deepEqual(selectSurvivors([x, y], 3).sort(), [0, 2, 3]);
    assert.deepEqual(selectSurvivors([x, y], 5).sort(), [0, 1, 2, 3, 4]);
  });
});

describe('tournament', () => {
  it('prefers lower rank, so front members win more often', () => {
    const ranking = rankPopulation([f1, f2]);
    const rng = new Rng(2);
    const wins = new Array<number>(5).fill(0);
    for (let i = 0; i < 5000; i++) wins[tournament(ranking, rng)]++;
    assert.ok(wins[0] + wins[1] + wins[2] > wins[3] * 4);
    assert.ok(wins[3] > wins[4]);
  });
});

describe('paretoFront2d', () => {
  it('keeps points that beat everything faster, by increasing x', () => {
    const lat = [3, 1, 2, 2, 5, 4];
    const acc = [0.8, 0.5, 0.7, 0.6, 0.8, 0.9];
    assert.deepEqual(paretoFront2d(lat, acc), [1, 2, 0, 5]);
  });

  it('matches the non-dominated set of (x, -y) on random points, one of each equal pair', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const [x, y] = randomPoints(rng, 30);
      const negY = y.map((v) => -v);
      const expected = new Set(nonDominatedSort([x, negY])[0].map((i) => `${x[i]},${y[i]}`));
      const got = paretoFront2d(x, y).map((i) => `${x[i]},${y[i]}`);
      assert.deepEqual(new Set(got), expected);
      assert.equal(got.length, expected.size);
    }
  });
});
