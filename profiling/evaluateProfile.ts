/**
 * Held-out evaluation of a latency profile (`hwnas profile --evaluate`): fresh random subnets,
 * none of them in the profile's training set, measured now on this machine, per precision
 * group, timed with the profiling sampler (interleaved.ts). For each group: share of predictions within +-10% of the measured median, MAPE and
 * Spearman rank correlation, next to a MACs-only predictor (latency = a + b x MACs, fitted on
 * the profile's training subnets of the same precision) and the measurement noise floor (a few
 * subnets re-measured several times: the coefficient of variation of their medians, and how
 * often a re-measurement lands within +-10% of the subnet's mean - what a perfect predictor of
 * one measurement could reach; measurementNoise.ts, shared with transformer profiles).
 * Quantized subnets run with the container of int8 weights the profile was measured with (the
 * one exports use). Each held-out subnet is reported too (its key and config, MACs, predicted
 * and measured time), so that `--json` output can score other models offline
 * (evaluatedSubnets.ts).
 */
import { configKey } from '../space/searchSpace.js';
import { layersOf, macs } from '../space/layers.js';
import type { SubnetConfig } from '../space/types.js';
import { measuredWeightType, type LatencyProfile } from '../latency/latencyProfile.js';
import { ProfileLatencyModel } from '../latency/ProfileLatencyModel.js';
import { leastSquares, mape, median, shareWithin, spearman } from '../util/stats.js';
import type { BenchRuntime } from './benchRuntime.js';
import { withContainer } from './int8Container.js';
import { machineDifferences, machineInfo, type MachineInfo } from './machine.js';
import { atTypicalSpeed, measureSubnet, subnetGraph } from './measureSubnet.js';
import { checkSampler, kDefaultSampler, type SamplerSettings } from './interleaved.js';
import { measurementNoise, type MeasurementNoise } from './measurementNoise.js';
import { sampleSubnets, subnetGroups, type SubnetGroup } from './subnetSets.js';

export interface EvaluateOptions {
  /** Held-out subnets per precision group. */
  subnets?: number;
  seed?: number;
  /** Subnets per group re-measured for the noise floor, and measurements of each. */
  noiseModels?: number;
  noiseRepeats?: number;
  sampler?: Partial<SamplerSettings>;
  onProgress?: (done: number, total: number) => void;
}

export const kDefaultEvaluateOptions = Object.freeze({ subnets: 100, seed: 1001, noiseModels: 5, noiseRepeats: 5 });

export interface Agreement {
  shareWithin10: number;
  /** Percent. */
  mape: number;
  spearman: number;
}

/** One held-out subnet: its first measurement (the noise re-measurements are in `noise`). */
export interface HeldOutSubnet {
  /** configKey of its config. */
  key: string;
  config: SubnetConfig;
  macs: number;
  predictedMs: number;
  /** At the profile's speed (see referenceRatio), as the agreement compares it. */
  measuredMs: number;
  /** The reference subnet in the same rounds, ms as measured (absent for a profile without one). */
  refMs?: number;
  noisy: boolean;
}

export interface GroupEvaluation {
  group: SubnetGroup;
  /** Subnets measured; of those, how many stayed noisy after their bounded rounds (kept). */
  subnets: number;
  noisy: number;
  medianMs: number;
  profile: Agreement;
  macsOnly: Agreement;
  noise: MeasurementNoise;
  /** Every held-out subnet, in the order measured. */
  rows: HeldOutSubnet[];
}

export interface ProfileEvaluation {
  target: string;
  /** The container of quantized weights the subnets ran with: the one the profile was measured with (null: the runtime has no choice). */
  weightType: 'uint8' | 'int8' | null;
  machine: MachineInfo;
  /** How this machine differs from the profile's (empty: the same). */
  machineDifferences: string[];
  /**
   * The profile's reference subnet now / in the profile (median): the machine's speed against
   * the profile's. Held-out times are put at the profile's speed with it, so the agreement
   * judges the model, not the machine's load. null for a profile without a reference.
   */
  referenceRatio: number | null;
  groups: GroupEvaluation[];
  seconds: number;
}

function agreement(predicted: ArrayLike<number>, actual: ArrayLike<number>): Agreement {
  return {
    shareWithin10: shareWithin(predicted, actual, 10),
    mape: mape(predicted, actual),
    spearman: actual.length >= 2 ? spearman(predicted, actual) : NaN,
  };
}

