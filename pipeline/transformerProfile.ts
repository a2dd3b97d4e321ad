/**
 * Transformer latency profiles as jobs: measure one on this device (the table and whole
 * SubTransformers, profiling/transformer/profileTransformer.ts), train HAT's MLP on the measured
 * SubTransformers, and write the profile atomically; evaluate both kinds on fresh held-out
 * SubTransformers measured now (same sampler, each beside the profile's reference, so their
 * times are put at the profile's speed), reporting for each kind the share within +-10%, MAPE
 * and Spearman - each kind having used the same number of measurements - beside the ceiling the
 * measurements set: a few held-out SubTransformers re-measured, each time in a fresh
 * onnxruntime session (measurementNoise.ts).
 */
import { existsSync, rmSync } from 'node:fs';
import { distinctTransformers, transformerConfigKey } from '../space/transformer/configs.js';
import type { TransformerConfig } from '../space/transformer/types.js';
import { parseTransformerProfile, type TransformerProfile } from '../latency/transformer/transformerProfile.js';
import { TransformerTableModel } from '../latency/transformer/TransformerTableModel.js';
import type { TransformerLatencyKind, TransformerLatencyModel } from '../latency/transformer/types.js';
import type { BenchRuntime } from '../profiling/benchRuntime.js';
import { checkSampler, kDefaultSampler, type SamplerSettings } from '../profiling/interleaved.js';
import { kDefaultEvaluateOptions } from '../profiling/evaluateProfile.js';
import { measurementNoise, type MeasurementNoise } from '../profiling/measurementNoise.js';
import { atTypicalSpeed } from '../profiling/measureSubnet.js';
import { measureSubTransformer, TransformerGraphCache, type TransformerTiming } from '../profiling/transformer/measureTransformer.js';
import { fitTableModel, measureTransformerProfile, type TransformerProfileOptions } from '../profiling/transformer/profileTransformer.js';
import { kMinFitSamples } from '../profiling/fitProfile.js';
import { journalPath } from '../profiling/profileDevice.js';
import { fitTransformerLatencyMlp, TransformerLatencyMlp } from '../predictors/TransformerLatencyMlp.js';
import type { MlpTrainOptions } from '../predictors/trainMlp.js';
import { transformerPartVariants } from '../latency/transformer/transformerParts.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { mape, median, shareWithin, spearman } from '../util/stats.js';

/** The latency model of `kind` from a transformer profile; `origin` names it in errors. */
export function transformerLatencyModel(profile: TransformerProfile, kind: TransformerLatencyKind, origin?: string): TransformerLatencyModel {
  return kind === 'table' ? new TransformerTableModel(profile, origin) : new TransformerLatencyMlp(profile);
}

export interface TransformerProfileJobOptions extends TransformerProfileOptions {
  force?: boolean;
  /** Training of HAT's MLP (default trainMlp's, 3 x 400 hidden). */
  mlp?: MlpTrainOptions;
}

/**
 * Measures, fits both kinds and writes a transformer profile to `out`; measurements are journaled
 * to `<out>.partial` as they complete (`resume` continues it) and the journal removed at the end.
 */
export async function profileTransformerDevice(
  runtime: BenchRuntime, space: TransformerProfile['space'], out: string, options: TransformerProfileJobOptions = {},
): Promise<{ profile: TransformerProfile; seconds: number }> {
  if (existsSync(out) && options.force !== true) throw new Error(`${out} already exists: choose another --out, or pass --force to replace it`);
  const t0 = Date.now();
  const journal = journalPath(out);
  const measured = await measureTransformerProfile(runtime, space, { ...options, journal });
  const mlp = await fitTransformerLatencyMlp(space, measured.subnets, options.mlp);
  const json = `${JSON.stringify({ ...measured, mlp })}\n`;
  const profile = parseTransformerProfile(JSON.parse(json), out);
  writeFileAtomic(out, json);
  rmSync(journal, { force: true });
  return { profile, seconds: (Date.now() - t0) / 1000 };
}

export interface KindAgreement {
  kind: TransformerLatencyKind;
  /** Measurements the kind was built from (table entries plus subnets, or subnets). */
  measurements: number;
  shareWithin10: number;
  /** Percent. */
  mape: number;
  spearman: number;
}

export interface TransformerEvaluation {
  subnets: number;
  medianMs: number;
  /** The reference now against its time in the profile (held-out times are divided by it). */
  referenceRatio: number;
  noisy: number;
  kinds: KindAgreement[];
  /** The held-out SubTransformers' times at the profile's speed (the first `noise.models` re-measured). */
  measured: Array<{ config: TransformerConfig; ms: number }>;
  /** Their re-measurement noise: what a perfect model could reach against one measurement. */
  noise: MeasurementNoise;
  seconds: number;
}

