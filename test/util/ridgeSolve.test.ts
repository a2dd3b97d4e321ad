import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ridgeSolve } from '../../util/ridgeSolve.js';
import { Rng } from '../../space/rng.js';

/** A' A and A' B of row-major `a` (rows x n) and `b` (rows x m). */
function normalEquations(a: Float64Array, b: Float64Array, rows: number, n: number, m: number): { ata: Float64Array; atb: Float64Array } {
  const ata = new Float64Array(n * n);
  const atb = new Float64Array(n * m);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) ata[i * n + j] += a[r * n + i] * a[r * n + j];
      for (let c = 0; c < m; c++) atb[i * m + c] += a[r * n + i] * b[r * m + c];
    }
  }
  return { ata, atb };
}

describe('ridgeSolve', () => {
  it('recovers the exact weights of a consistent system (ridge 0) to 1e-9', () => {
    const rng = new Rng(5);
    const rows = 60;
    const n = 7;
    const m = 3;
    const x = Float64Array.from({ length: rows * n }, () => rng.normal());
    const w = Float64Array.from({ length: n * m }, (_, i) => (i % 5) - 2 + 0.25 * i);
    const y = new Float64Array(rows * m);
    for (let r = 0; r < rows; r++) for (let c = 0; c < m; c++) for (let i = 0; i < n; i++) y[r * m + c] += x[r * n + i] * w[i * m + c];
    const { ata, atb } = normalEquations(x, y, rows, n, m);
    const solved = ridgeSolve(ata, n, atb, m, 0);
    for (let i = 0; i < n * m; i++) assert.ok(Math.abs(solved[i] - w[i]) < 1e-9, `w[${i}] = ${solved[i]}, expected ${w[i]}`);
  });

  it('applies the ridge relative to the mean diagonal: (A + r tr(A)/n I) w = b', () => {
    // A = diag(4, 2), mean diagonal 3, ridge 0.5 -> lambda 1.5: w = (8 / 5.5, 3 / 3.5).
    const w = ridgeSolve(Float64Array.of(4, 0, 0, 2), 2, Float64Array.of(8, 3), 1, 0.5);
    assert.ok(Math.abs(w[0] - 8 / 5.5) < 1e-12 && Math.abs(w[1] - 3 / 3.5) < 1e-12, `got ${w[0]}, ${w[1]}`);
    // A full 2x2 with two right-hand sides, against the closed-form inverse.
    const a = Float64Array.of(2, 1, 1, 3);
    const b = Float64Array.of(1, 0, 0, 1);
    const inv = ridgeSolve(a, 2, b, 2, 0);
    const expected = [3 / 5, -1 / 5, -1 / 5, 2 / 5];
    inv.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `inverse[${i}] = ${v}`));
  });

  it('solves a singular Gram matrix with a ridge and refuses it without one, naming the fix', () => {
    // Two identical features: rank 1.
    const a = Float64Array.of(1, 1, 1, 1);
    assert.throws(() => ridgeSolve(a, 2, Float64Array.of(1, 1), 1, 0), /not positive definite at row 1 .*raise the ridge/);
    const w = ridgeSolve(a, 2, Float64Array.of(1, 1), 1, 1e-6);
    assert.ok(Math.abs(w[0] - w[1]) < 1e-9 && Math.abs(w[0] + w[1] - 1) < 1e-5, `the minimum-norm split: ${w[0]}, ${w[1]}`);
  });

  it('checks its shapes and ridge', () => {
    assert.throws(() => ridgeSolve(new Float64Array(3), 2, new Float64Array(2), 1, 0), /A must hold n\*n = 4 values \(got 3\)/);
    assert.throws(() => ridgeSolve(new Float64Array(4), 2, new Float64Array(3), 1, 0), /B must hold n\*m = 2 values \(got 3\)/);
    assert.throws(() => ridgeSolve(new Float64Array(4), 2, new Float64Array(2), 1, -1), /ridge must be >= 0 \(got -1\)/);
  });
});
