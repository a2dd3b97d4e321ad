/**
 * The latency model of a measured target: a profile's lookup table plus its fitted linear model
 * (latencyFeatures.ts; format 4 adds the runtime features of runtimeFeatures.ts). Per config: lower it, add up its parts' table entries (latencyParts.ts),
 * build the feature vector and take its dot product with the weights of the config's precision
 * group (float, or quantized when the config has bits and the runtime executes them). Plain
 * data and arithmetic: this runs inside the search.
 */
import { largestConfig, smallestConfig } from '../space/searchSpace.js';
import { layersOf } from '../space/layers.js';
import type { SubnetConfig } from '../space/types.js';
import { linearLatency, modelFeatures } from './latencyFeatures.js';
import type { RuntimeLayout } from './runtimeFeatures.js';
import { latencyParts } from './latencyParts.js';
import type { LatencyProfile, LinearModel } from './latencyProfile.js';
import type { LowerFn, TargetModel } from './target.js';
import type { LayerDesc } from '../space/layerDesc.js';

/**
 * The sum of the table entries of a lowered network's parts, ms. `bits`: keys carry precision
 * (see latencyParts). Throws naming a part the table lacks.
 */
export function tableSum(table: ReadonlyMap<string, number>, layers: readonly LayerDesc[], bits: boolean, origin = 'the latency profile'): number {
  let sum = 0;
  for (const part of latencyParts(layers, { bits })) {
    const ms = table.get(part.key);
    if (ms === undefined) {
      throw new Error(`${origin} has no entry for part '${part.key}': measure this space with 'hwnas profile' (--resume completes a partial run)`);
    }
    sum += ms;
  }
  return sum;
}

/**
 * The model's feature vector of a lowered network (see latencyFeatures.ts): the runtime feature
 * set with `layout` (format 4 models), kLatencyFeatures without.
 */
export function profileFeatures(table: ReadonlyMap<string, number>, layers: readonly LayerDesc[], bits: boolean, origin?: string, layout?: RuntimeLayout): Float64Array {
  return modelFeatures(layers, bits, tableSum(table, layers, bits, origin), layout);
}

/** Whether a lowered network runs any quantized operator on a runtime (`bits`: it executes bits). */
export function runsQuantized(layers: readonly LayerDesc[], bits: boolean): boolean {
  return bits && layers.some((l) => l.wBits < 32 || l.aBits < 32);
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

  /** Predicted median latency of each config, ms. */
  predict(configs: SubnetConfig[]): Float64Array {
    const out = new Float64Array(configs.length);
    const { float, quantized, layout } = this.profile.model;
    for (let i = 0; i < configs.length; i++) {
      const layers = this.lower(configs[i]);
      const model = runsQuantized(layers, this.profile.bits) ? (quantized as LinearModel) : float;
      out[i] = linearLatency(model.weights, profileFeatures(this.table, layers, this.profile.bits, this.origin, layout));
    }
    return out;
  }
}
