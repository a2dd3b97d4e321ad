/**
 * The latency model of a measured target: a profile's lookup table plus its fitted linear model
 * (latencyFeatures.ts; format 4 adds the runtime features of runtimeFeatures.ts, format 5 the
 * structure features of structureFeatures.ts). Per config: lower it, add up its parts' table
 * entries (latencyParts.ts), build the feature vector of the model's set and take its dot
 * product with the weights of the config's precision group (float, or quantized when the
 * config has bits and the runtime executes them). Plain data and arithmetic: this runs inside
 * the search.
 */
import { largestConfig, smallestConfig } from '../space/searchSpace.js';
import { layersOf } from '../space/layers.js';
import type { BlockFamily, SearchSpace, SubnetConfig } from '../space/types.js';
import { featureSetOf, linearLatency, modelFeatures, type FeatureSet } from './latencyFeatures.js';
import type { RuntimeLayout } from './runtimeFeatures.js';
import { blockFamilies } from './structureFeatures.js';
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
 * set with `layout` (format 4 models), kLatencyFeatures without; the structure set (format 5)
 * with `layout` and the family of every block (blockFamilies).
 */
export function profileFeatures(
  table: ReadonlyMap<string, number>, layers: readonly LayerDesc[], bits: boolean, origin?: string, layout?: RuntimeLayout, families?: readonly BlockFamily[],
): Float64Array {
  return modelFeatures(layers, bits, tableSum(table, layers, bits, origin), layout, families);
}

/**
 * The feature vector of `config` (lowered to `layers` as `space` lowers it) for a model of
 * feature set `set`: what the fitter and the predictor both compute.
 */
export function configFeatures(
  table: ReadonlyMap<string, number>, space: SearchSpace, config: SubnetConfig, layers: readonly LayerDesc[], bits: boolean, set: FeatureSet, layout?: RuntimeLayout, origin?: string,
): Float64Array {
  if (set !== 'operators' && layout === undefined) throw new Error(`internal: a model of the ${set} features needs its layout`);
  return profileFeatures(table, layers, bits, origin, set === 'operators' ? undefined : layout, set === 'structure' ? blockFamilies(space, config) : undefined);
}

/** The feature set of a validated profile's model. */
export function profileFeatureSet(profile: Pick<LatencyProfile, 'model'>): FeatureSet {
  const set = featureSetOf(profile.model.features);
  if (set === undefined) throw new Error('internal: a validated profile has a model of unknown features');
  return set;
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
  private readonly set: FeatureSet;

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
    this.set = profileFeatureSet(profile);
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
      const x = configFeatures(this.table, this.profile.space, configs[i], layers, this.profile.bits, this.set, layout, this.origin);
      out[i] = linearLatency(model.weights, x);
    }
    return out;
  }
}
