/** Accuracy of SubTransformers: their logits straight from the shared weights (no BatchNorm to recalibrate). */
import type { Tensor4D } from '../backend/tf.js';
import type { DataSplit } from '../data/types.js';
import { evaluateOn, type EvalResult } from '../evaluate.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import type { SuperTransformer } from './SuperTransformer.js';

/** Top-1 accuracy and mean cross-entropy of SubTransformer `cfg` on the first `limit` images of `split`. */
export function evaluateTransformer(net: SuperTransformer, cfg: TransformerConfig, split: DataSplit, limit?: number): EvalResult {
  return evaluateOn({ forward: (x: Tensor4D) => net.forward(cfg, x) }, split, { limit });
}
