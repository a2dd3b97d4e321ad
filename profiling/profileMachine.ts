/**
 * Does a latency profile belong to the machine it is used on? `hwnas search`, `verify` and
 * `demo` ask before any work: a profile measured on a CPU with other instruction sets (AVX2
 * only vs AVX-512 with VNNI), another core count or another runtime version predicts this
 * machine tens of percent off, so each such profile is named with what differs and how to get
 * one for this machine - adapt it from a few measurements here, or measure a full one.
 */
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { createBenchRuntime } from './benchRuntime.js';
import { machineDifferences, machineInfo, type MachineInfo } from './machine.js';

export interface ProfileMachineCheck {
  /** Target spec ('ort-cpu:1') and the profile file. */
  target: string;
  path: string;
  /** What differs between the profile's machine and this one (empty: the same). */
  differences: string[];
  /** Whether the profile was adapted to its machine (`hwnas profile --adapt`). */
  adapted: boolean;
}

/** Samples `--adapt` is advised with. */
export const kAdviseAdaptSamples = 30;

/** The check of one loaded profile against `here` (this machine, with the profile's runtime). */
export function checkProfileMachine(target: string, path: string, profile: LatencyProfile, here: MachineInfo): ProfileMachineCheck {
  return { target, path, differences: machineDifferences(profile.machine, here), adapted: profile.adapted !== undefined };
}

/**
 * Checks each profile (target spec -> file) against this machine; a file that does not load is
 * left to the job, which reports it in its own words. Loads each target's runtime to learn its
 * version.
 */
export async function checkProfileMachines(profiles: Readonly<Record<string, string>>): Promise<ProfileMachineCheck[]> {
  const out: ProfileMachineCheck[] = [];
  for (const [target, path] of Object.entries(profiles)) {
    let profile: LatencyProfile;
    try {
      profile = loadLatencyProfile(path);
    } catch {
      continue;
    }
    const runtime = await createBenchRuntime(profile.target, profile.threads);
    out.push(checkProfileMachine(target, path, profile, machineInfo(runtime)));
  }
  return out;
}

/** One paragraph per profile from another machine: what differs and what to do. */
export function describeMachineChecks(checks: readonly ProfileMachineCheck[]): string[] {
  return checks.filter((c) => c.differences.length > 0).map((c) =>
    `${c.target}: latency profile ${c.path} was measured on another machine (${c.differences.join('; ')}), ` +
      'so its predicted latencies do not hold here. Adapt it to this machine in about a minute with ' +
      `'hwnas profile --adapt ${c.path} --samples ${kAdviseAdaptSamples} --out my-${c.target.replace(':', '-')}.json' ` +
      `and pass --profile ${c.target}=my-${c.target.replace(':', '-')}.json, or measure a full one with ` +
      `'hwnas profile --target ${c.target} --out my-${c.target.replace(':', '-')}.json'.`);
}
