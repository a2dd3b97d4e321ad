/**
 * Adapting a latency profile to another machine from a few whole-subnet measurements there
 * (`hwnas profile --adapt`), as HELP and LitePred transfer a predictor to a new device.
 *
 * The source profile's linear model (latencyFeatures.ts) splits a prediction into the
 * contributions of feature classes - per-inference overhead, the table sum, per-operator
 * counts, output elements, dense/depthwise/other MACs, activations, precision conversions. A
 * new CPU changes some of those more than others (VNNI speeds up int8 MACs, not conversions),
 * so the adapted model scales each class's contribution: a_k = s + d_k, with one common speed
 * ratio s fitted freely and per-class departures d_k pulled toward 0 by a ridge penalty. The
 * penalty is chosen by leave-one-out on the new measurements, from "s only" (a single speed
 * ratio: what a handful of samples supports) to nearly free per-class scales (what many do).
 * Fitted per precision group (float, quantized) on relative error, like the source model. Every
 * scale is >= 0 (non-negative least squares in the variables s and a_k, the penalty on a_k - s):
 * with a source fitted with weights >= 0 (fitProfile.ts), the adapted model's weights stay >= 0,
 * so it cannot predict a subnet faster for doing more work.
 *
 * The result is an ordinary profile (the source's table, the scaled weights, this machine's
 * fingerprint, the adaptation subnets) that ProfileLatencyModel uses unchanged. Which container
 * of int8 weights runs faster here is measured first, and the subnets are measured with it
 * (the one exports use): a container other than the source's is one more thing the scales adapt.
 */
import { layersOf } from '../space/layers.js';
import { configKey } from '../space/searchSpace.js';
import type { SubnetConfig } from '../space/types.js';
import { kLatencyFeatures, kStructureLatencyFeatures, linearLatency } from '../latency/latencyFeatures.js';
import { kProfileVersion, parseLatencyProfile, type LatencyProfile, type LinearModel } from '../latency/latencyProfile.js';
import { configFeatures, profileFeatureSet, runsQuantized } from '../latency/ProfileLatencyModel.js';
import { mape, median, shareWithin } from '../util/stats.js';
import { nonNegativeLeastSquares } from '../util/nnls.js';
import type { BenchRuntime } from './benchRuntime.js';
import type { FitQuality } from './fitProfile.js';
import { checkSampler, kDefaultSampler, type SamplerSettings } from './interleaved.js';
import { machineInfo } from './machine.js';
import { adaptableSource, spreadWeight, type AdaptableSource } from './fittedProfile.js';
import { atTypicalSpeed, measureSubnet, referenceConfig, subnetGraph } from './measureSubnet.js';
import { sampleSubnets, splitCount, subnetGroups } from './subnetSets.js';
import { compareInt8Containers, withContainer } from './int8Container.js';

/**
 * The feature class of a feature name (of any feature set): the scale the adaptation fits for
 * it. Block counts (structure set) are fixed per-operator costs like operator counts.
 */
export function featureClass(name: string): string {
  const [head, kind] = name.split(':');
  if (head === 'blocks') return 'ops';
  if (head.startsWith('mMacs')) {
    if (kind === 'pw' || kind === 'stem' || kind === 'fc' || kind === 'kxk' || kind === 'conv') return 'mMacs:dense';
    if (kind.startsWith('dw')) return 'mMacs:dw';
    return 'mMacs:other';
  }
  if (head === 'kConvert' || head === 'converts') return 'convert';
  if (head === 'kReorder' || head === 'reorders') return 'reorder';
  return head;
}

export const kFeatureClasses: readonly string[] = Object.freeze([...new Set(kStructureLatencyFeatures.map(featureClass))]);

/** Class index of each feature of a model's feature list. */
const classIndices = (features: readonly string[]): number[] => features.map((f) => kFeatureClasses.indexOf(featureClass(f)));

