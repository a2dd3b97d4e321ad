/**
 * Offline cross-validation of a profile's latency model on its own measured subnets, with no
 * measuring: every subnet predicted by a model fitted without it (nested, grouped 5-fold, as
 * the fitter reports; fitProfile.ts), for the model of an older hwnas (formats 2-3: the
 * operator features; format 4: the runtime features) or this one (format 5: the structure
 * features, fitted robustly), and the agreement per precision group and per structural trait.
 * `npm run bench:latency-fit` prints it; a profile's own `crossValidated` figures are the same
 * computation over its float and quantized models.
 */
import { layersOf } from '../space/layers.js';
import { kFloatBits, type SubnetConfig } from '../space/types.js';
import type { LatencyProfile, LinearModel } from '../latency/latencyProfile.js';
import { kFeatureSets, type FeatureSet } from '../latency/latencyFeatures.js';
import { ProfileLatencyModel } from '../latency/ProfileLatencyModel.js';
import { nchwcBlockOf } from '../latency/runtimeFeatures.js';
import { mape, shareWithin, spearman } from '../util/stats.js';
import { chosenFit, nestedHeldOut } from './fitProfile.js';
import { kFitOptions, profileSamples } from './fittedProfile.js';
import { groupOf, type SubnetGroup } from './subnetSets.js';

export type { FeatureSet };

export interface HeldOutPrediction {
  config: SubnetConfig;
  group: SubnetGroup;
  ms: number;
  predicted: number;
  /** The measurement's relative precision, when the profile records it. */
  spread?: number;
}

export interface GroupAgreement {
  subnets: number;
  shareWithin10: number;
  /** Percent. */
  mape: number;
  spearman: number;
}

/** Held-out predictions of every measured subnet of `profile` by a model of `set`, fitted per precision model (float, quantized). */
export function crossValidateProfile(profile: LatencyProfile, set: FeatureSet): HeldOutPrediction[] {
  const samples = profileSamples(profile, set);
  const predicted = new Array<number>(samples.length);
  for (const quantized of [false, true]) {
    const at = samples.flatMap((s, i) => (s.quantized === quantized ? [i] : []));
    if (at.length === 0) continue;
    const held = nestedHeldOut(at.map((i) => samples[i].sample), kFitOptions[set]);
    at.forEach((i, k) => {
      predicted[i] = held[k];
    });
  }
  return profile.subnets.map((s, i) => ({
    config: s.config, group: groupOf(profile.space, s.config), ms: s.ms, predicted: predicted[i], ...(s.spread !== undefined ? { spread: s.spread } : {}),
  }));
}

/**
 * Predictions of `configs` (e.g. an evaluation's held-out subnets: evaluatedSubnets.ts) by a
 * model of `set` fitted on all of `profile`'s measured subnets, as `hwnas profile` fits it.
 */
export function predictByRefit(profile: LatencyProfile, set: FeatureSet, configs: readonly SubnetConfig[]): number[] {
  const samples = profileSamples(profile, set);
  const fit = (quantized: boolean): LinearModel => ({
    ...chosenFit(samples.filter((s) => s.quantized === quantized).map((s) => s.sample), kFitOptions[set]),
    crossValidated: { samples: 0, shareWithin10: 0, mape: 0 },
  });
  const layout = set === 'operators' ? {} : { layout: { nchwcBlock: nchwcBlockOf(profile.machine, profile.target) } };
  const model: LatencyProfile['model'] = { features: [...kFeatureSets[set]], ...layout, float: fit(false), ...(profile.bits ? { quantized: fit(true) } : {}) };
  return [...new ProfileLatencyModel({ ...profile, model }, (config) => layersOf(profile.space, config)).predict([...configs])];
}

export function agreementOf(rows: readonly HeldOutPrediction[]): GroupAgreement {
  const p = rows.map((r) => r.predicted);
  const a = rows.map((r) => r.ms);
  return { subnets: rows.length, shareWithin10: shareWithin(p, a, 10), mape: mape(p, a), spearman: rows.length >= 3 ? spearman(p, a) : NaN };
}

/** erf by Abramowitz and Stegun 7.1.26 (absolute error < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/**
 * The share within +-10% a perfect model could reach against these measurements if each were
 * off by a normal error of its recorded relative spread; null when the spreads are not
 * recorded. An upper bound set by the training data's own noise (spreads under-state drifts
 * between measurements, so the true bound is lower).
 */
export function noiseCeiling(rows: readonly HeldOutPrediction[]): number | null {
  if (rows.length === 0 || rows.some((r) => r.spread === undefined)) return null;
  const p = rows.map((r) => ((r.spread as number) > 0 ? erf(0.1 / (r.spread as number) / Math.SQRT2) : 1));
  return p.reduce((a, b) => a + b, 0) / p.length;
}

/** Structural traits to break the agreement down by: name -> the trait's value for a config. */
export function traitsOf(profile: LatencyProfile): Record<string, (config: SubnetConfig) => string> {
  const block = nchwcBlockOf(profile.machine, profile.target);
  return {
    'stem stride': (c) => String(c.stemStride ?? profile.space.stem.stride),
    families: (c) => [...new Set(c.families ?? ['mbconv'])].sort().join('+'),
    [`tensors under ${block} channels`]: (c) => (layersOf(profile.space, c).some((l) => l.kind !== 'fc' && l.outC < block) ? 'some' : 'none'),
    'QDQ boundaries': (c) => {
      let n = 0;
      let previous: boolean | undefined;
      for (const l of layersOf(profile.space, profile.bits ? c : { ...c, wBits: undefined, aBits: undefined })) {
        const q = l.aBits < kFloatBits;
        if (previous !== undefined && q !== previous) n++;
        previous = q;
      }
      return String(n);
    },
  };
}
