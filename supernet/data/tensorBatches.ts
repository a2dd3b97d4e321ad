/**
 * Mini-batches as tensors for training and evaluation on the main thread. Each batch creates
 * exactly its own tensors (`x`, `y` and, if asked, `yOneHot`) and nothing else; the caller
 * disposes them, e.g. with `batch.dispose()`. Batches are built lazily, one per step.
 */
import { tf } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import { batchAugmentRng, batchIndices, fillBatch, fillLabels } from './batches.js';
import { kFashionMnistClasses } from './fashionMnist.js';
import type { DataSplit } from './types.js';

export interface TensorBatch {
  /** Normalised images, [B, height, width, 1] float32. */
  x: tf.Tensor4D;
  /** Class labels, [B] int32. */
  y: tf.Tensor1D;
  /** One-hot labels, [B, numClasses] float32, when `oneHot` was asked for; else null. */
  yOneHot: tf.Tensor2D | null;
  /** Positions of the batch's images in the split. */
  indices: Int32Array;
  /** Disposes `x`, `y` and `yOneHot`. */
  dispose(): void;
}

export interface EvalBatchOptions {
  batchSize: number;
  /** Also produce `yOneHot`. Default false. */
  oneHot?: boolean;
  /** Width of `yOneHot`. Default 10 (Fashion-MNIST). */
  numClasses?: number;
}

export interface TrainBatchOptions extends EvalBatchOptions {
  seed: number;
  epoch: number;
  /** Random crop and flip. Default true. */
  augment?: boolean;
  /** Drop the last, short batch. Default true (keeps batch-norm statistics on full batches). */
  dropLast?: boolean;
}

function checkOptions(options: EvalBatchOptions): Required<EvalBatchOptions> {
  const merged = {
    batchSize: options.batchSize,
    oneHot: options.oneHot ?? false,
    numClasses: options.numClasses ?? kFashionMnistClasses.length,
  };
  for (const key of ['batchSize', 'numClasses'] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] <= 0) {
      throw new Error(`options.${key} must be a positive integer (got ${merged[key]})`);
    }
  }
  return merged;
}

function makeBatch(split: DataSplit, indices: Int32Array, options: Required<EvalBatchOptions>, rng: Rng | null): TensorBatch {
  const size = indices.length;
  const pixels = new Float32Array(size * split.height * split.width * split.channels);
  fillBatch(split, indices, pixels, rng === null ? { augment: false } : { augment: true, rng });
  const labels = new Int32Array(size);
  fillLabels(split.labels, indices, labels);
  let oneHot: Float32Array | null = null;
  if (options.oneHot) {
    oneHot = new Float32Array(size * options.numClasses);
    for (let k = 0; k < size; k++) {
      if (labels[k] >= options.numClasses) {
        throw new Error(`label ${labels[k]} of ${split.name} image ${indices[k]} is not below options.numClasses (${options.numClasses})`);
      }
      oneHot[k * options.numClasses + labels[k]] = 1;
    }
  }
  const x = tf.tensor4d(pixels, [size, split.height, split.width, split.channels], 'float32');
  const y = tf.tensor1d(labels, 'int32');
  const yOneHot = oneHot === null ? null : tf.tensor2d(oneHot, [size, options.numClasses], 'float32');
  return {
    x, y, yOneHot, indices,
    dispose() {
      x.dispose();
      y.dispose();
      yOneHot?.dispose();
    },
  };
}

/**
 * One epoch of shuffled, optionally augmented batches; the same (seed, epoch) gives the same
 * batches. Batch `b` equals `fillBatch(split, chunk, out, { augment, rng: batchAugmentRng(seed,
 * epoch, b) })` on chunk `b` of `batchIndices`, so worker threads can build the same batches.
 * Options are checked when called, not on the first step.
 */
export function trainBatches(split: DataSplit, options: TrainBatchOptions): Generator<TensorBatch, void, undefined> {
  const merged = checkOptions(options);
  const { seed, epoch, augment = true, dropLast = true } = options;
  const chunks = batchIndices(split.n, merged.batchSize, seed, epoch, { dropLast });
  return (function* () {
    for (let b = 0; b < chunks.length; b++) {
      yield makeBatch(split, chunks[b], merged, augment ? batchAugmentRng(seed, epoch, b) : null);
    }
  })();
}

/** The whole split in order, without augmentation; the last batch may be short. */
export function evalBatches(split: DataSplit, options: EvalBatchOptions): Generator<TensorBatch, void, undefined> {
  const merged = checkOptions(options);
  return (function* () {
    for (let start = 0; start < split.n; start += merged.batchSize) {
      const end = Math.min(start + merged.batchSize, split.n);
      yield makeBatch(split, Int32Array.from({ length: end - start }, (_, k) => start + k), merged, null);
    }
  })();
}
