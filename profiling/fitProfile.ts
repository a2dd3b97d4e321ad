/**
 * Fitting a profile's latency model (latencyFeatures.ts) on measured whole subnets: ridge
 * least squares of measured latency on the features, each row weighted by 1 / measured latency
 * so that the fit minimises relative (not absolute) error - the quantity the +-10% criterion
 * judges - and by the sample's own weight (its measurement's precision). Columns are scaled to unit RMS before the penalty, so it treats MACs, elements and
 * counts alike; columns that never vary in the samples (a precision the group does not use)
 * get weight 0. The penalty is chosen by 5-fold cross-validation (most held-out predictions
 * within +-10%, then the lowest MAPE). The figures the profile reports as its fit quality are
 * nested: each outer fold is predicted by a model whose penalty was chosen on the other four
 * alone, so they are honest estimates of error on unseen subnets. Folds are grouped: samples
 * with one `group` key (the architecture, whatever its bits) always fall in the same fold.
 *
 * A robust fit (FitOptions.robust; profiles since format 5) then reweights the samples by
 * Tukey's bisquare of their relative residuals, a few times: whole-subnet timings carry a few
 * errors of 20-40% that their spreads do not fully show, and plain least squares bends the
 * whole model toward them. Offline on the quiet-machine fashion-hybrid profile, the share of
 * fresh held-out float subnets within +-10% of the structure-feature model rose from 85% to
 * 98% with it (BENCHMARKS.md, issue 15).
 *
 * A non-negative fit (FitOptions.nonNegative; profiles fitted since 2026-12-05) keeps every
 * weight >= 0: each feature counts work (operators, MACs, elements, blocks), and more work never
 * takes less time. Held out it predicts as well as the free fit, but the free fit's negative
 * weights (columns that measure the same MACs twice, cancelling) extrapolate: a search finds
 * the configs where they cancel wrongly - on a two-thread profile, a float subnet with one int8
 * layer predicted at 0.074 ms and measured at 0.267 ms (BENCHMARKS.md, issue 15).
 */
import { linearLatency } from '../latency/latencyFeatures.js';
import { leastSquares, mape, median, shareWithin } from '../util/stats.js';
import { nonNegativeLeastSquares } from '../util/nnls.js';

export interface FitSample {
  features: Float64Array;
  ms: number;
  /** Weight of the sample in the fit (default 1): noisier measurements weigh less. */
  weight?: number;
  /** Cross-validation group: samples with one key share a fold (default: the sample alone). */
  group?: string;
}

export interface FitQuality {
  samples: number;
  shareWithin10: number;
  /** Percent. */
  mape: number;
}

export interface LinearFit {
  weights: number[];
  /** The chosen penalty (relative to the scaled columns' unit RMS, per sample). */
  ridge: number;
  /** Nested, grouped cross-validated agreement (see the file comment). */
  crossValidated: FitQuality;
  /** The Tukey constant of a robust fit; absent: plain ridge. */
  robust?: number;
  /** Whether the weights were constrained to be >= 0. */
  nonNegative?: true;
}

export interface FitOptions {
  /** Tukey bisquare constant of a robust fit, in robust standard deviations of the relative residuals (kTukey); absent: plain ridge. */
  robust?: number;
  /** Every weight >= 0 (see the file comment). */
  nonNegative?: boolean;
}

/** Tukey's constant: 95% efficiency when the residuals are normal. */
export const kTukey = 4.685;
/** Reweighting rounds of a robust fit. */
const kRobustRounds = 4;
/** Smallest robust scale of the relative residuals: a residual under kTukey x 1% is never an outlier. */
const kRobustFloor = 0.01;

export const kRidgeGrid: readonly number[] = Object.freeze([1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]);
const kFolds = 5;
/** Fewest subnets a group needs for a fit with cross-validation. */
export const kMinFitSamples = 2 * kFolds;

/**
 * Weights of the ridge fit of `samples` at penalty `ridge`, robust with `options.robust` (see
 * the file comment).
 */
export function fitWeights(samples: readonly FitSample[], ridge: number, options: FitOptions = {}): number[] {
  const nonNegative = options.nonNegative === true;
  let weights = ridgeWeights(samples, ridge, nonNegative);
  const c = options.robust;
  if (c === undefined) return weights;
  for (let round = 0; round < kRobustRounds; round++) {
    const residuals = samples.map((s) => Math.abs(linearLatency(weights, s.features) / s.ms - 1));
    const scale = c * Math.max(1.4826 * median(residuals), kRobustFloor);
    weights = ridgeWeights(samples, ridge, nonNegative, residuals.map((r) => (r < scale ? (1 - (r / scale) ** 2) ** 2 : 0)));
  }
  return weights;
}