/** Penalties tried on the per-class departures (per sample); null: the common ratio only. */
export const kAdaptRidgeGrid: readonly (number | null)[] = Object.freeze([null, 10, 1, 0.1, 0.01, 0.001]);

export interface AdaptSample {
  config: SubnetConfig;
  ms: number;
  /** Weight in the fit (spreadWeight of its measurement); default 1. */
  weight?: number;
}

export interface GroupAdaptation {
  samples: number;
  /** null: one common speed ratio, no per-class departures. */
  ridge: number | null;
  /** Feature class -> scale of the source weights. */
  scales: Record<string, number>;
  leaveOneOut: FitQuality;
  /** The unadapted source model on the same samples. */
  source: FitQuality;
}

/** Per-class contributions of the source model to one config's prediction (kFeatureClasses order); `classes` from classIndices. */
function contributions(weights: readonly number[], x: Float64Array, classes: readonly number[]): Float64Array {
  const c = new Float64Array(kFeatureClasses.length);
  for (let j = 0; j < x.length; j++) c[classes[j]] += weights[j] * x[j];
  return c;
}

interface Row {
  c: Float64Array;
  ms: number;
  weight: number;
}

/** Scales a_k = s + d_k >= 0 of the rows' fit at `ridge` (see the file comment). */
export function fitScales(rows: readonly Row[], ridge: number | null): Float64Array {
  const k = kFeatureClasses.length;
  const design: number[][] = [];
  const y: number[] = [];
  // Variables [s, a_1 .. a_k]: a sample's prediction is sum_k a_k c_k (s alone without a ridge).
  for (const r of rows) {
    const w = Math.sqrt(r.weight);
    const rel = Array.from(r.c, (v) => (w * v) / r.ms);
    design.push(ridge === null ? [rel.reduce((a, b) => a + b, 0)] : [0, ...rel]);
    y.push(w);
  }
  if (ridge !== null) {
    // Pseudo-rows penalise the departures a_k - s only, not the common ratio s.
    const penalty = Math.sqrt(ridge * rows.length);
    for (let i = 0; i < k; i++) {
      const row = new Array<number>(k + 1).fill(0);
      row[0] = -penalty;
      row[i + 1] = penalty;
      design.push(row);
      y.push(0);
    }
  }
  const sol = nonNegativeLeastSquares(design, y);
  return Float64Array.from({ length: k }, (_, i) => (ridge === null ? sol[0] : sol[i + 1]));
}

const predictRow = (r: Row, a: Float64Array) => linearLatency(a, r.c);

function quality(predicted: number[], rows: readonly Row[]): FitQuality {
  const actual = rows.map((r) => r.ms);
  return { samples: rows.length, shareWithin10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual) };
}

/** Leave-one-out agreement of the fit at `ridge`. */
function leaveOneOut(rows: readonly Row[], ridge: number | null): FitQuality {
  const predicted = rows.map((r, i) => predictRow(r, fitScales(rows.filter((_, j) => j !== i), ridge)));
  return quality(predicted, rows);
}

/**
 * The adaptation of one precision group's model (weights of `features`, default
 * kLatencyFeatures) to `rows`; the common ratio only below 3 samples.
 */
export function adaptGroup(weights: readonly number[], rows: readonly Row[], features: readonly string[] = kLatencyFeatures): { weights: number[]; adaptation: GroupAdaptation } {
  const ones = new Float64Array(kFeatureClasses.length).fill(1);
  const source = quality(rows.map((r) => predictRow(r, ones)), rows);
  let best: { ridge: number | null; q: FitQuality } = { ridge: null, q: rows.length >= 2 ? leaveOneOut(rows, null) : source };
  if (rows.length >= 3) {
    for (const ridge of kAdaptRidgeGrid) {
      if (ridge === null) continue;
      const q = leaveOneOut(rows, ridge);
      if (q.shareWithin10 > best.q.shareWithin10 || (q.shareWithin10 === best.q.shareWithin10 && q.mape < best.q.mape)) best = { ridge, q };
    }
  }
  const a = fitScales(rows, best.ridge);
  const classes = classIndices(features);
  const scaled = weights.map((w, j) => w * a[classes[j]]);
  const scales = Object.fromEntries(kFeatureClasses.map((name, i) => [name, Number(a[i].toPrecision(6))]));
  return { weights: scaled, adaptation: { samples: rows.length, ridge: best.ridge, scales, leaveOneOut: best.q, source } };
}

