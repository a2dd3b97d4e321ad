/**
 * The latency model of a measured target: a profile's lookup table plus its fitted correction.
 * Per config: split the lowered network into parts (latencyParts.ts), add up their table
 * entries, then
 *   latency = intercept + scale x sum + perBlock x blocks + perKiloElement x boundary elements / 1000
 * with the coefficients of the config's precision (float, or quantized when the config has bits
 * and the runtime executes them). Plain data and arithmetic: this runs inside the search.
 */
import { largestConfig, smallestConfig } from '../supernet/space/searchSpace.js';
import { layersOf } from '../supernet/space/layers.js';
import type { SubnetConfig } from '../supernet/types.js';
import { latencyParts } from './latencyParts.js';
import type { Coefficients, LatencyProfile } from './latencyProfile.js';
import type { LowerFn, TargetModel } from './target.js';
import type { LayerDesc } from './types.js';

/** What the correction reads of one config. */
export interface TableSum {
  /** Sum of the parts' table entries, ms. */
  sum: number;
  blocks: number;
  /** Thousands of elements of the tensors passed between parts (block and head inputs). */
  boundaryKElements: number;
  /** Whether the config runs quantized (it has bits and the runtime executes them). */
  quantized: boolean;
}

/** The corrected latency of a table sum. */
export function correctedLatency(c: Coefficients, s: TableSum): number {
  return c.intercept + c.scale * s.sum + c.perBlock * s.blocks + c.perKiloElement * s.boundaryKElements;
}

/**
 * The table sum of a lowered network. `quantized`: the config has bits the runtime executes;
 * `bits`: keys carry precision (see latencyParts). Throws naming a part the table lacks.
 */
export function tableSum(
  table: ReadonlyMap<string, number>, layers: readonly LayerDesc[], quantized: boolean, bits: boolean, origin = 'the latency profile',
): TableSum {
  const parts = latencyParts(layers, { bits });
  let sum = 0;
  let boundary = 0;
  for (const part of parts) {
    if (part.kind !== 'stem') boundary += part.inputElements;
    const ms = table.get(part.key);
    if (ms === undefined) {
      throw new Error(`${origin} has no entry for part '${part.key}': measure this space with 'hwnas profile' (--resume completes a partial run)`);
    }
    sum += ms;
  }
  return { sum, blocks: parts.length - 2, boundaryKElements: boundary / 1000, quantized };
}

function sameLowering(a: readonly LayerDesc[], b: readonly LayerDesc[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class ProfileLatencyModel implements TargetModel {
  readonly kind = 'measured' as const;
  readonly unit = 'ms';
  readonly target: string;
  private readonly table: Map<string, number>;

  /**
   * `lower` must lower configs as the profile's space does (checked on the space's largest and
   * smallest configs, float and quantized); `origin` names the profile in errors.
   */
  constructor(
    readonly profile: LatencyProfile,
    private readonly lower: LowerFn,
    private readonly origin = 'the latency profile',
  ) {
    this.target = `${profile.target}:${profile.threads}`;
    this.table = new Map(Object.entries(profile.table));
    const space = profile.space;
    for (const quant of ['fp32', 'mixed'] as const) {
      for (const cfg of [largestConfig(space, { quant }), smallestConfig(space, { quant })]) {
        let ours: LayerDesc[] | undefined;
        try {
          ours = lower(cfg);
        } catch {
          ours = undefined;
        }
        if (ours === undefined || !sameLowering(ours, layersOf(space, cfg))) {
          throw new Error(
            `${origin} was measured for search space '${space.name}', which the search does not use: ` +
              `measure a profile of this space with 'hwnas profile --target ${this.target} --space FILE --out PATH'`,
          );
        }
      }
    }
  }

  /** The table sum of one config; throws naming a part the table lacks. */
  tableSum(config: SubnetConfig): TableSum {
    return tableSum(this.table, this.lower(config), this.profile.bits && config.wBits !== undefined, this.profile.bits, this.origin);
  }

  /** Predicted median latency of each config, ms. */
  predict(configs: SubnetConfig[]): Float64Array {
    const out = new Float64Array(configs.length);
    const { float, quantized } = this.profile.correction;
    for (let i = 0; i < configs.length; i++) {
      const s = this.tableSum(configs[i]);
      out[i] = correctedLatency(s.quantized ? (quantized as Coefficients) : float, s);
    }
    return out;
  }
}
