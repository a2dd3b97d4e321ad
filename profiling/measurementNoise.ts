/**
 * The re-measurement noise of `hwnas profile --evaluate` (CNN and transformer profiles): a few
 * held-out subnets, each measured several times. It is the ceiling a latency model can reach
 * against one measurement - even the subnet's true time misses a measurement by this much - so
 * a reader can tell the model's error from the measurement's.
 */
import { coefficientOfVariation, mean, median, shareWithin, spearman } from '../util/stats.js';

/** Subnets below which the noise gives no rank correlation (it would mean little). */
export const kMinNoiseModelsForSpearman = 5;

export interface MeasurementNoise {
  /** Subnets re-measured, and measurements of each (the first is the held-out measurement). */
  models: number;
  repeats: number;
  /** Each subnet's measurements (ms, put at the profile's speed) and their coefficient of variation. */
  times: number[][];
  cvs: number[];
  /** Median of `cvs`; NaN (null in JSON) without subnets. */
  medianCv: number;
  /** Share of the measurements within +-10% of their subnet's mean, and of its median. */
  shareWithin10OfMean: number;
  shareWithin10OfMedian: number;
  /**
   * Spearman rank correlation of two independent repeats across the subnets, averaged over
   * every pair of repeats; NaN with fewer than kMinNoiseModelsForSpearman subnets.
   */
  spearman: number;
}

/** The noise of `times` (one row of measurements a subnet; rows of fewer than 2 are left out). */
export function measurementNoise(times: ReadonlyArray<readonly number[]>, repeats: number): MeasurementNoise {
  const again = times.filter((t) => t.length >= 2).map((t) => [...t]);
  const cvs = again.map((t) => coefficientOfVariation(t));
  const around = (centre: (t: number[]) => number) => (again.length > 0 ? shareWithin(again.flatMap((t) => t.map(() => centre(t))), again.flat(), 10) : NaN);
  let spearmanSum = 0;
  let pairs = 0;
  if (again.length >= kMinNoiseModelsForSpearman) {
    const n = Math.min(...again.map((t) => t.length));
    for (let r = 0; r < n; r++) {
      for (let s = r + 1; s < n; s++) {
        spearmanSum += spearman(again.map((t) => t[r]), again.map((t) => t[s]));
        pairs++;
      }
    }
  }
  return {
    models: again.length,
    repeats,
    times: again,
    cvs,
    medianCv: cvs.length > 0 ? median(cvs) : NaN,
    shareWithin10OfMean: around(mean),
    shareWithin10OfMedian: around(median),
    spearman: pairs > 0 ? spearmanSum / pairs : NaN,
  };
}
