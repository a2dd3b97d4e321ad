/**
 * Mini-batches as plain typed arrays: seeded per-epoch shuffled index chunks, and a batch
 * builder writing normalised NHWC floats. No tfjs here, so worker threads can build batches
 * from a split posted to them; `tensorBatches.ts` wraps this for training with tensors.
 *
 * Determinism: batch `b` of epoch `e` depends only on (seed, e, b), never on which thread
 * builds it or on earlier batches.
 */
import { Rng } from '../../space/rng.js';
import { cropFlip, sampleAugment } from './augment.js';
import { eraseRect, sampleErase } from './randomErasing.js';
import { normalizeTables } from './normalize.js';
import type { ImageSet } from './types.js';

const kShuffleStream = 0x5f1e;
const kAugmentStream = 0xa06e;
const kEraseStream = 0xe4a5;

/** Hashes a seed and a path of integers (murmur3 mixing) into a new 32-bit seed. */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = seed >>> 0;
  for (const word of [...path, path.length]) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The augmentation generator of batch `batch` of epoch `epoch`. */
export function batchAugmentRng(seed: number, epoch: number, batch: number): Rng {
  return new Rng(deriveSeed(seed, kAugmentStream, epoch, batch));
}

/**
 * The random erasing generator of batch `batch` of epoch `epoch`: a stream of its own, so the
 * crops and flips of a run are the same with and without erasing.
 */
export function batchEraseRng(seed: number, epoch: number, batch: number): Rng {
  return new Rng(deriveSeed(seed, kEraseStream, epoch, batch));
}

export interface BatchIndicesOptions {
  /** Drop the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min} (got ${value})`);
  }
}

/**
 * A seeded shuffle of 0..n-1 for `epoch`, cut into batches of `batchSize`. Every index appears
 * exactly once per epoch (the last, short batch is dropped with `dropLast`). Each chunk has
 * its own buffer, so posting one to a worker copies only that chunk.
 */
export function batchIndices(
  n: number,
  batchSize: number,
  seed: number,
  epoch: number,
  options: BatchIndicesOptions = {},
): Int32Array[] {
  checkCount('n', n, 0);
  checkCount('batchSize', batchSize, 1);
  checkCount('epoch', epoch, 0);
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number (got ${seed})`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(deriveSeed(seed, kShuffleStream, epoch)).shuffle(order);
  const end = options.dropLast ? n - (n % batchSize) : n;
  const chunks: Int32Array[] = [];
  for (let start = 0; start < end; start += batchSize) chunks.push(order.slice(start, Math.min(start + batchSize, end)));
  return chunks;
}

export interface FillBatchOptions {
  /** Random crop from zero padding and horizontal flip (see `augment.ts`). */
  augment: boolean;
  /** Required when `augment` is true: draws each image's crop and flip, in batch order. */
  rng?: Rng;
  /** With `augment`: random erasing after the crop and flip (randomErasing.ts) at `probability`, drawn from `rng`. */
  erase?: { probability: number; rng: Rng };
}

/**
 * Writes the images at `indices` (positions in `set`) as floats normalised by
 * `set.normalization`, NHWC, to the start of `out`, which needs at least
 * `indices.length * height * width * channels` elements.
 */
export function fillBatch(set: ImageSet, indices: ArrayLike<number>, out: Float32Array, options: FillBatchOptions): void {
  const channels = set.channels;
  const pixels = set.height * set.width * channels;
  const need = indices.length * pixels;
  if (out.length < need) {
    const shape = `${set.height}x${set.width}${channels === 1 ? '' : `x${channels}`}`;
    throw new Error(`fillBatch: out has ${out.length} elements, ${indices.length} images of ${shape} need ${need}`);
  }
  const rng = options.rng;
  if (options.augment && rng === undefined) throw new Error('fillBatch: options.rng is required when options.augment is true');
  const tables = normalizeTables(set.normalization);
  if (tables.length !== channels) {
    throw new Error(`fillBatch: the normalisation has ${tables.length} channels, the images ${channels}`);
  }
  const scratch = new Uint8Array(pixels);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.n) {
      throw new Error(`fillBatch: index ${i} at position ${k} is not in [0, ${set.n})`);
    }
    let src = set.images;
    let offset = i * pixels;
    if (rng !== undefined && options.augment) {
      cropFlip(src, offset, set.height, set.width, sampleAugment(rng), scratch, 0, channels);
      const erase = options.erase;
      const rect = erase === undefined ? null : sampleErase(erase.rng, set.height, set.width, erase.probability);
      if (rect !== null) eraseRect(scratch, 0, set.width, channels, rect, (erase as { rng: Rng }).rng);
      src = scratch;
      offset = 0;
    }
    const base = k * pixels;
    if (channels === 1) {
      const table = tables[0];
      for (let p = 0; p < pixels; p++) out[base + p] = table[src[offset + p]];
    } else {
      for (let p = 0; p < pixels; p += channels) {
        for (let c = 0; c < channels; c++) out[base + p + c] = tables[c][src[offset + p + c]];
      }
    }
  }
}

/** Writes the labels at `indices` (positions in `labels`) to the start of `out`. */
export function fillLabels(labels: Uint8Array, indices: ArrayLike<number>, out: Int32Array): void {
  if (out.length < indices.length) throw new Error(`fillLabels: out has ${out.length} elements, need ${indices.length}`);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= labels.length) {
      throw new Error(`fillLabels: index ${i} at position ${k} is not in [0, ${labels.length})`);
    }
    out[k] = labels[i];
  }
}