/** latency = a + b x MMACs on the training subnets of one precision, relative-error weighted. */
function macsPredictor(profile: LatencyProfile, quantized: boolean): (cfg: SubnetConfig) => number {
  const mmacs = (cfg: SubnetConfig) => macs(profile.space, cfg) / 1e6;
  const train = profile.subnets.filter((s) => (profile.bits && s.config.wBits !== undefined) === quantized);
  if (train.length < 2) throw new Error(`the profile holds ${train.length} ${quantized ? 'quantized' : 'float'} training subnets: too few for the MACs baseline`);
  const [a, b] = leastSquares(train.map((s) => [1 / s.ms, mmacs(s.config) / s.ms]), train.map(() => 1));
  return (cfg) => a + b * mmacs(cfg);
}

export async function evaluateProfile(runtime: BenchRuntime, profile: LatencyProfile, options: EvaluateOptions = {}): Promise<ProfileEvaluation> {
  const o = { ...kDefaultEvaluateOptions, ...options };
  for (const name of ['subnets', 'noiseModels', 'noiseRepeats'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new RangeError(`options.${name} must be a positive integer (got ${o[name]})`);
  }
  if (runtime.target !== profile.target || runtime.threads !== profile.threads) {
    throw new Error(`the profile is of ${profile.target}:${profile.threads} but the runtime is ${runtime.target}:${runtime.threads}`);
  }
  const sampler: SamplerSettings = { ...kDefaultSampler, ...options.sampler };
  checkSampler(sampler);
  const t0 = Date.now();
  const { space } = profile;
  const weightType = runtime.withWeightType !== undefined && profile.bits ? measuredWeightType(profile) : null;
  const measuring = weightType === null ? runtime : withContainer(runtime, weightType);
  const model = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg));
  const training = new Set(profile.subnets.map((s) => configKey(space, s.config)));
  const groups = subnetGroups(profile.bits);
  const noiseModels = Math.min(o.noiseModels, o.subnets);
  const total = groups.length * (o.subnets + noiseModels * (o.noiseRepeats - 1));
  let done = 0;
  const tick = () => o.onProgress?.(++done, total);
  o.onProgress?.(0, total);
  const out: GroupEvaluation[] = [];
  const reference = profile.reference ? subnetGraph(measuring, space, profile.reference.config) : undefined;
  const refTimes: number[] = [];
  const timeAt = async (group: SubnetGroup, config: SubnetConfig): Promise<{ ms: number; refMs?: number; noisy: boolean }> => {
    const m = await measureSubnet(measuring, space, group, config, sampler, undefined, reference);
    if (m.refMs !== undefined) refTimes.push(m.refMs);
    const ms = profile.reference ? atTypicalSpeed(m.ms, m.refMs, profile.reference.ms) : m.ms;
    return { ms, ...(m.refMs !== undefined ? { refMs: m.refMs } : {}), noisy: m.noisy };
  };
  for (const [g, group] of groups.entries()) {
    const configs = sampleSubnets(space, group, o.subnets, o.seed + 7919 * g, training);
    const measured: { config: SubnetConfig; ms: number; refMs?: number; noisy: boolean }[] = [];
    let noisy = 0;
    const repeats: number[][] = [];
    for (const [i, config] of configs.entries()) {
      const first = await timeAt(group, config);
      tick();
      if (first.noisy) noisy++;
      measured.push({ config, ...first });
      if (i < noiseModels) {
        const times = [first.ms];
        for (let r = 1; r < o.noiseRepeats; r++) {
          times.push((await timeAt(group, config)).ms);
          tick();
        }
        repeats.push(times);
      }
    }
    const actual = measured.map((m) => m.ms);
    const quantized = profile.bits && group !== 'fp32';
    const macsOnly = macsPredictor(profile, quantized);
    const predicted = model.predict(measured.map((m) => m.config));
    out.push({
      group,
      subnets: measured.length,
      noisy,
      medianMs: median(actual),
      profile: agreement(predicted, actual),
      macsOnly: agreement(measured.map((m) => macsOnly(m.config)), actual),
      noise: measurementNoise(repeats, o.noiseRepeats),
      rows: measured.map((m, i) => ({
        key: configKey(space, m.config), config: m.config, macs: macs(space, m.config), predictedMs: predicted[i], measuredMs: m.ms,
        ...(m.refMs !== undefined ? { refMs: m.refMs } : {}), noisy: m.noisy,
      })),
    });
  }
  const machine = machineInfo(runtime);
  return {
    target: `${profile.target}:${profile.threads}`,
    weightType,
    machine,
    machineDifferences: machineDifferences(profile.machine, machine),
    referenceRatio: profile.reference && refTimes.length > 0 ? median(refTimes) / profile.reference.ms : null,
    groups: out,
    seconds: (Date.now() - t0) / 1000,
  };
}
