/**
 * Fitting accuracy predictors on collected samples, and the seeded hold-out split that their
 * metrics are measured on.
 */
import type { SearchSpace } from '../space/types.js';
import { Rng } from '../space/rng.js';
import type { AccuracySample } from './types.js';
import { ConfigEncoder } from './ConfigEncoder.js';
import { MlpPredictor, type DenseLayer, type PredictorMeta } from './MlpPredictor.js';
import { trainMlp, type MlpTrainOptions, type MlpTrainResult } from './trainMlp.js';

export interface FitResult {
  predictor: MlpPredictor;
  train: MlpTrainResult;
}

export interface HoldOutSplit<T> {
  train: T[];
  test: T[];
}

/** A seeded split: `fraction` of `items` (at least one) as test, the rest as train. */
export function splitHoldOut<T>(items: readonly T[], fraction: number, seed: number): HoldOutSplit<T> {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`hold-out fraction must be in (0, 1) (got ${fraction})`);
  if (items.length < 2) throw new Error(`a hold-out split needs at least 2 items (got ${items.length})`);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: items.length }, (_, i) => i));
  const nTest = Math.min(items.length - 1, Math.max(1, Math.round(items.length * fraction)));
  return {
    test: Array.from(order.subarray(0, nTest), (i) => items[i]),
    train: Array.from(order.subarray(nTest), (i) => items[i]),
  };
}

/**
 * Trains a predictor with `encoder` on `samples` (accuracy targets), from `init` layers when
 * given (their first layer must take `encoder.dim` inputs) or from scratch.
 */
export async function fitWithEncoder(
  encoder: ConfigEncoder, samples: readonly AccuracySample[], options: MlpTrainOptions = {},
  init?: readonly DenseLayer[], meta: PredictorMeta = {},
): Promise<FitResult> {
  const x = encoder.encodeBatch(samples.map((s) => s.config));
  const y = Float64Array.from(samples, (s) => s.accuracy);
  const train = await trainMlp(x, y, encoder.dim, options, init);
  const output = train.outputScale === undefined ? undefined : { kind: 'penalty' as const, scale: train.outputScale };
  const predictor = new MlpPredictor(encoder, train.layers, {
    ...meta, samples: samples.length, epochs: train.epochs, bestEpoch: train.bestEpoch,
  }, undefined, output);
  return { predictor, train };
}

/** The fp32 accuracy predictor of `space`, trained from scratch on float samples. */
export async function fitPredictor(space: SearchSpace, samples: readonly AccuracySample[], options: MlpTrainOptions = {}): Promise<FitResult> {
  const quantized = samples.findIndex((s) => s.config.wBits !== undefined);
  if (quantized >= 0) {
    throw new Error(`sample ${quantized} has bit-widths: fit the fp32 predictor on a --quant fp32 dataset and pass quantized samples as --quant-data`);
  }
  return fitWithEncoder(ConfigEncoder.forSpace(space), samples, options, undefined, { kind: 'fp32', space: space.name });
}
