/**
 * A SubTransformer's own weights, sliced out of the SuperTransformer as plain arrays: what an
 * exported model holds. Names as in the SuperTransformer (`layers.0.q.weight`), shapes those of
 * the SubTransformer (`[embedDim, heads x headDim]`).
 */
import { tf } from '../backend/tf.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { hiddenUnits } from '../../space/transformer/cost.js';
import { subTransformerParams } from '../../space/transformer/paramLayout.js';
import type { SuperTransformer } from './SuperTransformer.js';

export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

export type SubTransformerWeights = Record<string, WeightArray>;

/** Every weight SubTransformer `cfg` reads, sliced to its shape. */
export function subTransformerWeights(net: SuperTransformer, cfg: TransformerConfig): SubTransformerWeights {
  const layers = cfg.heads.slice(0, cfg.depth).map((heads, i) => ({ heads, hidden: hiddenUnits(cfg.embedDim, cfg.mlpRatios[i]) }));
  const out: SubTransformerWeights = {};
  for (const { name, shape } of subTransformerParams(net.space, cfg.embedDim, layers)) {
    const data = tf.tidy(() => (shape.length === 2 ? net.matrix(name, shape[0], shape[1]) : net.vector(name, shape[0])).dataSync() as Float32Array).slice();
    out[name] = { shape, data };
  }
  return out;
}
