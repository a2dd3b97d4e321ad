/**
 * Does a latency profile belong to the machine it is used on? `hwnas search`, `verify` and
 * `demo` ask before any work: a profile measured on a CPU with other instruction sets (AVX2
 * only vs AVX-512 with VNNI), another core count or another runtime version predicts this
 * machine tens of percent off, so each such profile is named with what differs and how to get
 * one for this machine - adapt it from a few measurements here, or measure a full one. A
 * transformer profile (which has no adaptation) is named with how to measure one here.
 */
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { isTransformerProfileFile, loadTransformerProfile } from '../latency/transformer/transformerProfile.js';
import { createBenchRuntime } from './benchRuntime.js';
import { machineDifferences, machineInfo, type MachineInfo } from './machine.js';
import { kDefaultAdaptOptions } from './adaptProfile.js';

export interface ProfileMachineCheck {
  /** Target spec ('ort-cpu:1') and the profile file. */
  target: string;
  path: string;
  /** What differs between the profile's machine and this one (empty: the same). */
  differences: string[];
  /** Whether the profile was adapted to its machine (`hwnas profile --adapt`). */
  adapted: boolean;
  /** The space of a transformer profile (re-measured, not adapted); absent for a CNN profile. */
  transformerSpace?: string;
}

/** Samples `--adapt` is advised with: its default. */
export const kAdviseAdaptSamples = kDefaultAdaptOptions.samples;

/** What a transformer profile takes to measure with the default options (BENCHMARKS.md: 117-200 s). */
const kTransformerRemeasureMinutes = 3;

/** The check of one loaded profile against `here` (this machine, with the profile's runtime). */
export function checkProfileMachine(target: string, path: string, profile: Pick<LatencyProfile, 'machine' | 'adapted'>, here: MachineInfo): ProfileMachineCheck {
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
    let profile: Pick<LatencyProfile, 'machine' | 'adapted' | 'target' | 'threads'>;
    let transformerSpace: string | undefined;
    try {
      if (isTransformerProfileFile(path)) {
        const p = loadTransformerProfile(path);
        profile = p;
        transformerSpace = p.space.name;
      } else {
        profile = loadLatencyProfile(path);
      }
    } catch {
      continue;
    }
    const runtime = await createBenchRuntime(profile.target, profile.threads);
    const check = checkProfileMachine(target, path, profile, machineInfo(runtime));
    out.push(transformerSpace === undefined ? check : { ...check, transformerSpace });
  }
  return out;
}

/** One paragraph per profile from another machine: what differs and what to do. */
export function describeMachineChecks(checks: readonly ProfileMachineCheck[]): string[] {
  return checks.filter((c) => c.differences.length > 0).map((c) => {
    const mine = `my-${c.target.replace(':', '-')}.json`;
    const head = `${c.target}: ${c.transformerSpace === undefined ? '' : 'transformer '}latency profile ${c.path} was measured on another machine ` +
      `(${c.differences.join('; ')}), so its predicted latencies do not hold here.`;
    if (c.transformerSpace !== undefined) {
      return `${head} Measure one for this machine (about ${kTransformerRemeasureMinutes} minutes) with ` +
        `'hwnas profile --space ${c.transformerSpace} --target ${c.target} --out ${mine}' and pass --profile ${c.target}=${mine}.`;
    }
    return `${head} Adapt it to this machine in about a minute with ` +
      `'hwnas profile --adapt ${c.path} --samples ${kAdviseAdaptSamples} --out ${mine}' ` +
      `and pass --profile ${c.target}=${mine}, or measure a full one with 'hwnas profile --target ${c.target} --out ${mine}'.`;
  });
}
