/**
 * The demo's last step before it searches: each measured target's latency profile is re-timed on
 * a few of its own subnets now (profiling/profileDrift.ts). A virtual machine's speed moves in
 * phases that last minutes (measured at two threads on two cores: the same subnets 0.52-0.74x
 * their profiled time a few minutes apart, BENCHMARKS.md), which no latency model can foresee; when
 * the machine runs them more than kCalibrateBeyond off, the profile scaled to this speed is
 * written beside the demo's other profiles and used instead, so that the budgets, the search and
 * verify's predictions are in the machine's units of now. Verify re-times them again at the end.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadLatencyProfile } from '../latency/latencyProfile.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { calibratedProfile, profileDrift } from '../profiling/profileDrift.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

/** Relative speed change beyond which the demo calibrates a profile. */
export const kCalibrateBeyond = 0.05;

/**
 * The profiles to search with: `profiles` (target spec -> file), each measured target's replaced
 * by its calibration to this machine's speed now (in `dir`) when it runs off by more than
 * kCalibrateBeyond; a line on stderr per target either way.
 */
export async function calibrateProfiles(targets: readonly ResolvedTarget[], profiles: Record<string, string>, dir: string): Promise<Record<string, string>> {
  const out = { ...profiles };
  for (const t of targets) {
    const path = profiles[t.given];
    if (t.name !== 'ort-cpu' || path === undefined) continue;
    const profile = loadLatencyProfile(path);
    const drift = await profileDrift(await createBenchRuntime(profile.target, profile.threads), profile, path);
    const ratios = [drift.ratio, drift.quantized?.ratio ?? null].filter((r): r is number => r !== null);
    const said = `${drift.ratio?.toFixed(2) ?? 'unknown'}x (fp32)${drift.quantized ? ` and ${drift.quantized.ratio?.toFixed(2) ?? 'unknown'}x (quantized)` : ''}`;
    if (ratios.every((r) => Math.abs(r - 1) <= kCalibrateBeyond)) {
      process.stderr.write(`${t.given}: this machine runs the profile's subnets at ${said} their profiled latency: as profiled\n`);
      continue;
    }
    const calibrated = join(dir, `${t.given.replace(':', '-')}.now.json`);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(calibrated, `${JSON.stringify(calibratedProfile(profile, drift))}\n`);
    process.stderr.write(`${t.given}: this machine runs the profile's subnets at ${said} their profiled latency now: ` +
      `searching with the profile scaled to this speed -> ${calibrated}\n`);
    out[t.given] = calibrated;
  }
  return out;
}
