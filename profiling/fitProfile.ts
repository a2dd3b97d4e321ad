/**
 * Fitting a profile's latency model (latencyFeatures.ts) on measured whole subnets: ridge
 * least squares of measured latency on the features, each row weighted by 1 / measured latency
 * so that the fit minimises relative (not absolute) error - the quantity the +-10% criterion
 * judges - and by the sample's own weight (its measurement's precision). Columns are scaled to unit RMS before the penalty, so it treats MACs, elements and
 * counts alike; columns that never vary in the samples (a precision the group does not use)
 * get weight 0. The penalty is chosen by 5-fold cross-validation (most held-out predictions
 * within +-10%, then the lowest MAPE), and the cross-validated figures are what the profile
 * reports as its fit quality: they are honest estimates of error on unseen subnets.
 */
import { linearLatency } from '../latency/latencyFeatures.js';
import { leastSquares, mape, shareWithin } from '../util/stats.js';

export interface FitSample {
  features: Float64Array;
  ms: number;
  /** Weight of the sample in the fit (default 1): noisier measurements weigh less. */
  weight?: number;
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
  /** Cross-validated agreement at that penalty. */
  crossValidated: FitQuality;
}

export const kRidgeGrid: readonly number[] = Object.freeze([1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]);
const kFolds = 5;
/** Fewest subnets a group needs for a fit with cross-validation. */
export const kMinFitSamples = 2 * kFolds;

/** Weights of the ridge fit of `samples` at penalty `ridge` (see the file comment). */
export function fitWeights(samples: readonly FitSample[], ridge: number): number[] {
  const p = samples[0].features.length;
  const rows = samples.map((s) => s.features.map((v) => (v * Math.sqrt(s.weight ?? 1)) / s.ms));
  const rms = new Float64Array(p);
  for (const row of rows) for (let j = 0; j < p; j++) rms[j] += row[j] * row[j];
  const used: number[] = [];
  for (let j = 0; j < p; j++) {
    rms[j] = Math.sqrt(rms[j] / rows.length);
    if (rms[j] > 0) used.push(j);
  }
  const scaled = rows.map((row) => used.map((j) => row[j] / rms[j]));
  const w = leastSquares(scaled, samples.map((s) => Math.sqrt(s.weight ?? 1)), { ridge: ridge * rows.length });
  const weights = new Array<number>(p).fill(0);
  used.forEach((j, k) => {
    weights[j] = w[k] / rms[j];
  });
  return weights;
}

/** Fold of sample i: a fixed interleaving, so the split does not depend on the sample order's meaning. */
function crossValidate(samples: readonly FitSample[], ridge: number): FitQuality {
  const predicted = new Array<number>(samples.length);
  for (let fold = 0; fold < kFolds; fold++) {
    const train = samples.filter((_, i) => i % kFolds !== fold);
    const weights = fitWeights(train, ridge);
    samples.forEach((s, i) => {
      if (i % kFolds === fold) predicted[i] = linearLatency(weights, s.features);
    });
  }
  const actual = samples.map((s) => s.ms);
  return { samples: samples.length, shareWithin10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual) };
}

/**
 * The latency model of one precision group. `what` names the group in errors. Throws when
 * there are too few samples to fit and cross-validate.
 */
export function fitLatencyModel(samples: readonly FitSample[], what: string): LinearFit {
  if (samples.length < kMinFitSamples) {
    throw new RangeError(
      `cannot fit the ${what} latency model on ${samples.length} measured subnets (at least ${kMinFitSamples} needed): ` +
        'measure more subnets (--subnets), or re-measure flagged ones on an idle machine (--resume)',
    );
  }
  let best: { ridge: number; quality: FitQuality } | undefined;
  for (const ridge of kRidgeGrid) {
    const quality = crossValidate(samples, ridge);
    if (best === undefined || quality.shareWithin10 > best.quality.shareWithin10 ||
      (quality.shareWithin10 === best.quality.shareWithin10 && quality.mape < best.quality.mape)) {
      best = { ridge, quality };
    }
  }
  const chosen = best as { ridge: number; quality: FitQuality };
  return { weights: fitWeights(samples, chosen.ridge), ridge: chosen.ridge, crossValidated: chosen.quality };
}
