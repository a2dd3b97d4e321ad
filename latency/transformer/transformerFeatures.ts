/**
 * HAT's architecture features of a SubTransformer, the input of its latency predictor (HAT,
 * Wang et al. 2020, section 3.3): the embedding dim, the depth, the averages of the per-layer
 * choices, and the per-layer choices themselves (0 past the depth), each divided by the space's
 * largest value so that every feature lies in [0, 1].
 */
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';

const maxOf = (xs: readonly number[]) => xs[xs.length - 1];

/** Feature names in order, for a space of at most `maxDepth` layers. */
export function transformerFeatureNames(space: TransformerSpace): string[] {
  const layers = Array.from({ length: maxOf(space.depths) }, (_, i) => i);
  return ['embedDim', 'depth', 'meanHeads', 'meanMlpRatio', ...layers.map((i) => `heads.${i}`), ...layers.map((i) => `mlpRatio.${i}`)];
}

/** The feature vector of `cfg` (transformerFeatureNames order). */
export function transformerFeatures(space: TransformerSpace, cfg: TransformerConfig): Float64Array {
  const maxDepth = maxOf(space.depths);
  const maxHeads = maxOf(space.heads);
  const maxRatio = maxOf(space.mlpRatios);
  const x = new Float64Array(4 + 2 * maxDepth);
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  x[0] = cfg.embedDim / maxOf(space.embedDims);
  x[1] = cfg.depth / maxDepth;
  x[2] = mean(cfg.heads) / maxHeads;
  x[3] = mean(cfg.mlpRatios) / maxRatio;
  for (let i = 0; i < cfg.depth; i++) {
    x[4 + i] = cfg.heads[i] / maxHeads;
    x[4 + maxDepth + i] = cfg.mlpRatios[i] / maxRatio;
  }
  return x;
}