export interface AdaptedModel {
  model: LatencyProfile['model'];
  groups: Record<string, GroupAdaptation>;
}

/**
 * The source profile's model adapted to `samples` measured on another machine. A precision
 * group without samples keeps the float group's common ratio (or 1 when there is none).
 * Throws when no sample is given.
 */
export function adaptModel(source: LatencyProfile, samples: readonly AdaptSample[]): AdaptedModel {
  if (samples.length === 0) throw new RangeError('adapting a profile needs at least one measured subnet');
  const table = new Map(Object.entries(source.table));
  const { features, layout } = source.model;
  const set = profileFeatureSet(source);
  const classes = classIndices(features);
  const rowsOf = (quantized: boolean, model: LinearModel): Row[] => samples.flatMap((s) => {
    const layers = layersOf(source.space, s.config);
    if (runsQuantized(layers, source.bits) !== quantized) return [];
    const x = configFeatures(table, source.space, s.config, layers, source.bits, set, layout);
    return [{ c: contributions(model.weights, x, classes), ms: s.ms, weight: s.weight ?? 1 }];
  });
  const groups: Record<string, GroupAdaptation> = {};
  const adaptOne = (name: 'float' | 'quantized', m: LinearModel, fallback: number): LinearModel => {
    const rows = rowsOf(name === 'quantized', m);
    if (rows.length === 0) return { ...m, weights: m.weights.map((w) => w * fallback) };
    const { weights, adaptation } = adaptGroup(m.weights, rows, features);
    groups[name] = adaptation;
    // The source fit's markers (robust, weights >= 0) stay true of the scaled weights (every scale is >= 0).
    return { ...m, weights, crossValidated: adaptation.leaveOneOut };
  };
  // The source's layout stays: its weights were fitted to features computed with it.
  const model: LatencyProfile['model'] = { features: [...features], ...(layout !== undefined ? { layout } : {}), float: source.model.float };
  const quantizedFirst = source.model.quantized !== undefined && rowsOf(false, source.model.float).length === 0;
  if (quantizedFirst) {
    model.quantized = adaptOne('quantized', source.model.quantized as LinearModel, 1);
    model.float = adaptOne('float', source.model.float, commonRatio(groups.quantized));
  } else {
    model.float = adaptOne('float', source.model.float, 1);
    if (source.model.quantized !== undefined) model.quantized = adaptOne('quantized', source.model.quantized, commonRatio(groups.float));
  }
  return { model, groups };
}

