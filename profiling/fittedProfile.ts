/**
 * A latency profile's model fitted on its measured subnets (one per precision group), each
 * subnet weighted by its spread; and `refitProfile`, which fits a stored profile's
 * measurements again with this version's model, without measuring. The model uses the
 * structure feature set (latencyFeatures.ts, runtimeFeatures.ts, structureFeatures.ts) with
 * the NCHWc layout of the CPU the profile was measured on, fitted robustly (fitProfile.ts).
 */
import { layersOf } from '../space/layers.js';
import { kProfileFormat, kProfileVersion, parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { featureSetOf, kFeatureSets, type FeatureSet } from '../latency/latencyFeatures.js';
import { nchwcBlockOf } from '../latency/runtimeFeatures.js';
import { configKey } from '../space/searchSpace.js';
import { configFeatures, runsQuantized } from '../latency/ProfileLatencyModel.js';
import { fitLatencyModel, kMinFitSamples, kTukey, type FitOptions, type FitSample } from './fitProfile.js';

/**
 * Relative model error assumed when weighting subnets by their spread: a subnet measured to
 * +-3% weighs half as much as an exact one.
 */
const kModelError = 0.03;

/** Weight of a measured subnet in the fit, from its relative spread. */
export function spreadWeight(spread: number | undefined): number {
  return spread === undefined ? 1 : 1 / (1 + (spread / kModelError) ** 2);
}

/** What a profile holds besides its fitted model. */
export type ProfileMeasurements = Omit<LatencyProfile, 'format' | 'version' | 'model'>;

/** A measured subnet as a fit sample, and which model (float or quantized) fits it. */
export interface ProfileSample {
  quantized: boolean;
  sample: FitSample;
}

/** The fit of each feature set: the structure set (this version's) robust with weights >= 0, the older ones as they were fitted. */
export const kFitOptions: Readonly<Record<FeatureSet, FitOptions>> = Object.freeze({ operators: {}, runtime: {}, structure: { robust: kTukey, nonNegative: true } });

type SampleSource = Pick<ProfileMeasurements, 'space' | 'table' | 'bits' | 'subnets' | 'machine' | 'target'>;

/**
 * The fit samples of a profile's measured subnets (in their order), with the features of `set`
 * (default: the operator features of formats 2-3; the runtime and structure sets with the
 * NCHWc layout of the profile's CPU); weighted by
 * spread; grouped by architecture, so that one architecture at several precisions stays in one
 * cross-validation fold.
 */
export function profileSamples(m: SampleSource, set: FeatureSet = 'operators'): ProfileSample[] {
  const table = new Map(Object.entries(m.table));
  const layout = { nchwcBlock: nchwcBlockOf(m.machine, m.target) };
  return m.subnets.map((s) => {
    const layers = layersOf(m.space, s.config);
    const { wBits: _w, aBits: _a, ...architecture } = s.config;
    return {
      quantized: runsQuantized(layers, m.bits),
      sample: { features: configFeatures(table, m.space, s.config, layers, m.bits, set, layout), ms: s.ms, weight: spreadWeight(s.spread), group: configKey(m.space, architecture) },
    };
  });
}

/** The profile of `m` with its latency model fitted (one per precision group). */
export function fittedProfile(m: ProfileMeasurements): LatencyProfile {
  const layout = { nchwcBlock: nchwcBlockOf(m.machine, m.target) };
  const samples = profileSamples(m, 'structure');
  const group = (quantized: boolean): FitSample[] => samples.filter((s) => s.quantized === quantized).map((s) => s.sample);
  const options = kFitOptions.structure;
  const model: LatencyProfile['model'] = { features: [...kFeatureSets.structure], layout, float: fitLatencyModel(group(false), 'float', options) };
  if (m.bits) model.quantized = fitLatencyModel(group(true), 'quantized', options);
  return { format: kProfileFormat, version: kProfileVersion, ...m, model };
}

/**
 * Re-fits the latency model of a profile file's stored measurements (any format version that
 * holds them) with this version's model, without measuring. `origin` names it in errors.
 */
export function refitProfile(data: unknown, origin: string): LatencyProfile {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (raw.format !== kProfileFormat) throw new Error(`${origin} is not a latency profile (format is not '${kProfileFormat}')`);
  if (raw.adapted !== undefined) {
    throw new Error(`${origin} was adapted from another profile with a few subnets, which cannot fit a model of their own: adapt its source again ('hwnas profile --adapt SOURCE'), or measure a full profile`);
  }
  const { format: _f, version: _v, model: _m, correction: _c, fit: _q, ...measurements } = raw;
  // Validate the measurements by validating a complete profile around them.
  const draft = fittedProfile(parseLatencyProfile({
    format: kProfileFormat, version: kProfileVersion, ...measurements,
    model: { features: [...kFeatureSets.structure], layout: { nchwcBlock: 1 }, float: kPlaceholderModel, ...(measurements.bits === true ? { quantized: kPlaceholderModel } : {}) },
  }, origin));
  return parseLatencyProfile(JSON.parse(JSON.stringify(draft)), origin);
}

const kPlaceholderModel = Object.freeze({
  weights: new Array<number>(kFeatureSets.structure.length).fill(0), ridge: 0, crossValidated: { samples: 0, shareWithin10: 0, mape: 0 },
});

/** Share of a profile's subnets its model puts within +-10% in (nested, grouped) cross-validation, over both groups. */
function crossValidatedShare(p: LatencyProfile): number {
  const groups = [p.model.float, ...(p.model.quantized ? [p.model.quantized] : [])].map((m) => m.crossValidated);
  const n = groups.reduce((a, g) => a + g.samples, 0);
  return n === 0 ? 0 : groups.reduce((a, g) => a + g.shareWithin10 * g.samples, 0) / n;
}

/** Whether a profile's model is this version's fit: the structure features, fitted as kFitOptions.structure says. */
export function hasCurrentModel(p: LatencyProfile): boolean {
  const { robust, nonNegative } = kFitOptions.structure;
  const m = p.model.float;
  return featureSetOf(p.model.features) === 'structure' && m.robust === robust && (m.nonNegative === true) === (nonNegative === true);
}

export interface AdaptableSource {
  profile: LatencyProfile;
  /** Set when an older model was re-fitted: the source's format version, the re-fit's cross-validated share within +-10%, and the time it took. */
  refit?: { version: number; crossValidated: number; seconds: number };
  /** Why an older model is adapted as it is (its measurements could not be re-fitted). */
  kept?: string;
}

/**
 * The source an adaptation scales (an adaptation cannot be better than the model it scales): a
 * profile whose model is an older version's is re-fitted on its stored measurements with this
 * version's model first - its features carry over to another processor (BENCHMARKS.md, issue
 * 15: from a format-2 profile, 95.5% of held-out subnets within +-10% against 89.9% scaling its
 * own model). When a precision group has too few stored subnets to fit, the older model is taken
 * as it is and `kept` says why. Adapted profiles are taken as they are.
 */
export function adaptableSource(source: LatencyProfile, origin: string): AdaptableSource {
  if (hasCurrentModel(source) || source.adapted !== undefined) return { profile: source };
  const quantized = source.bits ? source.subnets.filter((s) => runsQuantized(layersOf(source.space, s.config), source.bits)).length : 0;
  const counts = { float: source.subnets.length - quantized, ...(source.bits ? { quantized } : {}) };
  const short = Object.entries(counts).filter(([, n]) => n < kMinFitSamples);
  if (short.length > 0) {
    return { profile: source, kept: `its ${short.map(([g, n]) => `${n} ${g}`).join(' and ')} subnets are fewer than the ${kMinFitSamples} a re-fit with this version's model needs: adapting its own model` };
  }
  const t0 = Date.now();
  const refitted = refitProfile(JSON.parse(JSON.stringify(source)), origin);
  return { profile: refitted, refit: { version: source.version, crossValidated: crossValidatedShare(refitted), seconds: (Date.now() - t0) / 1000 } };
}

/** What adapting `from` did to its model first (adaptableSource), as one line; undefined when it took it as it was. */
export function sourceNote(from: string, s: AdaptableSource, subnets: number): string | undefined {
  if (s.kept !== undefined) return `${from}: ${s.kept}`;
  if (s.refit === undefined) return undefined;
  const older = s.refit.version < kProfileVersion ? `a format-${s.refit.version} model` : 'a model fitted before every weight was >= 0';
  return `${from} holds ${older}: re-fitted on its ${subnets} stored subnets with this version's model before adapting ` +
    `(${s.refit.seconds.toFixed(0)} s; 5-fold CV within +-10%: ${(100 * s.refit.crossValidated).toFixed(1)}%)`;
}