/** The ridge fit at `ridge` (weights >= 0 with `nonNegative`), each sample's weight times `reweight` (the robust rounds'). */
function ridgeWeights(samples: readonly FitSample[], ridge: number, nonNegative: boolean, reweight?: readonly number[]): number[] {
  const p = samples[0].features.length;
  const sampleWeight = samples.map((s, i) => (s.weight ?? 1) * (reweight?.[i] ?? 1));
  const rows = samples.map((s, i) => s.features.map((v) => (v * Math.sqrt(sampleWeight[i])) / s.ms));
  const rms = new Float64Array(p);
  for (const row of rows) for (let j = 0; j < p; j++) rms[j] += row[j] * row[j];
  const used: number[] = [];
  for (let j = 0; j < p; j++) {
    rms[j] = Math.sqrt(rms[j] / rows.length);
    if (rms[j] > 0) used.push(j);
  }
  const scaled = rows.map((row) => used.map((j) => row[j] / rms[j]));
  const solve = nonNegative ? nonNegativeLeastSquares : leastSquares;
  const w = solve(scaled, sampleWeight.map(Math.sqrt), { ridge: ridge * rows.length });
  const weights = new Array<number>(p).fill(0);
  used.forEach((j, k) => {
    weights[j] = w[k] / rms[j];
  });
  return weights;
}

/** FNV-1a hash of a string: a fold that does not depend on where a sample sits in the list. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Fold of each sample: by its group's hash, else a fixed interleaving of the list; `salt` gives inner folds another split. */
function foldsOf(samples: readonly FitSample[], salt = ''): number[] {
  const folds = samples.map((s, i) => (s.group === undefined ? (i + salt.length) % kFolds : hash(`${salt}${s.group}`) % kFolds));
  // A handful of groups can hash into one fold: interleave them instead.
  return new Set(folds).size >= 2 ? folds : samples.map((_, i) => i % kFolds);
}

function quality(predicted: readonly number[], samples: readonly FitSample[]): FitQuality {
  const actual = samples.map((s) => s.ms);
  return { samples: samples.length, shareWithin10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual) };
}

/** Held-out predictions of each sample by `fit` trained on the other folds. */
function heldOut(samples: readonly FitSample[], folds: readonly number[], fit: (train: FitSample[]) => number[]): number[] {
  const predicted = new Array<number>(samples.length).fill(NaN);
  for (let fold = 0; fold < kFolds; fold++) {
    const train = samples.filter((_, i) => folds[i] !== fold);
    if (train.length === samples.length) continue;
    const weights = fit(train);
    samples.forEach((s, i) => {
      if (folds[i] === fold) predicted[i] = linearLatency(weights, s.features);
    });
  }
  return predicted;
}

const better = (a: FitQuality, b: FitQuality): boolean => a.shareWithin10 > b.shareWithin10 || (a.shareWithin10 === b.shareWithin10 && a.mape < b.mape);

/** The penalty of kRidgeGrid with the best cross-validated agreement on `samples`. */
function chooseRidge(samples: readonly FitSample[], salt: string, options: FitOptions): number {
  const folds = foldsOf(samples, salt);
  let best: { ridge: number; q: FitQuality } | undefined;
  for (const ridge of kRidgeGrid) {
    const q = quality(heldOut(samples, folds, (train) => fitWeights(train, ridge, options)), samples);
    if (best === undefined || better(q, best.q)) best = { ridge, q };
  }
  return (best as { ridge: number }).ridge;
}

/**
 * Held-out prediction of every sample by nested, grouped 5-fold cross-validation: each outer
 * fold predicted by a fit on the other folds, at a penalty chosen on those folds alone.
 */
export function nestedHeldOut(samples: readonly FitSample[], options: FitOptions = {}): number[] {
  return heldOut(samples, foldsOf(samples), (train) => fitWeights(train, chooseRidge(train, 'inner:', options), options));
}

/** The agreement of nestedHeldOut's predictions with the measurements. */
export function nestedCrossValidation(samples: readonly FitSample[], options: FitOptions = {}): FitQuality {
  return quality(nestedHeldOut(samples, options), samples);
}

/** The fit of `samples` at the penalty cross-validation chooses on them (fitLatencyModel without its nested figures). */
export function chosenFit(samples: readonly FitSample[], options: FitOptions = {}): { weights: number[]; ridge: number } {
  const ridge = chooseRidge(samples, '', options);
  return { weights: fitWeights(samples, ridge, options), ridge };
}

/**
 * The latency model of one precision group. `what` names the group in errors. Throws when
 * there are too few samples to fit and cross-validate.
 */
export function fitLatencyModel(samples: readonly FitSample[], what: string, options: FitOptions = {}): LinearFit {
  if (samples.length < kMinFitSamples) {
    throw new RangeError(
      `cannot fit the ${what} latency model on ${samples.length} measured subnets (at least ${kMinFitSamples} needed): ` +
        'measure more subnets (--subnets), or re-measure flagged ones on an idle machine (--resume)',
    );
  }
  const fit: LinearFit = { ...chosenFit(samples, options), crossValidated: nestedCrossValidation(samples, options) };
  return { ...fit, ...(options.robust !== undefined ? { robust: options.robust } : {}), ...(options.nonNegative === true ? { nonNegative: true as const } : {}) };
}
