/**
 * Subnet extraction: recalibrate BatchNorm statistics for one config on training images
 * (OFA: 2,000 images in batches of 200 - skipping it is the classic cause of wrong subnet
 * accuracy), then slice the shared weights and fold BatchNorm into them.
 */
import { tf } from './backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from './backend/tf.js';
import type { SubnetConfig } from '../space/types.js';
import type { ImageSet } from './data/types.js';
import { fillBatch } from './data/batches.js';
import { subnetPlan } from '../space/plan.js';
import { BnStatsAccumulator, type BnLayerStats, type BnStats } from './net/batchNormMode.js';
import type { Supernet } from './Supernet.js';
import { Subnet, type BnTensors, type SubnetBlockWeights } from './Subnet.js';

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

/** Inference BatchNorm tensors (kept) for the first channels of gamma/beta and `stats`. */
function bnOf(gamma: Tensor1D, beta: Tensor1D, stats: BnLayerStats): BnTensors {
  return {
    gamma: tf.keep(gamma.clone()),
    beta: tf.keep(beta.clone()),
    mean: tf.keep(tf.tensor1d(stats.mean)),
    variance: tf.keep(tf.tensor1d(stats.variance)),
  };
}

/** Runs `fn` in a tidy scope; only tensors it `tf.keep`s survive. */
function scoped<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

function need(stats: BnStats, id: string): BnLayerStats {
  const s = stats[id];
  if (!s) throw new Error(`BatchNorm statistics for '${id}' are missing: calibrate with the same config`);
  return s;
}

/** A standalone subnet for `cfg` with BatchNorm `stats` (from `calibrateBatchNorm`). */
export function extractWithStats(net: Supernet, cfg: SubnetConfig, stats: BnStats): Subnet {
  const plan = subnetPlan(net.space, cfg);
  const headPlan = plan.head;
  if (headPlan === null || plan.blocks.some((b) => b.family !== 'mbconv')) {
    throw new Error(
      `extracting a standalone subnet of space '${net.space.name}' (fused or resnet blocks, or no head convolution) is not supported yet: ` +
        'evaluate it on the supernet with evaluateConfig',
    );
  }
  const store = net.store;
  const top = (name: string) => store.get(name) as unknown as Tensor1D;
  return scoped(() => {
    const keep = <T extends Tensor1D | Tensor2D | Tensor4D>(t: T): T => tf.keep(t.clone()) as T;
    const stem = {
      w: keep(store.get('stem.weight') as unknown as Tensor4D),
      bn: bnOf(top('stem.bn.gamma'), top('stem.bn.beta'), need(stats, 'stem.bn')),
    };
    const blocks: SubnetBlockWeights[] = plan.blocks.map((b) => {
      const layer = net.blocks[b.slot];
      const id = layer.prefix;
      const bn1 = layer.bn('bn1', b.midC);
      const bn2 = layer.bn('bn2', b.midC);
      const bn3 = layer.bn('bn3', b.outC);
      const weights: SubnetBlockWeights = {
        expand: { w: keep(layer.expandWeight(b.inC, b.midC)), bn: bnOf(bn1.gamma, bn1.beta, need(stats, `${id}.bn1`)) },
        dw: { w: keep(layer.depthwiseWeight(b.midC, b.kernel)), bn: bnOf(bn2.gamma, bn2.beta, need(stats, `${id}.bn2`)) },
        project: { w: keep(layer.projectWeight(b.midC, b.outC)), bn: bnOf(bn3.gamma, bn3.beta, need(stats, `${id}.bn3`)) },
      };
      if (b.seC > 0) {
        const se = layer.seWeights(b.midC, b.seC);
        weights.se = { w1: keep(se.w1), b1: keep(se.b1), w2: keep(se.w2), b2: keep(se.b2) };
      }
      return weights;
    });
    const head = {
      w: keep(net.headWeight(headPlan.inC)),
      bn: bnOf(top('head.bn.gamma'), top('head.bn.beta'), need(stats, 'head.bn')),
    };
    const classifier = { w: keep(store.get('classifier.weight') as unknown as Tensor2D), b: keep(top('classifier.bias')) };
    return new Subnet(net.space, cfg, plan, { stem, blocks, head, classifier });
  });
}

/** Recalibrates BatchNorm on `calibration` images and extracts the subnet. */
export function extract(net: Supernet, cfg: SubnetConfig, calibration: ImageSet, options?: CalibrationOptions): Subnet {
  return extractWithStats(net, cfg, calibrateBatchNorm(net, cfg, calibration, options));
}