function commonRatio(g: GroupAdaptation | undefined): number {
  if (g === undefined) return 1;
  const values = Object.values(g.scales);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export interface AdaptOptions {
  /** Whole subnets to measure here, split over the precision groups. */
  samples?: number;
  /** Float subnets only (for a user who deploys no quantized model); default every group the profile has. */
  floatOnly?: boolean;
  seed?: number;
  sampler?: Partial<SamplerSettings>;
  /** Called before measuring with what was done to the source's model (adaptableSource). */
  onSource?: (source: AdaptableSource) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Defaults of `hwnas profile --adapt` and the demo. 50 subnets (about 10 s at one thread): across
 * a processor change, 20 put 91% of held-out subnets within +-10% but left the int8 group at
 * 61-91%; 50 put 95.5% (every group >= 94%) within +-10% (`npm run bench:latency-adapt`, BENCHMARKS.md).
 */
export const kDefaultAdaptOptions = Object.freeze({ samples: 50, seed: 4242 });

export interface AdaptRun {
  profile: LatencyProfile;
  /** Measuring and fitting here (a re-fit of the source's model before is not counted). */
  seconds: number;
}

/**
 * Measures `samples` random subnets (none of the source's own) on `runtime` and returns the
 * source profile adapted to this machine; a source whose model is an older version's is
 * re-fitted on its stored measurements first (adaptableSource, reported to `onSource`). `from`
 * names the source in the result and errors.
 */
export async function adaptProfile(runtime: BenchRuntime, given: LatencyProfile, from: string, options: AdaptOptions = {}): Promise<AdaptRun> {
  const o = { ...kDefaultAdaptOptions, ...options };
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new RangeError(`options.samples must be a positive integer (got ${o.samples})`);
  if (runtime.target !== given.target || runtime.threads !== given.threads) {
    throw new Error(`${from} is a profile of ${given.target}:${given.threads}, not of ${runtime.target}:${runtime.threads}`);
  }
  const sampler: SamplerSettings = { ...kDefaultSampler, ...options.sampler };
  checkSampler(sampler);
  const prepared = adaptableSource(given, from);
  options.onSource?.(prepared);
  const { profile: source, refit } = prepared;
  const t0 = Date.now();
  const { space } = source;
  const exclude = new Set(source.subnets.map((s) => configKey(space, s.config)));
  const groups = options.floatOnly === true ? subnetGroups(false) : subnetGroups(source.bits);
  const counts = splitCount(o.samples, groups.length);
  const configs = groups.flatMap((group, g) => sampleSubnets(space, group, counts[g], o.seed + 7919 * g, exclude).map((config) => ({ group, config })));
  const int8 = await compareInt8Containers(runtime, space, sampler);
  const measuring = int8 === null ? runtime : withContainer(runtime, int8.weightType);
  const refConfig = source.reference?.config ?? referenceConfig(space);
  const reference = subnetGraph(measuring, space, refConfig);
  const raw: Array<{ config: SubnetConfig; ms: number; refMs: number; spread: number }> = [];
  o.onProgress?.(0, configs.length);
  for (const { group, config } of configs) {
    const m = await measureSubnet(measuring, space, group, config, sampler, undefined, reference);
    raw.push({ config, ms: m.ms, refMs: m.refMs as number, spread: m.spread });
    o.onProgress?.(raw.length, configs.length);
  }
  // At this machine's typical speed over the run (the reference's median), as a profile is.
  const typicalRefMs = median(raw.map((m) => m.refMs));
  const measured = raw.map((m) => ({ ...m, ms: atTypicalSpeed(m.ms, m.refMs, typicalRefMs) }));
  const adapted = adaptModel(source, measured.map((m) => ({ config: m.config, ms: m.ms, weight: spreadWeight(m.spread) })));
  const round = (x: number) => Number(x.toPrecision(6));
  const seconds = (Date.now() - t0) / 1000;
  const { adapted: _previous, tableSpread: _spread, int8: _int8, measuredWeightType: _measured, reference: _reference, ...rest } = source;
  const profile = parseLatencyProfile(JSON.parse(JSON.stringify({
    ...rest,
    version: kProfileVersion,
    machine: machineInfo(runtime),
    measurement: { sampler, budgetSeconds: Math.max(1, Math.ceil(seconds)) },
    model: adapted.model,
    subnets: measured.map((m) => ({ config: m.config, ms: round(m.ms), spread: round(m.spread) })),
    adapted: { from, fromMachine: source.machine, samples: measured.length, groups: adapted.groups, ...(refit ? { sourceRefitFrom: refit.version } : {}) },
    reference: { config: refConfig, ms: round(typicalRefMs) },
    ...(int8 !== null ? { int8, measuredWeightType: int8.weightType } : {}),
  })), `the profile adapted from ${from}`);
  return { profile, seconds };
}
