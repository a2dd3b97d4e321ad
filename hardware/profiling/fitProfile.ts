/**
 * Fitting a profile's correction: least squares of measured whole-subnet latency on the table
 * sum, the block count, the elements crossing part boundaries and a constant, weighted by
 * 1 / measured latency so that the fit minimises relative (not absolute) error - the quantity
 * the +-10% criterion judges. A set too small or too uniform for every coefficient falls back
 * to fewer (the later ones set to 0), never to an arbitrary solution.
 */
import type { TableSum } from '../ProfileLatencyModel.js';
import type { Coefficients } from '../latencyProfile.js';
import { leastSquares, mape, shareWithin } from '../stats.js';

export interface FitSample {
  sum: TableSum;
  ms: number;
}

type Column = keyof Coefficients;

const kColumnValue: Record<Column, (s: TableSum) => number> = {
  intercept: () => 1,
  scale: (s) => s.sum,
  perBlock: (s) => s.blocks,
  perKiloElement: (s) => s.boundaryKElements,
};

const kFallbacks: readonly (readonly Column[])[] = [
  ['intercept', 'scale', 'perBlock', 'perKiloElement'],
  ['intercept', 'scale', 'perBlock'],
  ['intercept', 'scale'],
  ['scale'],
];

function solve(samples: readonly FitSample[], columns: readonly Column[]): Coefficients | undefined {
  if (samples.length < columns.length) return undefined;
  const rows = samples.map((x) => columns.map((c) => kColumnValue[c](x.sum) / x.ms));
  const y = samples.map(() => 1);
  let w: Float64Array;
  try {
    w = leastSquares(rows, y);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  const out: Coefficients = { intercept: 0, scale: 0, perBlock: 0, perKiloElement: 0 };
  columns.forEach((c, i) => {
    out[c] = w[i];
  });
  return out;
}

/** Coefficients for `samples` (one precision); throws when there are none to fit on. */
export function fitCoefficients(samples: readonly FitSample[]): Coefficients {
  if (samples.length === 0) throw new RangeError('cannot fit a latency correction on no measured subnets');
  for (const columns of kFallbacks) {
    const fit = solve(samples, columns);
    if (fit !== undefined) return fit;
  }
  throw new RangeError('cannot fit a latency correction: every table sum is zero');
}

export interface FitQuality {
  samples: number;
  shareWithin10: number;
  /** Percent. */
  mape: number;
}

/** How well `predict` reproduces the measured latencies of `samples`. */
export function fitQuality(samples: readonly FitSample[], predict: (s: TableSum) => number): FitQuality {
  if (samples.length === 0) return { samples: 0, shareWithin10: 0, mape: 0 };
  const predicted = samples.map((s) => predict(s.sum));
  const actual = samples.map((s) => s.ms);
  return { samples: samples.length, shareWithin10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual) };
}
