/**
 * Subnet extraction: recalibrate BatchNorm statistics for one config on training images
 * (OFA: 2,000 images in batches of 200 - skipping it is the classic cause of wrong subnet
 * accuracy), then slice the shared weights: the stem at the plan's width, each block by its
 * family's kit (supernet/blocks), the head convolution when the plan has one, the classifier.
 */
import { tf } from './backend/tf.js';
import type { Tensor, Tensor1D } from './backend/tf.js';
import type { SubnetConfig } from '../space/types.js';
import type { ImageSet } from './data/types.js';
import { fillBatch } from './data/batches.js';
import { subnetPlan } from '../space/plan.js';
import { BnStatsAccumulator, type BnStats } from './net/batchNormMode.js';
import type { Supernet } from './Supernet.js';
import { Subnet } from './Subnet.js';
import type { BnTensors } from './blocks/convBn.js';
import type { WeightSource } from './blocks/BlockKit.js';
import { extractBlock } from './blocks/index.js';

export interface CalibrationOptions {
  /** Images used to re-estimate BatchNorm statistics (taken from the start of `images`). */
  images?: number;
  batchSize?: number;
}

export const kDefaultCalibrationOptions: Required<CalibrationOptions> = { images: 2000, batchSize: 200 };

/**
 * Population BatchNorm statistics of subnet `cfg` over the first `images` images of `set`
 * (pass a seeded shuffled training subset). No augmentation.
 */
export function calibrateBatchNorm(net: Supernet, cfg: SubnetConfig, set: ImageSet, options?: CalibrationOptions): BnStats {
  const { images, batchSize } = { ...kDefaultCalibrationOptions, ...options };
  if (!Number.isInteger(images) || images <= 0 || images > set.n) {
    throw new Error(`options.images must be an integer in [1, ${set.n}] (got ${images})`);
  }
  const acc = new BnStatsAccumulator();
  const { height, width } = set;
  const channels = net.space.input.channels;
  for (let start = 0; start < images; start += batchSize) {
    const n = Math.min(batchSize, images - start);
    const idx = Int32Array.from({ length: n }, (_, i) => start + i);
    const buf = new Float32Array(n * height * width * channels);
    fillBatch(set, idx, buf, { augment: false });
    tf.tidy(() => {
      net.forward(cfg, tf.tensor4d(buf, [n, height, width, channels]), { kind: 'calibrate', stats: acc });
    });
  }
  return acc.result();
}

/** Runs `fn` in a tidy scope; only tensors it `tf.keep`s survive. */
function scoped<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

/** Kept copies of the supernet's slices, with BatchNorm statistics from `stats`. */
function weightSource(stats: BnStats): WeightSource {
  const keep = <T extends Tensor>(t: T): T => tf.keep(t.clone());
  return {
    keep,
    bn(id: string, { gamma, beta }: { gamma: Tensor1D; beta: Tensor1D }): BnTensors {
      const s = stats[id];
      if (!s) throw new Error(`BatchNorm statistics for '${id}' are missing: calibrate with the same config`);
      return { gamma: keep(gamma), beta: keep(beta), mean: tf.keep(tf.tensor1d(s.mean)), variance: tf.keep(tf.tensor1d(s.variance)) };
    },
  };
}

/** Gamma and beta of a top-level BatchNorm ('stem.bn' or 'head.bn'), the first `c` channels. */
function topBn(net: Supernet, prefix: string, c: number): { gamma: Tensor1D; beta: Tensor1D } {
  const slice = (name: string) => tf.slice(net.store.get(`${prefix}.${name}`) as unknown as Tensor1D, 0, c);
  return { gamma: slice('gamma'), beta: slice('beta') };
}

/** A standalone subnet for `cfg` with BatchNorm `stats` (from `calibrateBatchNorm`). */
export function extractWithStats(net: Supernet, cfg: SubnetConfig, stats: BnStats): Subnet {
  const plan = subnetPlan(net.space, cfg);
  const source = weightSource(stats);
  return scoped(() => {
    const stem = { w: source.keep(net.stemWeight(plan.stem.outC)), bn: source.bn('stem.bn', topBn(net, 'stem.bn', plan.stem.outC)) };
    const blocks = plan.blocks.map((b) => extractBlock(net.block(b), b, source));
    const head = plan.head === null
      ? null
      : { w: source.keep(net.headWeight(plan.head.inC)), bn: source.bn('head.bn', topBn(net, 'head.bn', plan.head.outC)) };
    const classifier = {
      w: source.keep(net.classifierWeight(plan.classifier.inC)),
      b: source.keep(net.store.get('classifier.bias') as unknown as Tensor1D),
    };
    return new Subnet(net.space, cfg, plan, { stem, blocks, head, classifier });
  });
}

/** Recalibrates BatchNorm on `calibration` images and extracts the subnet. */
export function extract(net: Supernet, cfg: SubnetConfig, calibration: ImageSet, options?: CalibrationOptions): Subnet {
  return extractWithStats(net, cfg, calibrateBatchNorm(net, cfg, calibration, options));
}
