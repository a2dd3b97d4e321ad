/** What a SubTransformer latency model is: many configs in, one latency (ms) each out. No runtimes. */
import type { TransformerConfig } from '../../space/transformer/types.js';

/** The two kinds a transformer profile supports: the part table with its overhead fit, and HAT's MLP. */
export const kTransformerLatencyKinds = Object.freeze(['table', 'mlp'] as const);
export type TransformerLatencyKind = (typeof kTransformerLatencyKinds)[number];

export interface TransformerLatencyModel {
  /** e.g. 'ort-cpu:1'. */
  readonly target: string;
  readonly kind: TransformerLatencyKind;
  predict(configs: readonly TransformerConfig[]): Float64Array;
}
