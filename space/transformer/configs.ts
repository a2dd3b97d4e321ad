/**
 * The SubTransformers of a space: the largest and smallest, seeded uniform sampling (HAT
 * draws every choice independently), a key that names a config, and the exact count.
 */
import { Rng } from '../rng.js';
import type { TransformerConfig, TransformerSpace } from './types.js';

const first = <T>(items: readonly T[]): T => items[0];
const last = <T>(items: readonly T[]): T => items[items.length - 1];

function extreme(space: TransformerSpace, end: <T>(items: readonly T[]) => T): TransformerConfig {
  const depth = end(space.depths);
  return {
    kind: 'vit',
    embedDim: end(space.embedDims),
    depth,
    heads: new Array<number>(depth).fill(end(space.heads)),
    mlpRatios: new Array<number>(depth).fill(end(space.mlpRatios)),
  };
}

/** The largest SubTransformer: widest, deepest, most heads, largest MLP ratio in every layer. */
export function largestTransformer(space: TransformerSpace): TransformerConfig {
  return extreme(space, last);
}

/** The smallest SubTransformer: narrowest, shallowest, fewest heads, smallest MLP ratio. */
export function smallestTransformer(space: TransformerSpace): TransformerConfig {
  return extreme(space, first);
}

/**
 * A uniformly random SubTransformer, drawn in a fixed order (embedDim, depth, then heads and
 * MLP ratio layer by layer), so a seed always gives the same config.
 */
export function sampleTransformer(space: TransformerSpace, rng: Rng): TransformerConfig {
  const embedDim = rng.pick(space.embedDims);
  const depth = rng.pick(space.depths);
  const heads: number[] = [];
  const mlpRatios: number[] = [];
  for (let i = 0; i < depth; i++) {
    heads.push(rng.pick(space.heads));
    mlpRatios.push(rng.pick(space.mlpRatios));
  }
  return { kind: 'vit', embedDim, depth, heads, mlpRatios };
}

/** A short name of a config, equal for equal configs: `d96-L3-h4.2.4-r4.3.2`. */
export function transformerConfigKey(cfg: TransformerConfig): string {
  return `d${cfg.embedDim}-L${cfg.depth}-h${cfg.heads.join('.')}-r${cfg.mlpRatios.join('.')}`;
}

/** The exact number of SubTransformers: embedDims x sum over depths d of (heads x mlpRatios)^d. */
export function countTransformersExact(space: TransformerSpace): bigint {
  const perLayer = BigInt(space.heads.length * space.mlpRatios.length);
  let total = 0n;
  for (const d of space.depths) total += perLayer ** BigInt(d);
  return total * BigInt(space.embedDims.length);
}

/**
 * `n` distinct seeded SubTransformers, none of whose keys is in `exclude`, in draw order.
 * Throws when the space has too few (a bounded number of draws).
 */
export function distinctTransformers(space: TransformerSpace, n: number, seed: number, exclude: ReadonlySet<string> = new Set()): TransformerConfig[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`the number of SubTransformers must be a non-negative integer (got ${n})`);
  const rng = new Rng(seed);
  const seen = new Set(exclude);
  const out: TransformerConfig[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 100 * n + 1000) throw new RangeError(`space '${space.name}' has too few SubTransformers for ${n} distinct ones besides ${exclude.size} excluded: ask for fewer`);
    const cfg = sampleTransformer(space, rng);
    const key = transformerConfigKey(cfg);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cfg);
  }
  return out;
}
