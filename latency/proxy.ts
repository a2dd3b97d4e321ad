/**
 * Proxy "latency" models: a cost count per config from its lowered operators. They are not
 * times (`kind: 'proxy'`); FLOPs-style proxies are known to rank real latency poorly
 * (nn-Meter: about 22% of models within +-10% when predicting from FLOPs).
 *
 * Units (per inference, batch 1):
 *   macs   - multiply-accumulates, millions (MMAC)
 *   params - weights, millions
 *   bitops - MACs x wBits x aBits, billions (GBitOPs, as in APQ/HAQ)
 *   bytes  - weight + activation bytes moved with no cache reuse, megabytes (1e6 bytes)
 */
import type { SubnetConfig } from '../space/types.js';
import { layerBitops, layerBytes } from '../space/layerCost.js';
import type { LowerFn, Target, TargetModel } from './target.js';
import type { LayerDesc } from '../space/layerDesc.js';

export type ProxyMetric = 'macs' | 'params' | 'bitops' | 'bytes';

interface ProxyDef {
  unit: string;
  scale: number;
  perLayer: (layer: LayerDesc) => number;
}

const kProxyDefs: Readonly<Record<ProxyMetric, ProxyDef>> = Object.freeze({
  macs: { unit: 'MMAC', scale: 1e6, perLayer: (l: LayerDesc) => l.macs },
  params: { unit: 'M params', scale: 1e6, perLayer: (l: LayerDesc) => l.params },
  bitops: { unit: 'GBitOPs', scale: 1e9, perLayer: layerBitops },
  bytes: { unit: 'MB', scale: 1e6, perLayer: layerBytes },
});

/** Unit of a proxy metric's values. */
export function proxyUnit(metric: ProxyMetric): string {
  return kProxyDefs[metric].unit;
}

/** A proxy metric of one lowered network, in the metric's unit. */
export function proxyValue(metric: ProxyMetric, layers: readonly LayerDesc[]): number {
  const def = kProxyDefs[metric];
  let sum = 0;
  for (const layer of layers) sum += def.perLayer(layer);
  return sum / def.scale;
}

export class ProxyModel implements TargetModel {
  readonly kind = 'proxy' as const;
  readonly unit: string;
  readonly target: string;

  constructor(
    readonly metric: ProxyMetric,
    private readonly lower: LowerFn,
  ) {
    this.unit = proxyUnit(metric);
    this.target = metric;
  }

  /** The metric per config, in `unit` (not milliseconds). */
  predict(configs: SubnetConfig[]): Float64Array {
    const out = new Float64Array(configs.length);
    for (let i = 0; i < configs.length; i++) out[i] = proxyValue(this.metric, this.lower(configs[i]));
    return out;
  }
}

/** A registry entry for a proxy metric. */
export function proxyTarget(metric: ProxyMetric, description: string): Target {
  return Object.freeze({
    name: metric,
    kind: 'proxy' as const,
    unit: proxyUnit(metric),
    description,
    async createModel(lower: LowerFn, options: { threads?: number } = {}): Promise<TargetModel> {
      if (options.threads !== undefined) {
        throw new RangeError(`target '${metric}' is a proxy and takes no thread count (got ${options.threads})`);
      }
      return new ProxyModel(metric, lower);
    },
  });
}
