/**
 * The genome of a SubTransformer as HAT's evolutionary search varies it: the embedding dim, the
 * depth, and per layer the heads and the MLP ratio. Mutation redraws each gene with a
 * probability (a layer the parent did not have is drawn fresh); uniform crossover takes each
 * gene from either parent (a layer only one parent has comes from that one). Configs stay
 * plain JSON; all randomness comes from the caller's Rng, so a seed fixes the search.
 */
import type { Rng } from '../space/rng.js';
import { sampleTransformer, smallestTransformer } from '../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';

/** A uniformly random SubTransformer (HAT draws every gene independently). */
export function sampleTransformerGenome(space: TransformerSpace, rng: Rng): TransformerConfig {
  return sampleTransformer(space, rng);
}

/** A child of `parent`: each gene redrawn with `probability`; layers beyond the parent's depth drawn fresh. */
export function mutateTransformer(space: TransformerSpace, parent: TransformerConfig, rng: Rng, probability: number): TransformerConfig {
  const embedDim = rng.next() < probability ? rng.pick(space.embedDims) : parent.embedDim;
  const depth = rng.next() < probability ? rng.pick(space.depths) : parent.depth;
  const heads: number[] = [];
  const mlpRatios: number[] = [];
  for (let i = 0; i < depth; i++) {
    const fresh = i >= parent.depth;
    heads.push(fresh || rng.next() < probability ? rng.pick(space.heads) : parent.heads[i]);
    mlpRatios.push(fresh || rng.next() < probability ? rng.pick(space.mlpRatios) : parent.mlpRatios[i]);
  }
  return { kind: 'vit', embedDim, depth, heads, mlpRatios };
}

/** Uniform crossover of `a` and `b`: each gene from either; a layer only one parent has comes from that parent. */
export function crossoverTransformer(a: TransformerConfig, b: TransformerConfig, rng: Rng): TransformerConfig {
  const either = <T>(x: T, y: T): T => (rng.next() < 0.5 ? x : y);
  const embedDim = either(a.embedDim, b.embedDim);
  const depth = either(a.depth, b.depth);
  const heads: number[] = [];
  const mlpRatios: number[] = [];
  for (let i = 0; i < depth; i++) {
    const source = i < a.depth && i < b.depth ? either(a, b) : i < a.depth ? a : b;
    heads.push(source.heads[i]);
    mlpRatios.push(source.mlpRatios[i]);
  }
  return { kind: 'vit', embedDim, depth, heads, mlpRatios };
}

/** Seeds of the min-latency search: the smallest SubTransformer. */
export function fastTransformerSeeds(space: TransformerSpace): TransformerConfig[] {
  return [smallestTransformer(space)];
}
