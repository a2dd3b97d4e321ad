/**
 * Does this machine still run as it did when a profile was measured? A few of the profile's own
 * fp32 subnets (at the quartiles of their measured latency) are timed again now, exactly as the
 * profile timed them, and the median ratio of now to then is the drift; the same again for its
 * quantized subnets, whose drift can differ (measured at 2 threads on 2 cores: a slow phase of
 * the machine ran fp32 subnets 1.06x and QDQ int8 ones 1.85x their profiled time,
 * BENCHMARKS.md). A virtual machine's speed can move by tens of percent with its host's load (see BENCHMARKS.md), which no latency
 * model can know: `hwnas verify` reports the drift beside its measurements. They run with the
 * container of int8 weights the profile was measured with.
 */
import { measuredWeightType, type LatencyProfile } from '../latency/latencyProfile.js';
import { median } from '../util/stats.js';
import type { BenchRuntime } from './benchRuntime.js';
import { measureSubnet } from './measureSubnet.js';
import { kDefaultSampler } from './interleaved.js';
import { withContainer } from './int8Container.js';
import type { SubnetGroup } from './subnetSets.js';

export interface ProfileDrift {
  /** The profile file the references come from. */
  profile: string;
  /**
   * Reference subnets re-timed, and how many of those stayed noisy after their bounded rounds
   * (still used: the ratio is a median).
   */
  references: number;
  flagged: number;
  /** Median of now / profiled latency over the references; null when none was timed. */
  ratio: number | null;
  /** The same over the profile's quantized subnets; absent when it has none the runtime runs. */
  quantized?: { references: number; flagged: number; ratio: number | null };
}

/** `count` subnets of `subnets` at the quantiles of their profiled latency. */
function quantilePicks<T extends { ms: number }>(subnets: readonly T[], count: number): T[] {
  const sorted = [...subnets].sort((a, b) => a.ms - b.ms);
  const n = Math.min(count, sorted.length);
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / (n + 1))]);
}

/**
 * Re-times `count` of the profile's fp32 subnets, and (unless `floatOnly`) `count` of its
 * quantized ones, on `runtime` (the profile's target and threads).
 */
export async function profileDrift(runtime: BenchRuntime, profile: LatencyProfile, path: string, count = 3, floatOnly = false): Promise<ProfileDrift> {
  if (runtime.target !== profile.target || runtime.threads !== profile.threads) {
    throw new Error(`${path} is a profile of ${profile.target}:${profile.threads}, not of ${runtime.target}:${runtime.threads}`);
  }
  const float = profile.subnets.filter((s) => s.config.wBits === undefined);
  if (float.length === 0) throw new Error(`${path} holds no fp32 subnets to re-time: re-measure it with 'hwnas profile'`);
  const measuring = withContainer(runtime, measuredWeightType(profile));
  const retime = async (picks: typeof float, group: SubnetGroup) => {
    const ratios: number[] = [];
    let flagged = 0;
    for (const s of picks) {
      const now = await measureSubnet(measuring, profile.space, group, s.config, kDefaultSampler);
      if (now.noisy) flagged++;
      ratios.push(now.ms / s.ms);
    }
    return { references: picks.length, flagged, ratio: ratios.length > 0 ? median(ratios) : null };
  };
  const drift = { profile: path, ...(await retime(quantilePicks(float, count), 'fp32')) };
  const quantized = runtime.bits && !floatOnly ? profile.subnets.filter((s) => s.config.wBits !== undefined) : [];
  return quantized.length === 0 ? drift : { ...drift, quantized: await retime(quantilePicks(quantized, count), 'mixed') };
}
