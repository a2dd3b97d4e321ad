/**
 * One accuracy sample: BatchNorm recalibration on the calibration images, extraction, and
 * evaluation on the val split (never test: predictors and search must not see it). Shared by
 * the in-process evaluator and the evaluation workers.
 */
import type { SubnetConfig } from '../supernet/types.js';
import type { DataSplit, ImageSet } from '../supernet/data/types.js';
import type { Supernet } from '../supernet/Supernet.js';
import { evaluateConfig } from '../supernet/evaluate.js';
import type { AccuracySample } from './types.js';

export interface SampleEvalOptions {
  /** Evaluate on the first `limit` val images only (default: the whole split). */
  limit?: number;
}

/** Whether `cfg` carries bit-widths (a `--quant mixed` config, evaluated with fake quantization). */
export function hasBits(cfg: SubnetConfig): boolean {
  return cfg.wBits !== undefined || cfg.aBits !== undefined;
}

export function evaluateSample(
  net: Supernet, cfg: SubnetConfig, calibration: ImageSet, val: DataSplit, options: SampleEvalOptions = {},
): AccuracySample {
  if (val.name !== 'val') {
    throw new Error(`accuracy samples are measured on the val split (got '${val.name}'): the test split is for final reports only`);
  }
  if (hasBits(cfg)) {
    throw new Error('quantized evaluation is not available: supernet/quant/ does not provide a fake-quant evaluator yet; collect with --quant fp32');
  }
  const t0 = performance.now();
  const r = evaluateConfig(net, cfg, calibration, val, options.limit);
  return { config: cfg, accuracy: r.accuracy, loss: r.loss, n: r.n, seconds: (performance.now() - t0) / 1000 };
}
