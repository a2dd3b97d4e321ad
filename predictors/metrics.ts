/**
 * How good an accuracy predictor is, on accuracy fractions: RMSE in accuracy points, rank
 * agreement (Kendall tau-b, Spearman from util/stats.ts; APQ's pairwise ranking accuracy),
 * and the evaluation's own noise to compare them with.
 */
import { kendallTau, spearman } from '../util/stats.js';
import type { AccuracySample } from './types.js';

export interface PredictorMetrics {
  n: number;
  /** Root mean squared error, in accuracy points (percent). */
  rmsePp: number;
  /** Mean absolute error, in accuracy points. */
  maePp: number;
  kendallTau: number;
  spearman: number;
  /** Share of pairs with different measured accuracy that the predictor orders the same way. */
  pairwiseAccuracy: number;
}

function checkPairs(predicted: ArrayLike<number>, actual: ArrayLike<number>, what: string): void {
  if (predicted.length !== actual.length) {
    throw new RangeError(`${what} needs as many predictions as measurements (got ${predicted.length} and ${actual.length})`);
  }
  if (actual.length === 0) throw new RangeError(`${what} needs at least one pair (got none)`);
}

/** Root mean squared error between accuracy fractions, in accuracy points. */
export function rmsePp(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkPairs(predicted, actual, 'rmsePp');
  let ss = 0;
  for (let i = 0; i < actual.length; i++) ss += (predicted[i] - actual[i]) ** 2;
  return 100 * Math.sqrt(ss / actual.length);
}

/**
 * Pairwise ranking accuracy (APQ): over all pairs whose measured accuracies differ, the share
 * the predictor orders the same way (a predicted tie counts half). 1 = perfect, 0.5 = chance.
 */
export function pairwiseAccuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkPairs(predicted, actual, 'pairwiseAccuracy');
  let pairs = 0;
  let right = 0;
  for (let i = 0; i < actual.length; i++) {
    for (let j = i + 1; j < actual.length; j++) {
      const da = Math.sign(actual[i] - actual[j]);
      if (da === 0) continue;
      pairs++;
      const dp = Math.sign(predicted[i] - predicted[j]);
      if (dp === da) right++;
      else if (dp === 0) right += 0.5;
    }
  }
  return pairs === 0 ? NaN : right / pairs;
}

export function predictorMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>): PredictorMetrics {
  checkPairs(predicted, actual, 'predictorMetrics');
  let abs = 0;
  for (let i = 0; i < actual.length; i++) abs += Math.abs(predicted[i] - actual[i]);
  const ranked = actual.length >= 2;
  return {
    n: actual.length,
    rmsePp: rmsePp(predicted, actual),
    maePp: (100 * abs) / actual.length,
    kendallTau: ranked ? kendallTau(predicted, actual) : NaN,
    spearman: ranked ? spearman(predicted, actual) : NaN,
    pairwiseAccuracy: pairwiseAccuracy(predicted, actual),
  };
}

/** Binomial standard error of an accuracy measured on `n` images, in accuracy points. */
export function binomialStdErrPp(accuracy: number, n: number): number {
  if (!(accuracy >= 0 && accuracy <= 1)) throw new RangeError(`accuracy must be a fraction in [0, 1] (got ${accuracy})`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  return 100 * Math.sqrt((accuracy * (1 - accuracy)) / n);
}

/**
 * The evaluation noise of a set of samples: the root mean square of their binomial standard
 * errors, in accuracy points - how far a measured val accuracy may sit from the subnet's
 * accuracy on the image distribution. Predictor errors of this size are within what the
 * measurements themselves can resolve.
 */
export function evaluationNoisePp(samples: ReadonlyArray<Pick<AccuracySample, 'accuracy' | 'n'>>): number {
  if (samples.length === 0) throw new RangeError('evaluationNoisePp needs at least one sample (got none)');
  let ss = 0;
  for (const s of samples) ss += binomialStdErrPp(s.accuracy, s.n) ** 2;
  return Math.sqrt(ss / samples.length);
}
