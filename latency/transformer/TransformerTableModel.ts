/**
 * The table kind of transformer latency model: a config's parts' table entries added up
 * (transformerParts.ts), then the profile's overhead model (linear in kTransformerTableFeatures)
 * - the CNN profile's method on SubTransformers. Plain data and arithmetic: it runs in the search.
 */
import { linearLatency } from '../latencyFeatures.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { transformerTableFeatures, transformerTableSum } from './transformerParts.js';
import type { TransformerProfile } from './transformerProfile.js';
import type { TransformerLatencyModel } from './types.js';

export class TransformerTableModel implements TransformerLatencyModel {
  readonly kind = 'table' as const;
  readonly target: string;
  private readonly table: Map<string, number>;

  constructor(private readonly profile: Pick<TransformerProfile, 'target' | 'threads' | 'space' | 'table' | 'tableModel'>, private readonly origin = 'the latency profile') {
    this.target = `${profile.target}:${profile.threads}`;
    this.table = new Map(Object.entries(profile.table));
  }

  /** The table sum of each config, ms, before the overhead model. */
  tableSums(configs: readonly TransformerConfig[]): Float64Array {
    return Float64Array.from(configs, (cfg) => transformerTableSum(this.table, this.profile.space, cfg, this.origin));
  }

  predict(configs: readonly TransformerConfig[]): Float64Array {
    const sums = this.tableSums(configs);
    return Float64Array.from(configs, (cfg, i) => linearLatency(this.profile.tableModel.weights, transformerTableFeatures(sums[i], cfg)));
  }
}
