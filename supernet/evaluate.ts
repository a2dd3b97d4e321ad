/**
 * Accuracy of subnets: BatchNorm recalibration on a fixed seeded subset of the training split,
 * then top-1 accuracy and cross-entropy on a split (val for search and predictors; test only
 * for final reports).
 */
import { tf } from './backend/tf.js';
import type { Tensor2D } from './backend/tf.js';
import type { SubnetConfig } from '../space/types.js';
import type { DataSplit, ImageSet } from './data/types.js';
import { fillBatch } from './data/batches.js';
import { Rng } from '../space/rng.js';
import type { Supernet } from './Supernet.js';
import type { Subnet } from './Subnet.js';
import { extract, kDefaultCalibrationOptions } from './extract.js';

/** Seed of the calibration subset: the same 2,000 training images for every subnet. */
export const kCalibrationSeed = 2024;

/**
 * A seeded random subset of `split` of `n` images (for BatchNorm recalibration); all of a
 * smaller split, shuffled.
 */
export function calibrationSet(split: DataSplit, size = kDefaultCalibrationOptions.images, seed = kCalibrationSeed): ImageSet {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`calibration size must be a positive integer (got ${size})`);
  const n = Math.min(size, split.n);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: split.n }, (_, i) => i)).subarray(0, n);
  const px = split.height * split.width * split.channels;
  const images = new Uint8Array(n * px);
  order.forEach((src, i) => images.set(split.images.subarray(src * px, (src + 1) * px), i * px));
  return { n, height: split.height, width: split.width, channels: split.channels, images, normalization: split.normalization };
}

export interface EvalResult {
  accuracy: number;
  loss: number;
  n: number;
  /** Predicted class per image. */
  predictions: Uint8Array;
}

/**
 * Images per forward pass when scoring. A forward pass keeps every activation of the batch until
 * its end, and at a 28x28 working resolution (stem stride 1) 500 images of a wide subnet need
 * more than the wasm heap can grow to (the worker aborts); 128 keeps the largest subnets of the
 * built-in spaces near 0.6 GB.
 */
export const kEvalBatch = 128;

/** Top-1 accuracy and mean cross-entropy of `subnet` on the first `limit` images of `split`. */
export function evaluateOn(subnet: Pick<Subnet, 'forward'>, split: DataSplit, options: { batchSize?: number; limit?: number } = {}): EvalResult {
  const batchSize = options.batchSize ?? kEvalBatch;
  const n = Math.min(options.limit ?? split.n, split.n);
  const { height, width, channels } = split;
  const predictions = new Uint8Array(n);
  let correct = 0;
  let lossSum = 0;
  const buf = new Float32Array(batchSize * height * width * channels);
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const idx = Int32Array.from({ length: m }, (_, i) => start + i);
    fillBatch(split, idx, buf, { augment: false });
    const [pred, losses] = tf.tidy(() => {
      const x = tf.tensor4d(buf.subarray(0, m * height * width * channels), [m, height, width, channels]);
      const logits = subnet.forward(x) as Tensor2D;
      const labels = tf.oneHot(tf.tensor1d(split.labels.subarray(start, start + m), 'int32'), logits.shape[1]);
      const ce = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));
      return [tf.argMax(logits, 1).dataSync(), ce.dataSync()];
    });
    for (let i = 0; i < m; i++) {
      predictions[start + i] = pred[i];
      if (pred[i] === split.labels[start + i]) correct++;
      lossSum += losses[i];
    }
  }
  return { accuracy: correct / n, loss: lossSum / n, n, predictions };
}

/** Recalibrates BatchNorm for `cfg`, extracts it and evaluates it on `split`. */
export function evaluateConfig(net: Supernet, cfg: SubnetConfig, calibration: ImageSet, split: DataSplit, limit?: number): EvalResult {
  const subnet = extract(net, cfg, calibration, { images: calibration.n });
  try {
    return evaluateOn(subnet, split, { limit });
  } finally {
    subnet.dispose();
  }
}
