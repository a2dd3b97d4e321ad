/**
 * Statistics for latency measurements and latency-model evaluation.
 *
 * Inputs are `ArrayLike<number>` (number[] or typed arrays); nothing here mutates them.
 * Location and spread: median, quantile, iqr, mean, stddev, coefficientOfVariation.
 * Prediction error: mape, shareWithin. Rank agreement: ranks, spearman, kendallTau.
 * Fitting: leastSquares (mathjs inside, loaded on first use; its types never leave this file).
 */
import { createRequire } from 'node:module';
import type * as MathJs from 'mathjs';

function checkNonEmpty(xs: ArrayLike<number>, what: string): void {
  if (xs.length === 0) throw new RangeError(`${what} needs at least one value (got an empty array)`);
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what} needs two arrays of the same length (got ${a.length} and ${b.length})`);
  }
}

function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Arithmetic mean. */
export function mean(xs: ArrayLike<number>): number {
  checkNonEmpty(xs, 'mean');
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** Sample standard deviation (divides by n - 1; 0 for a single value). */
export function stddev(xs: ArrayLike<number>): number {
  const m = mean(xs);
  if (xs.length < 2) return 0;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Coefficient of variation: sample standard deviation / mean. */
export function coefficientOfVariation(xs: ArrayLike<number>): number {
  return stddev(xs) / mean(xs);
}

/** Quantile q in [0, 1] with linear interpolation between order statistics (numpy's default). */
export function quantile(xs: ArrayLike<number>, q: number): number {
  checkNonEmpty(xs, 'quantile');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1] (got ${q})`);
  return quantileSorted(sortedCopy(xs), q);
}

/** Quantile of an already ascending array (no copy, no checks). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** Interquartile range: quantile 0.75 minus quantile 0.25. */
export function iqr(xs: ArrayLike<number>): number {
  checkNonEmpty(xs, 'iqr');
  const s = sortedCopy(xs);
  return quantileSorted(s, 0.75) - quantileSorted(s, 0.25);
}

/** Mean absolute percentage error, in percent: mean(|predicted - actual| / |actual|) * 100. */
export function mape(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkSameLength(predicted, actual, 'mape');
  checkNonEmpty(actual, 'mape');
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) throw new RangeError(`mape is undefined for actual[${i}] = 0`);
    sum += Math.abs(predicted[i] - actual[i]) / Math.abs(actual[i]);
  }
  return (sum / actual.length) * 100;
}

/**
 * Share (0..1) of predictions within +-percent of the actual value, the nn-Meter metric
 * ("99.0% of models within +-10%" is shareWithin(pred, actual, 10) = 0.99).
 */
export function shareWithin(predicted: ArrayLike<number>, actual: ArrayLike<number>, percent: number): number {
  checkSameLength(predicted, actual, 'shareWithin');
  checkNonEmpty(actual, 'shareWithin');
  if (!(percent >= 0)) throw new RangeError(`shareWithin percent must be >= 0 (got ${percent})`);
  const tol = percent / 100;
  let hits = 0;
  for (let i = 0; i < actual.length; i++) {
    // A tiny slack so that exactly +-p% counts as within despite rounding.
    if (Math.abs(predicted[i] - actual[i]) <= tol * Math.abs(actual[i]) * (1 + 1e-12)) hits++;
  }
  return hits / actual.length;
}

/** Ranks starting at 1; tied values get the average of the ranks they span. */
export function ranks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[order[j + 1]] === xs[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = avg;
    i = j + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation (Pearson correlation of average ranks); NaN if one side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, b, 'spearman');
  if (a.length < 2) throw new RangeError(`spearman needs at least 2 pairs (got ${a.length})`);
  return pearson(ranks(a), ranks(b));
}

/** Kendall tau-b (adjusts for ties on either side). O(n^2); NaN if one side is constant. */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, b, 'kendallTau');
  const n = a.length;
  if (n < 2) throw new RangeError(`kendallTau needs at least 2 pairs (got ${n})`);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

export interface LeastSquaresOptions {
  /** Ridge (L2) penalty added to the normal equations' diagonal; 0 = ordinary least squares. */
  ridge?: number;
}

let mathjs: typeof MathJs | undefined;
function loadMathJs(): typeof MathJs {
  // mathjs takes about a second to load; load it only when a fit is requested.
  mathjs ??= createRequire(import.meta.url)('mathjs') as typeof MathJs;
  return mathjs;
}

/**
 * X'X + ridge I and X'y of a least-squares problem, after checking its shapes and options;
 * `who` names the caller in errors.
 */
export function normalEquations(
  who: string, rows: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, options: LeastSquaresOptions,
): { gram: number[][]; xty: number[] } {
  const m = rows.length;
  if (m === 0) throw new RangeError(`${who} needs at least one row (got none)`);
  if (y.length !== m) throw new RangeError(`${who} needs one target per row (got ${m} rows and ${y.length} targets)`);
  const ridge = options.ridge ?? 0;
  if (!(ridge >= 0)) throw new RangeError(`options.ridge must be >= 0 (got ${ridge})`);
  const p = rows[0].length;
  const gram = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  for (let r = 0; r < m; r++) {
    const row = rows[r];
    if (row.length !== p) throw new RangeError(`${who} rows must all have ${p} columns (row ${r} has ${row.length})`);
    for (let i = 0; i < p; i++) {
      xty[i] += row[i] * y[r];
      for (let j = i; j < p; j++) gram[i][j] += row[i] * row[j];
    }
  }
  for (let i = 0; i < p; i++) {
    gram[i][i] += ridge;
    for (let j = 0; j < i; j++) gram[i][j] = gram[j][i];
  }
  return { gram, xty };
}

/**
 * Least-squares coefficients w minimising |X w - y|^2 (+ ridge |w|^2). Rows of X are samples;
 * add a column of ones yourself for an intercept. Solves the normal equations (fine for the
 * small, well-scaled systems used for latency calibration).
 */
export function leastSquares(
  rows: ReadonlyArray<ArrayLike<number>>,
  y: ArrayLike<number>,
  options: LeastSquaresOptions = {},
): Float64Array {
  const { gram: xtx, xty } = normalEquations('leastSquares', rows, y, options);
  const p = xty.length;
  const math = loadMathJs();
  const lu = math.lup(xtx);
  // mathjs returns some solution of a singular but consistent system; refuse instead, since
  // the coefficients of collinear columns are then arbitrary.
  const u = (lu.U as MathJs.Matrix).valueOf() as number[][];
  const scale = Math.max(...u.map((row, i) => Math.abs(row[i])));
  for (let i = 0; i < p; i++) {
    if (!(Math.abs(u[i][i]) > scale * p * 1e-12)) {
      throw new RangeError(
        `leastSquares: the system is singular (column ${i} is a combination of the others or all zero); ` +
          'remove collinear columns or pass options.ridge > 0',
      );
    }
  }
  const solution = math.lusolve(lu, xty);
  const flat = (math.flatten(solution) as MathJs.Matrix | MathJs.MathArray).valueOf() as number[];
  return Float64Array.from(flat);
}
