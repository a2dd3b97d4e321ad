/**
 * The parameters a SubTransformer reads, in order, with their shapes: the one list that slicing
 * (supernet/transformer/extract.ts) and synthetic weights for timing (profiling/transformer)
 * both walk, so the two cannot disagree on a name or a shape.
 */
import { tokenCount } from './cost.js';
import type { TransformerSpace } from './types.js';

/** What a parameter is, which says how it is initialised. */
export type ParamRole = 'weight' | 'bias' | 'gamma' | 'beta' | 'token';

export interface ParamShape {
  /** As in the SuperTransformer: `layers.0.q.weight`. */
  name: string;
  /** `[rows, cols]` for a matrix, `[n]` for a vector. */
  shape: number[];
  role: ParamRole;
}

/** Per encoder layer: its heads and MLP hidden units. */
export interface LayerDims {
  heads: number;
  hidden: number;
}

/** The parameters of a SubTransformer of width `d` with `layers`, in the order the forward pass reads them. */
export function subTransformerParams(space: TransformerSpace, d: number, layers: readonly LayerDims[]): ParamShape[] {
  const out: ParamShape[] = [];
  const linear = (name: string, rows: number, cols: number) => {
    out.push({ name: `${name}.weight`, shape: [rows, cols], role: 'weight' }, { name: `${name}.bias`, shape: [cols], role: 'bias' });
  };
  const norm = (name: string) => {
    out.push({ name: `${name}.gamma`, shape: [d], role: 'gamma' }, { name: `${name}.beta`, shape: [d], role: 'beta' });
  };
  const p = space.patchSize;
  linear('patch', p * p * space.input.channels, d);
  if (space.pool === 'cls') out.push({ name: 'cls', shape: [d], role: 'token' });
  out.push({ name: 'pos', shape: [tokenCount(space), d], role: 'token' });
  layers.forEach(({ heads, hidden }, i) => {
    const a = heads * space.headDim;
    norm(`layers.${i}.ln1`);
    for (const part of ['q', 'k', 'v']) linear(`layers.${i}.${part}`, d, a);
    linear(`layers.${i}.proj`, a, d);
    norm(`layers.${i}.ln2`);
    linear(`layers.${i}.fc1`, d, hidden);
    linear(`layers.${i}.fc2`, hidden, d);
  });
  norm('norm');
  linear('classifier', d, space.input.classes);
  return out;
}
