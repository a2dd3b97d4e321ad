/**
 * APQ's transfer ablation: quantization-aware predictors trained from scratch and by transfer
 * from the fp32 predictor on the same growing subsets of quantized samples, all scored on one
 * fixed hold-out of quantized samples.
 */
import type { SearchSpace } from '../space/types.js';
import { Rng } from '../space/rng.js';
import type { AccuracySample } from './types.js';
import type { MlpPredictor } from './MlpPredictor.js';
import type { MlpTrainOptions } from './trainMlp.js';
import { fitQuantAware } from './QuantAwarePredictor.js';
import { predictorMetrics, type PredictorMetrics } from './metrics.js';

export interface TransferAblationOptions {
  /** Training-set sizes to compare (default 100, 200, 500). */
  sizes?: number[];
  /** Training options of both arms. */
  train?: MlpTrainOptions;
  /** Seed of the subset order. */
  seed?: number;
  /** Called when a row is done. */
  onRow?: (row: TransferAblationRow) => void;
}

export const kDefaultAblationSizes: readonly number[] = Object.freeze([100, 200, 500]);

export interface TransferAblationRow {
  size: number;
  scratch: PredictorMetrics;
  transfer: PredictorMetrics;
}

export interface TransferAblation {
  rows: TransferAblationRow[];
  /** Requested sizes larger than the training pool (not run). */
  skipped: number[];
  testSamples: number;
}

/**
 * Runs the ablation. `pool` holds the quantized samples to train on (each size takes the first
 * `size` of one seeded order, so larger sets contain the smaller ones); `test` scores them.
 */
export async function transferAblation(
  space: SearchSpace, fp32: MlpPredictor, pool: readonly AccuracySample[], test: readonly AccuracySample[],
  options: TransferAblationOptions = {},
): Promise<TransferAblation> {
  const sizes = options.sizes ?? [...kDefaultAblationSizes];
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 5) throw new Error(`options.sizes must hold integers >= 5 (got ${s})`);
  }
  if (test.length < 2) throw new Error(`the ablation needs at least 2 test samples (got ${test.length})`);
  const order = new Rng(options.seed ?? 0).shuffle(Array.from(pool));
  const actual = Float64Array.from(test, (s) => s.accuracy);
  const configs = test.map((s) => s.config);
  const rows: TransferAblationRow[] = [];
  const skipped = sizes.filter((s) => s > pool.length);
  for (const size of sizes.filter((s) => s <= pool.length)) {
    const subset = order.slice(0, size);
    const scratch = await fitQuantAware(space, subset, { ...options.train });
    const transfer = await fitQuantAware(space, subset, { ...options.train, from: fp32 });
    const row = {
      size,
      scratch: predictorMetrics(scratch.predictor.predict(configs), actual),
      transfer: predictorMetrics(transfer.predictor.predict(configs), actual),
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return { rows, skipped, testSamples: test.length };
}
