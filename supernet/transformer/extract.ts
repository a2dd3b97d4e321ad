/**
 * A SubTransformer's own weights, sliced out of the SuperTransformer as plain arrays: what an
 * exported model holds. Names as in the SuperTransformer (`layers.0.q.weight`), shapes those of
 * the SubTransformer (`[embedDim, heads x headDim]`).
 */
import { tf } from '../backend/tf.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { hiddenUnits, tokenCount } from '../../space/transformer/cost.js';
import type { SuperTransformer } from './SuperTransformer.js';

export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

export type SubTransformerWeights = Record<string, WeightArray>;

/** Every weight SubTransformer `cfg` reads, sliced to its shape. */
export function subTransformerWeights(net: SuperTransformer, cfg: TransformerConfig): SubTransformerWeights {
  const { space } = net;
  const d = cfg.embedDim;
  const p = space.patchSize;
  const out: SubTransformerWeights = {};
  const matrix = (name: string, rows: number, cols: number) => {
    out[name] = { shape: [rows, cols], data: tf.tidy(() => net.matrix(name, rows, cols).dataSync() as Float32Array).slice() };
  };
  const vector = (name: string, n: number) => {
    out[name] = { shape: [n], data: tf.tidy(() => net.vector(name, n).dataSync() as Float32Array).slice() };
  };
  const linear = (name: string, rows: number, cols: number) => {
    matrix(`${name}.weight`, rows, cols);
    vector(`${name}.bias`, cols);
  };
  const norm = (name: string) => {
    vector(`${name}.gamma`, d);
    vector(`${name}.beta`, d);
  };
  linear('patch', p * p * space.input.channels, d);
  if (space.pool === 'cls') vector('cls', d);
  matrix('pos', tokenCount(space), d);
  for (let i = 0; i < cfg.depth; i++) {
    const a = cfg.heads[i] * space.headDim;
    const hidden = hiddenUnits(d, cfg.mlpRatios[i]);
    norm(`layers.${i}.ln1`);
    for (const part of ['q', 'k', 'v']) linear(`layers.${i}.${part}`, d, a);
    linear(`layers.${i}.proj`, a, d);
    norm(`layers.${i}.ln2`);
    linear(`layers.${i}.fc1`, d, hidden);
    linear(`layers.${i}.fc2`, hidden, d);
  }
  norm('norm');
  linear('classifier', d, space.input.classes);
  return out;
}
