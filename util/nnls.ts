/**
 * Non-negative least squares: the fit of a latency model whose every feature counts work, so
 * that no weight may be negative (profiling/fitProfile.ts).
 */
import { normalEquations, type LeastSquaresOptions } from './stats.js';

/**
 * Solves gram[P,P] x = b[P] for the indices `P` by Cholesky; null when that block is not
 * positive definite (a column of `P` is a combination of the others).
 */
function solvePassive(gram: ReadonlyArray<ArrayLike<number>>, b: ArrayLike<number>, passive: readonly number[]): Float64Array | null {
  const k = passive.length;
  const l = Array.from({ length: k }, () => new Float64Array(k));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = gram[passive[i]][passive[j]];
      for (let t = 0; t < j; t++) sum -= l[i][t] * l[j][t];
      if (i === j) {
        if (!(sum > 1e-13 * gram[passive[i]][passive[i]])) return null;
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[passive[i]];
    for (let t = 0; t < i; t++) sum -= l[i][t] * z[t];
    z[i] = sum / l[i][i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = z[i];
    for (let t = i + 1; t < k; t++) sum -= l[t][i] * x[t];
    x[i] = sum / l[i][i];
  }
  return x;
}

/** Active-set steps per variable before nonNegativeLeastSquares gives up. */
const kMaxOuterSteps = 5;

/**
 * Coefficients w >= 0 minimising |X w - y|^2 + ridge |w|^2: Lawson and Hanson's active-set
 * method on the normal equations (exact, finite; the problem is convex, so its one minimum).
 * Meant for the small, well-scaled systems of latency fits, where a cost can only add time.
 * Throws on a column that is all zero without a ridge, a singular system, or no convergence.
 */
export function nonNegativeLeastSquares(
  rows: ReadonlyArray<ArrayLike<number>>,
  y: ArrayLike<number>,
  options: LeastSquaresOptions = {},
): Float64Array {
  const { gram, xty } = normalEquations('nonNegativeLeastSquares', rows, y, options);
  const p = xty.length;
  for (let i = 0; i < p; i++) {
    if (!(gram[i][i] > 0)) throw new RangeError(`nonNegativeLeastSquares: column ${i} is all zero; remove it or pass options.ridge > 0`);
  }
  const w = new Float64Array(p);
  const passive = new Set<number>();
  const tolerance = 1e-10 * Math.max(...xty.map(Math.abs), 1e-300);
  const gradient = () => xty.map((c, i) => c - gram[i].reduce((sum, g, j) => sum + g * w[j], 0));
  // The variable that would most lower the objective if it left 0 (none: w is optimal).
  const entering = (): number => {
    const g = gradient();
    let enter = -1;
    for (let i = 0; i < p; i++) if (!passive.has(i) && g[i] > tolerance && (enter < 0 || g[i] > g[enter])) enter = i;
    return enter;
  };
  // Lawson-Hanson ends in finitely many steps; rounding can make it re-enter a variable it just
  // dropped, so the steps are bounded and an unfinished fit is refused, never returned.
  for (let outer = 0; ; outer++) {
    const enter = entering();
    if (enter < 0) break;
    if (outer >= kMaxOuterSteps * p) {
      throw new RangeError(`nonNegativeLeastSquares did not converge in ${kMaxOuterSteps * p} steps (the system is nearly singular): pass a larger options.ridge`);
    }
    passive.add(enter);
    for (;;) {
      const order = [...passive].sort((a, b) => a - b);
      const s = solvePassive(gram, xty, order);
      if (s === null) throw new RangeError('nonNegativeLeastSquares: the system is singular; remove collinear columns or pass options.ridge > 0');
      if (s.every((v) => v > 0)) {
        w.fill(0);
        order.forEach((i, k) => { w[i] = s[k]; });
        break;
      }
      // Step from w toward s as far as every passive weight stays >= 0, then drop those at 0.
      let alpha = 1;
      order.forEach((i, k) => { if (s[k] <= 0) alpha = Math.min(alpha, w[i] / (w[i] - s[k])); });
      order.forEach((i, k) => { w[i] += alpha * (s[k] - w[i]); });
      for (const i of order) if (w[i] <= 1e-15 * Math.max(1, Math.abs(xty[i]))) { w[i] = 0; passive.delete(i); }
      if (passive.size === 0) break;
    }
  }
  return w;
}
