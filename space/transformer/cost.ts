/**
 * Exact accounting of a SubTransformer, the architecture the supernet layers implement:
 *
 *   patches p x p x C -> linear to D (+ bias)  [+ class token]  + position embeddings
 *   per layer: LN -> Q, K, V linear D -> A (A = heads x headDim, each + bias)
 *              -> per head softmax(Q K^T / sqrt(headDim)) V -> linear A -> D (+ bias) -> + residual
 *              LN -> linear D -> hidden (+ bias) -> ReLU -> linear hidden -> D (+ bias) -> + residual
 *   LN -> pool (class token, or mean over the tokens) -> linear D -> classes (+ bias)
 *
 * MACs count every matrix product: the weight matmuls and attention's two activation
 * products (Q K^T and the weighted sum of V), T x T x A each. Softmax, LayerNorm, ReLU, the
 * residual adds and pooling count 0. Params are as deployed: weights, biases, LayerNorm scale
 * and shift, the class token and the position embeddings.
 */
import type { TransformerConfig, TransformerSpace } from './types.js';

export interface TransformerCost {
  macs: number;
  params: number;
}

/** Tokens the encoder runs on: the patches, plus the class token with `pool: 'cls'`. */
export function tokenCount(space: TransformerSpace): number {
  const p = space.patchSize;
  return (space.input.height / p) * (space.input.width / p) + (space.pool === 'cls' ? 1 : 0);
}

/** Hidden units of an MLP at `ratio` of `embedDim`. */
export function hiddenUnits(embedDim: number, ratio: number): number {
  return Math.round(embedDim * ratio);
}

/** MACs and params of one encoder layer of width `d` with `heads` heads and MLP `ratio`, on `t` tokens. */
export function layerCost(space: TransformerSpace, t: number, d: number, heads: number, ratio: number): TransformerCost {
  const a = heads * space.headDim;
  const hidden = hiddenUnits(d, ratio);
  const attentionWeights = 3 * d * a + a * d;
  const mlpWeights = 2 * d * hidden;
  return {
    macs: t * (attentionWeights + mlpWeights) + 2 * t * t * a,
    params: attentionWeights + 3 * a + d + mlpWeights + hidden + d + 4 * d,
  };
}

/** MACs and params of the SubTransformer `cfg` of `space`. */
export function transformerCost(space: TransformerSpace, cfg: TransformerConfig): TransformerCost {
  const { input, patchSize: p } = space;
  const d = cfg.embedDim;
  const patches = (input.height / p) * (input.width / p);
  const t = tokenCount(space);
  const patchIn = p * p * input.channels;
  let macs = patches * patchIn * d + d * input.classes;
  let params = patchIn * d + d + t * d + (space.pool === 'cls' ? d : 0) + 2 * d + d * input.classes + input.classes;
  for (let i = 0; i < cfg.depth; i++) {
    const layer = layerCost(space, t, d, cfg.heads[i], cfg.mlpRatios[i]);
    macs += layer.macs;
    params += layer.params;
  }
  return { macs, params };
}
