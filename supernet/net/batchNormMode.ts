/**
 * How BatchNorm runs in a supernet forward pass:
 * - 'train': batch statistics, gradients flow (the sandwich step);
 * - 'calibrate': batch statistics, and each layer's mean and E[x^2] are accumulated so the
 *   population statistics of a subnet can be re-estimated (OFA's BN recalibration);
 * - 'infer': given statistics.
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor1D } from '../backend/tf.js';
import { batchNormInfer, batchNormTrain } from '../ops/batchNorm.js';

export interface BnLayerStats {
  mean: Float32Array;
  variance: Float32Array;
}

/** BatchNorm statistics of one subnet, by layer id (e.g. 'blocks.3.bn2'). */
export type BnStats = Record<string, BnLayerStats>;

/** Exact population statistics accumulated over calibration batches. */
export class BnStatsAccumulator {
  private readonly sums = new Map<string, { n: number; mean: Float64Array; sq: Float64Array }>();

  add(id: string, count: number, mean: Float32Array, variance: Float32Array): void {
    let acc = this.sums.get(id);
    if (!acc) {
      acc = { n: 0, mean: new Float64Array(mean.length), sq: new Float64Array(mean.length) };
      this.sums.set(id, acc);
    }
    if (acc.mean.length !== mean.length) throw new Error(`BN layer ${id}: channel count changed during calibration`);
    for (let c = 0; c < mean.length; c++) {
      acc.mean[c] += count * mean[c];
      acc.sq[c] += count * (variance[c] + mean[c] * mean[c]);
    }
    acc.n += count;
  }

  result(): BnStats {
    const out: BnStats = {};
    for (const [id, acc] of this.sums) {
      const mean = new Float32Array(acc.mean.length);
      const variance = new Float32Array(acc.mean.length);
      for (let c = 0; c < mean.length; c++) {
        const m = acc.mean[c] / acc.n;
        mean[c] = m;
        variance[c] = Math.max(acc.sq[c] / acc.n - m * m, 0);
      }
      out[id] = { mean, variance };
    }
    return out;
  }
}

export type BnMode =
  | { kind: 'train' }
  | { kind: 'calibrate'; stats: BnStatsAccumulator }
  | { kind: 'infer'; stats: BnStats };

/** Applies BatchNorm layer `id` to `x` (channels last) under `mode`. */
export function applyBatchNorm<T extends Tensor>(mode: BnMode, id: string, x: T, gamma: Tensor1D, beta: Tensor1D): T {
  switch (mode.kind) {
    case 'train':
      return batchNormTrain(x, gamma, beta).y;
    case 'calibrate': {
      const { y, mean, variance } = batchNormTrain(x, gamma, beta);
      const count = x.size / x.shape[x.rank - 1];
      mode.stats.add(id, count, mean.dataSync() as Float32Array, variance.dataSync() as Float32Array);
      return y;
    }
    case 'infer': {
      const s = mode.stats[id];
      if (!s) throw new Error(`no BatchNorm statistics for layer '${id}': recalibrate the subnet first`);
      const c = x.shape[x.rank - 1];
      if (s.mean.length !== c) throw new Error(`BatchNorm statistics for '${id}' have ${s.mean.length} channels, the layer has ${c}`);
      return batchNormInfer(x, tf.tensor1d(s.mean), tf.tensor1d(s.variance), gamma, beta);
    }
  }
}