export interface TransformerEvaluateOptions {
  subnets?: number;
  seed?: number;
  /**
   * Also rebuild both kinds from the first N of the profile's measurements for each N (the
   * table's parts plus N - parts subnets; the MLP on N subnets) and score them on the same
   * held-out SubTransformers: the comparison at several equal measurement counts.
   */
  sizes?: number[];
  /**
   * Held-out SubTransformers re-measured for the noise ceiling, and measurements of each; each
   * measurement loads the SubTransformer anew (a fresh onnxruntime session on ort-cpu, a fresh
   * graph model on tfjs) and times it with the reference, as the others.
   */
  noiseModels?: number;
  noiseRepeats?: number;
  /** Training of the rebuilt MLPs (default trainMlp's, 3 x 400 hidden). */
  mlp?: MlpTrainOptions;
  sampler?: Partial<SamplerSettings>;
  onProgress?: (done: number, total: number) => void;
}

export const kDefaultTransformerEvaluateOptions = Object.freeze({
  subnets: 100, seed: 1001, noiseModels: kDefaultEvaluateOptions.noiseModels, noiseRepeats: kDefaultEvaluateOptions.noiseRepeats,
});

/** Both kinds of `profile` against fresh held-out SubTransformers measured on `runtime` now. */
export async function evaluateTransformerProfile(runtime: BenchRuntime, profile: TransformerProfile, options: TransformerEvaluateOptions = {}): Promise<TransformerEvaluation> {
  const o = { ...kDefaultTransformerEvaluateOptions, ...options };
  if (!Number.isInteger(o.subnets) || o.subnets < 2) throw new RangeError(`--subnets must be an integer >= 2 to rank held-out SubTransformers (got ${o.subnets})`);
  for (const name of ['noiseModels', 'noiseRepeats'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new RangeError(`options.${name} must be a positive integer (got ${o[name]})`);
  }
  if (runtime.target !== profile.target || runtime.threads !== profile.threads) {
    throw new Error(`the profile was measured on ${profile.target}:${profile.threads}, the runtime is ${runtime.target}:${runtime.threads}: evaluate it on its own target`);
  }
  const sampler: SamplerSettings = { ...kDefaultSampler, ...profile.measurement.sampler, ...options.sampler };
  checkSampler(sampler);
  const t0 = Date.now();
  const { space } = profile;
  const parts = transformerPartVariants(space).length;
  const sizes = o.sizes ?? [];
  for (const n of sizes) {
    const min = parts + kMinFitSamples;
    if (!Number.isInteger(n) || n < min || n > profile.subnets.length) {
      throw new RangeError(`--sizes ${n}: give sizes from ${min} (the table's ${parts} parts and ${kMinFitSamples} subnets for its overhead fit) to the profile's ${profile.subnets.length} measured SubTransformers`);
    }
  }
  const exclude = new Set([profile.reference.config, ...profile.subnets.map((s) => s.config)].map(transformerConfigKey));
  const configs = distinctTransformers(space, o.subnets, o.seed, exclude);
  const cache = new TransformerGraphCache(runtime);
  const noiseModels = Math.min(o.noiseModels, configs.length);
  const total = configs.length + noiseModels * (o.noiseRepeats - 1);
  let done = 0;
  const timings: TransformerTiming[] = [];
  const repeats: number[][] = [];
  const atProfileSpeed = (t: TransformerTiming) => atTypicalSpeed(t.ms, t.refMs, profile.reference.ms);
  try {
    const reference = cache.reference(space, profile.reference.config);
    for (const [i, cfg] of configs.entries()) {
      // measureSubTransformer loads the graph anew each call: every repeat is a fresh session.
      const timeOnce = async () => {
        const t = await measureSubTransformer(runtime, space, cfg, reference, sampler);
        o.onProgress?.(++done, total);
        return t;
      };
      const first = await timeOnce();
      timings.push(first);
      if (i < noiseModels) {
        const times = [atProfileSpeed(first)];
        for (let r = 1; r < o.noiseRepeats; r++) times.push(atProfileSpeed(await timeOnce()));
        repeats.push(times);
      }
    }
  } finally {
    await cache.release();
  }
  const nowRefMs = median(timings.map((t) => t.refMs));
  const actual = timings.map(atProfileSpeed);
  const agreement = (kind: TransformerLatencyKind, p: TransformerProfile): KindAgreement => {
    const predicted = transformerLatencyModel(p, kind).predict(configs);
    return {
      kind, measurements: kind === 'table' ? parts + p.tableModel.subnets : p.mlp.subnets,
      shareWithin10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual), spearman: spearman(predicted, actual),
    };
  };
  const kinds = [agreement('table', profile), agreement('mlp', profile)];
  for (const n of sizes) {
    const subnets = profile.subnets.slice(0, n);
    const smaller = { ...profile, subnets, tableModel: fitTableModel(space, profile.table, subnets.slice(0, n - parts)), mlp: await fitTransformerLatencyMlp(space, subnets, o.mlp) };
    kinds.push(agreement('table', smaller), agreement('mlp', smaller));
  }
  return {
    subnets: configs.length, medianMs: median(actual), referenceRatio: nowRefMs / profile.reference.ms, noisy: timings.filter((t) => t.noisy).length,
    kinds, measured: configs.map((config, i) => ({ config, ms: actual[i] })), noise: measurementNoise(repeats, o.noiseRepeats), seconds: (Date.now() - t0) / 1000,
  };
}
