import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coefficientOfVariation,
  iqr,
  kendallTau,
  leastSquares,
  mape,
  mean,
  median,
  quantile,
  ranks,
  shareWithin,
  spearman,
  stddev,
} from '../../util/stats.js';

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

describe('location and spread', () => {
  it('median of odd and even lengths, typed arrays included', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median(new Float64Array([5])), 5);
  });

  it('quantile interpolates linearly between order statistics', () => {
    assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
    close(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantile([1, 2, 3, 4], 0), 1);
    assert.equal(quantile([1, 2, 3, 4], 1), 4);
    assert.throws(() => quantile([1], 1.5), /q must be in \[0, 1\] \(got 1.5\)/);
    assert.throws(() => quantile([], 0.5), /at least one value/);
  });

  it('iqr, mean, sample stddev and cv', () => {
    assert.equal(iqr([1, 2, 3, 4, 5]), 2);
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(mean(xs), 5);
    close(stddev(xs), Math.sqrt(32 / 7));
    close(coefficientOfVariation(xs), Math.sqrt(32 / 7) / 5);
    assert.equal(stddev([3]), 0);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    iqr(xs);
    assert.deepEqual(xs, [3, 1, 2]);
  });
});

describe('prediction error', () => {
  it('mape is in percent', () => {
    close(mape([110, 90], [100, 100]), 10);
    close(mape([1, 3], [2, 2]), 50);
    assert.throws(() => mape([1], [0]), /actual\[0\] = 0/);
    assert.throws(() => mape([1, 2], [1]), /same length \(got 2 and 1\)/);
  });

  it('shareWithin counts the +-p% band inclusively', () => {
    close(shareWithin([105, 120, 95], [100, 100, 100], 10), 2 / 3);
    assert.equal(shareWithin([110, 90], [100, 100], 10), 1);
    assert.equal(shareWithin([110.1], [100], 10), 0);
  });
});

describe('rank correlation', () => {
  it('ranks average ties', () => {
    assert.deepEqual(Array.from(ranks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
  });

  it('spearman with ties matches the hand value', () => {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4] -> 4.5 / sqrt(4.5 * 5)
    close(spearman([1, 2, 2, 3], [1, 3, 2, 4]), 4.5 / Math.sqrt(4.5 * 5));
    close(spearman([1, 2, 3], [30, 20, 10]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });

  it('kendall tau-b without and with ties', () => {
    // 7 concordant, 3 discordant pairs.
    close(kendallTau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]), 0.4);
    // 5 concordant, 0 discordant, one tie in x: 5 / sqrt(5 * 6).
    close(kendallTau([1, 2, 2, 3], [1, 3, 2, 4]), 5 / Math.sqrt(30));
  });
});

describe('leastSquares', () => {
  it('recovers an exact line', () => {
    const xs = [0, 1, 2, 3];
    const w = leastSquares(xs.map((x) => [1, x]), xs.map((x) => 2 + 3 * x));
    assert.ok(w instanceof Float64Array);
    close(w[0], 2, 1e-9);
    close(w[1], 3, 1e-9);
  });

  it('matches the hand-solved normal equations of an overdetermined fit', () => {
    // (0,1), (1,3), (2,4): X'X = [[3,3],[3,5]], X'y = [8,11] -> [7/6, 3/2]
    const w = leastSquares([[1, 0], [1, 1], [1, 2]], new Float64Array([1, 3, 4]));
    close(w[0], 7 / 6, 1e-9);
    close(w[1], 1.5, 1e-9);
  });

  it('says what to do with a singular system, and ridge solves it', () => {
    const rows = [[1, 2], [2, 4], [3, 6]];
    assert.throws(() => leastSquares(rows, [1, 2, 3]), /singular.*options\.ridge/);
    const w = leastSquares(rows, [1, 2, 3], { ridge: 1e-6 });
    close(w[0] + 2 * w[1], 1, 1e-4);
  });

  it('checks shapes', () => {
    assert.throws(() => leastSquares([[1], [1, 2]], [1, 2]), /row 1 has 2/);
    assert.throws(() => leastSquares([[1]], [1, 2]), /1 rows and 2 targets/);
  });
});
