/**
 * The parts a transformer latency profile times one by one, read off a SubTransformer config:
 * the patch embedding, each encoder layer's attention half and MLP half at their own dims, and
 * the head (final LayerNorm, pooling, classifier) - each with the key of its table entry:
 *
 *   embed:28x28x1:p7:d96:mean        images -> tokens (patches, linear, position embeddings)
 *   attn:t16:d96:h4x32               LayerNorm, Q/K/V, attention, projection, residual
 *   mlp:t16:d96:m288                 LayerNorm, linear to m hidden units, ReLU, linear, residual
 *   head:t16:d96:c10:mean            LayerNorm, pooled token, classifier
 *
 * A key names everything its graph depends on, so equal keys are equal graphs: layers of one
 * SubTransformer with the same heads (or MLP width) share an entry. Plain data and string
 * building only: it runs inside the search.
 */
import { hiddenUnits, tokenCount } from '../../space/transformer/cost.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';

export type TransformerPartKind = 'embed' | 'attn' | 'mlp' | 'head';

export interface TransformerPart {
  kind: TransformerPartKind;
  key: string;
  /** The dims the part's graph is built at. */
  embedDim: number;
  /** Attention heads (attn parts), hidden units (mlp parts); 0 otherwise. */
  heads: number;
  hidden: number;
}

function part(space: TransformerSpace, kind: TransformerPartKind, d: number, heads = 0, hidden = 0): TransformerPart {
  const t = tokenCount(space);
  const { height, width, channels, classes } = space.input;
  const key = {
    embed: `embed:${height}x${width}x${channels}:p${space.patchSize}:d${d}:${space.pool}`,
    attn: `attn:t${t}:d${d}:h${heads}x${space.headDim}`,
    mlp: `mlp:t${t}:d${d}:m${hidden}`,
    head: `head:t${t}:d${d}:c${classes}:${space.pool}`,
  }[kind];
  return { kind, key, embedDim: d, heads, hidden };
}

/** The parts of SubTransformer `cfg`, in execution order. */
export function transformerParts(space: TransformerSpace, cfg: TransformerConfig): TransformerPart[] {
  const d = cfg.embedDim;
  const parts = [part(space, 'embed', d)];
  for (let i = 0; i < cfg.depth; i++) {
    parts.push(part(space, 'attn', d, cfg.heads[i]));
    parts.push(part(space, 'mlp', d, 0, hiddenUnits(d, cfg.mlpRatios[i])));
  }
  parts.push(part(space, 'head', d));
  return parts;
}

/** Every distinct part of the space's SubTransformers: what a profile's table holds. */
export function transformerPartVariants(space: TransformerSpace): TransformerPart[] {
  const byKey = new Map<string, TransformerPart>();
  const add = (p: TransformerPart) => byKey.set(p.key, p);
  for (const d of space.embedDims) {
    add(part(space, 'embed', d));
    for (const h of space.heads) add(part(space, 'attn', d, h));
    for (const r of space.mlpRatios) add(part(space, 'mlp', d, 0, hiddenUnits(d, r)));
    add(part(space, 'head', d));
  }
  return [...byKey.values()];
}

/** The sum of the table entries of `cfg`'s parts, ms. Throws naming a part the table lacks. */
export function transformerTableSum(table: ReadonlyMap<string, number>, space: TransformerSpace, cfg: TransformerConfig, origin = 'the latency profile'): number {
  let sum = 0;
  for (const p of transformerParts(space, cfg)) {
    const ms = table.get(p.key);
    if (ms === undefined) {
      throw new Error(`${origin} has no entry for part '${p.key}': it was measured for another space; measure this one with 'hwnas profile --space ${space.name} --target TARGET --out FILE'`);
    }
    sum += ms;
  }
  return sum;
}

/**
 * The features the table kind's overhead model is linear in (fitted like the CNN profile's,
 * profiling/fitProfile.ts): a per-inference intercept, the table sum, and the layer count (the
 * glue between parts that timing them one by one does not see).
 */
export const kTransformerTableFeatures: readonly string[] = Object.freeze(['intercept', 'table', 'layers']);

export function transformerTableFeatures(tableMs: number, cfg: TransformerConfig): Float64Array {
  return Float64Array.of(1, tableMs, cfg.depth);
}
