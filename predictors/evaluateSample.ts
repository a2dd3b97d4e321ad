/**
 * One accuracy sample: BatchNorm recalibration on the calibration images, extraction, and
 * evaluation on the val split (never test: predictors and search must not see it). A config
 * with bits is evaluated in its simulated-quantized deployed form (supernet/quant: weights on
 * the block's bit grids, activation ranges calibrated on the same calibration images). Shared
 * by the in-process evaluator and the evaluation workers.
 */
import type { SubnetConfig } from '../space/types.js';
import type { DataSplit, ImageSet } from '../supernet/data/types.js';
import type { Supernet } from '../supernet/Supernet.js';
import { evaluateConfig, kEvalBatch } from '../supernet/evaluate.js';
import { extract } from '../supernet/extract.js';
import { fillBatch } from '../supernet/data/batches.js';
import { logitsOf, quantizeSubnet } from '../supernet/quant/QuantizedSubnet.js';
import type { RangeOptions } from '../supernet/quant/calibrateRanges.js';
import type { AccuracySample } from './types.js';

export interface SampleEvalOptions {
  /** Evaluate on the first `limit` val images only (default: the whole split). */
  limit?: number;
  /** Activation range calibration of quantized configs (supernet/quant defaults otherwise). */
  ranges?: RangeOptions;
}

/** Whether `cfg` carries bit-widths (a `--quant mixed` config, evaluated quantized). */
export function hasBits(cfg: SubnetConfig): boolean {
  return cfg.wBits !== undefined || cfg.aBits !== undefined;
}

const normalized = new WeakMap<DataSplit, Float32Array>();

/** The split's images, normalised as for evaluation, `[n, H, W, C]` (cached per split). */
function imagesOf(split: DataSplit): Float32Array {
  let images = normalized.get(split);
  if (!images) {
    images = new Float32Array(split.n * split.height * split.width * split.channels);
    fillBatch(split, Int32Array.from({ length: split.n }, (_, i) => i), images, { augment: false });
    normalized.set(split, images);
  }
  return images;
}

/** Top-1 accuracy and mean cross-entropy of `[n, classes]` logits (first maximum wins ties). */
export function scoreLogits(logits: Float32Array, labels: Uint8Array, classes: number): { accuracy: number; loss: number } {
  const n = logits.length / classes;
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    let best = 0;
    for (let k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(row[k] - row[best]);
    loss += row[best] + Math.log(sum) - row[labels[r]];
    if (best === labels[r]) correct++;
  }
  return { accuracy: correct / n, loss: loss / n };
}

function evaluateQuantized(net: Supernet, cfg: SubnetConfig, calibration: ImageSet, val: DataSplit, options: SampleEvalOptions) {
  const n = Math.min(options.limit ?? val.n, val.n);
  const subnet = extract(net, cfg, calibration, { images: calibration.n });
  try {
    const q = quantizeSubnet(subnet, calibration, options.ranges);
    try {
      const { height, width, channels } = val;
      const logits = logitsOf(q, imagesOf(val).subarray(0, n * height * width * channels), [n, height, width, channels], kEvalBatch);
      return { ...scoreLogits(logits, val.labels.subarray(0, n), net.space.input.classes), n };
    } finally {
      q.dispose();
    }
  } finally {
    subnet.dispose();
  }
}

export function evaluateSample(
  net: Supernet, cfg: SubnetConfig, calibration: ImageSet, val: DataSplit, options: SampleEvalOptions = {},
): AccuracySample {
  if (val.name !== 'val') {
    throw new Error(`accuracy samples are measured on the val split (got '${val.name}'): the test split is for final reports only`);
  }
  return evaluateOnSplit(net, cfg, calibration, val, options);
}

/**
 * An accuracy sample on any split: the test split is for final reports (a compressed or
 * fine-tuned model's figures), never for choosing - searches and predictors use `evaluateSample`.
 */
export function evaluateOnSplit(
  net: Supernet, cfg: SubnetConfig, calibration: ImageSet, split: DataSplit, options: SampleEvalOptions = {},
): AccuracySample {
  const t0 = performance.now();
  const r = hasBits(cfg) ? evaluateQuantized(net, cfg, calibration, split, options) : evaluateConfig(net, cfg, calibration, split, options.limit);
  return { config: cfg, accuracy: r.accuracy, loss: r.loss, n: r.n, seconds: (performance.now() - t0) / 1000 };
}
