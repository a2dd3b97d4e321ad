/**
 * Plain-data types of the transformer spaces (HAT's SuperTransformer, as a ViT classifier).
 * A transformer space and its configs are JSON like the CNN ones, but a separate type: they
 * share the input and nothing else with `SearchSpace`, whose stages, blocks and bits have no
 * meaning here. `kind: 'vit'` tells them apart in files.
 */
import type { InputSpec } from '../types.js';

/** How the tokens become one vector for the classifier. */
export const kTokenPools = Object.freeze(['cls', 'mean'] as const);
/** 'cls': a learned class token is prepended and read out (ViT); 'mean': the mean of the patch tokens. */
export type TokenPool = (typeof kTokenPools)[number];

/**
 * A ViT-style SuperTransformer: non-overlapping `patchSize` x `patchSize` patches, a linear
 * patch embedding, learned position embeddings, `depth` pre-norm encoder layers
 * (LayerNorm -> multi-head self-attention -> residual, LayerNorm -> MLP with ReLU -> residual),
 * a final LayerNorm, the pooled token and a linear classifier.
 *
 * Elastic, with HAT's front-slice weight sharing: the embedding dim (every layer's width), the
 * depth (the first layers run), and per layer the heads (attention width heads x headDim) and
 * the MLP ratio (hidden units embedDim x ratio). Every choice list is ascending.
 */
export interface TransformerSpace {
  kind: 'vit';
  name: string;
  input: InputSpec;
  /** Side of the square patches; divides the input's height and width. */
  patchSize: number;
  embedDims: number[];
  depths: number[];
  /** Attention heads per layer. */
  heads: number[];
  /** Width of one head (fixed; the attention width of a layer is heads x headDim). */
  headDim: number;
  /** MLP hidden units per embedding unit, per layer; embedDim x ratio must be an integer. */
  mlpRatios: number[];
  pool: TokenPool;
}

/**
 * A SubTransformer: the embedding dim, the depth, and one entry per layer that runs (so both
 * arrays have `depth` entries; layers past the depth do not exist in the subnet).
 */
export interface TransformerConfig {
  kind: 'vit';
  embedDim: number;
  depth: number;
  heads: number[];
  mlpRatios: number[];
}

/** Whether a parsed JSON value claims to be a transformer space (or config): `kind: 'vit'`. */
export function isTransformerJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'vit';
}
