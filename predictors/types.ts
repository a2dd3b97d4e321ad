/**
 * Plain-data contracts of the accuracy predictors. Nothing here imports tfjs: predictors run
 * inside search workers on typed-array matmuls.
 */
import type { SubnetConfig } from '../space/types.js';
import type { TransformerConfig } from '../space/transformer/types.js';

/** Predicts top-1 accuracy (a fraction in [0, 1], on the val split) of many configs at once. */
export interface AccuracyPredictor {
  predict(configs: SubnetConfig[]): Float64Array;
}

/** One evaluated subnet: a line of a `hwnas collect` JSONL dataset. */
export interface AccuracySample {
  config: SubnetConfig;
  /** Top-1 accuracy on the val split, a fraction. */
  accuracy: number;
  /** Mean cross-entropy on the val split. */
  loss: number;
  /** Images evaluated. */
  n: number;
  /** Wall time of extraction + calibration + evaluation. */
  seconds: number;
}

/** One evaluated SubTransformer: a line of a `hwnas collect` JSONL dataset of a SuperTransformer. */
export type TransformerSample = Omit<AccuracySample, 'config'> & { config: TransformerConfig };
