import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nonNegativeLeastSquares } from '../../util/nnls.js';
import { leastSquares } from '../../util/stats.js';

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

describe('nonNegativeLeastSquares', () => {
  it('equals the free fit when that is already >= 0', () => {
    const rows = [[1, 0], [0, 1], [1, 1], [2, 1]];
    const y = [1.1, 2.0, 2.9, 4.2];
    const free = leastSquares(rows, y);
    const nn = nonNegativeLeastSquares(rows, y);
    free.forEach((w, i) => close(nn[i], w, 1e-9));
  });

  it('clips a negative coefficient at 0 and re-fits the rest (hand-solved)', () => {
    // Free: w = (2, -1). With w2 = 0: minimise (w1 - 2)^2 + 1 + (w1 - 1)^2 -> w1 = 1.5.
    const rows = [[1, 0], [0, 1], [1, 1]];
    const y = [2, -1, 1];
    const free = leastSquares(rows, y);
    close(free[0], 2);
    close(free[1], -1);
    const nn = nonNegativeLeastSquares(rows, y);
    close(nn[0], 1.5);
    close(nn[1], 0);
  });

  it('takes a ridge, and checks shapes and empty columns', () => {
    const nn = nonNegativeLeastSquares([[1], [1]], [2, 2], { ridge: 2 });
    close(nn[0], 1); // (x'x + 2) w = x'y: 4 w = 4
    assert.throws(() => nonNegativeLeastSquares([[1, 0], [1, 0]], [1, 1]), /column 1 is all zero/);
    assert.throws(() => nonNegativeLeastSquares([[1], [1, 2]], [1, 2]), /row 1 has 2/);
    assert.throws(() => nonNegativeLeastSquares([], []), /at least one row/);
  });
});

describe('nonNegativeLeastSquares optimality', () => {
  it('meets the KKT conditions on a random problem with some weights at 0', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const rows = Array.from({ length: 40 }, () => Array.from({ length: 8 }, rnd));
    const y = rows.map((r) => r[0] - r[1] + 0.5 * r[2] - 0.7 * r[3] + 0.1 * rnd());
    const ridge = 1e-3;
    const w = nonNegativeLeastSquares(rows, y, { ridge });
    assert.ok(w.every((v) => v >= 0));
    assert.ok(w.some((v) => v === 0) && w.some((v) => v > 0), `${Array.from(w)}`);
    // g = X'(y - Xw) - ridge w: 0 where w > 0, <= 0 where w = 0.
    const residual = rows.map((r, i) => y[i] - r.reduce((s, x, j) => s + x * w[j], 0));
    for (let j = 0; j < 8; j++) {
      const g = rows.reduce((s, r, i) => s + r[j] * residual[i], 0) - ridge * w[j];
      if (w[j] > 0) assert.ok(Math.abs(g) < 1e-9, `coordinate ${j}: gradient ${g} at w ${w[j]}`);
      else assert.ok(g <= 1e-9, `coordinate ${j} at 0 with gradient ${g}`);
    }
  });
});
