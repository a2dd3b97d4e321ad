/**
 * Does this machine still run as it did when a profile was measured? A few of the profile's own
 * fp32 subnets (at the quartiles of their measured latency) are timed again now, exactly as the
 * profile timed them, and the median ratio of now to then is the drift. A virtual machine's
 * speed can move by tens of percent with its host's load (see BENCHMARKS.md), which no latency
 * model can know: `hwnas verify` reports the drift beside its measurements. They run with the
 * container of int8 weights the profile was measured with.
 */
import { measuredWeightType, type LatencyProfile } from '../latency/latencyProfile.js';
import { median } from '../util/stats.js';
import type { BenchRuntime } from './benchRuntime.js';
import { measureSubnet } from './measureSubnet.js';
import { kDefaultSampler } from './interleaved.js';
import { withContainer } from './int8Container.js';

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
}

/** Re-times `count` of the profile's fp32 subnets on `runtime` (the profile's target and threads). */
export async function profileDrift(runtime: BenchRuntime, profile: LatencyProfile, path: string, count = 3): Promise<ProfileDrift> {
  if (runtime.target !== profile.target || runtime.threads !== profile.threads) {
    throw new Error(`${path} is a profile of ${profile.target}:${profile.threads}, not of ${runtime.target}:${runtime.threads}`);
  }
  const float = profile.subnets.filter((s) => s.config.wBits === undefined).sort((a, b) => a.ms - b.ms);
  if (float.length === 0) throw new Error(`${path} holds no fp32 subnets to re-time: re-measure it with 'hwnas profile'`);
  const n = Math.min(count, float.length);
  const picks = Array.from({ length: n }, (_, i) => float[Math.floor(((i + 1) * float.length) / (n + 1))]);
  const measuring = withContainer(runtime, measuredWeightType(profile));
  const ratios: number[] = [];
  let flagged = 0;
  for (const s of picks) {
    const now = await measureSubnet(measuring, profile.space, 'fp32', s.config, kDefaultSampler);
    if (now.noisy) flagged++;
    ratios.push(now.ms / s.ms);
  }
  return { profile: path, references: n, flagged, ratio: ratios.length > 0 ? median(ratios) : null };
}
