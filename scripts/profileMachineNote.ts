/**
 * What `hwnas search`, `verify` and `demo` do before any work about latency profiles measured
 * on another machine (profiling/profileMachine.ts): search and verify warn and say how to get a
 * profile of this machine; the demo adapts the shipped profiles to this machine itself (and
 * measures transformer profiles, which have no adaptation, anew).
 */
import { join } from 'node:path';
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { kDefaultProfileOptions, profileDevice, type ProfileOptions } from '../profiling/profileDevice.js';
import { loadTransformerProfile } from '../latency/transformer/transformerProfile.js';
import { profileTransformerDevice } from '../pipeline/transformerProfile.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { profilesUsed } from '../pipeline/search.js';
import { adaptProfile } from '../profiling/adaptProfile.js';
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { machineDifferences, machineInfo } from '../profiling/machine.js';
import { checkProfileMachines, describeMachineChecks, kAdviseAdaptSamples } from '../profiling/profileMachine.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

/** Writes one warning per profile of `targets` (given ones, else the shipped defaults) from another machine. */
export async function noteProfileMachines(targets: readonly ResolvedTarget[], given: Record<string, string>): Promise<void> {
  await noteProfileFiles(profilesUsed(targets, given));
}

/** Writes one warning per profile file (target spec -> file, CNN or transformer) from another machine. */
export async function noteProfileFiles(profiles: Record<string, string>): Promise<void> {
  for (const line of describeMachineChecks(await checkProfileMachines(profiles))) process.stderr.write(`warning: ${line}\n`);
}

/**
 * Leave-one-out share of an adaptation's subnets within +-10% (in every precision group) below
 * which the demo does not trust it and measures a full profile instead. Measured on a family 25
 * CPU from the family 26 CPU's fashion-mbv3 profile: three adaptations (30, 60, 90 subnets) put
 * 75-85% of quantized subnets within +-10% and predicted the demo's picks 20-40% high; a full
 * profile (99 s) predicted them within 3% (BENCHMARKS.md).
 */
export const kAdaptTrustShare = 0.9;

export interface ForeignProfileOptions {
  /** Subnets the adaptation measures (default kAdviseAdaptSamples). */
  samples?: number;
  /** See kAdaptTrustShare (the default). */
  trustShare?: number;
  /** Options of the full profile measured when the adaptation does not hold (profileDevice's defaults). */
  full?: ProfileOptions;
}

/** The first precision group of an adapted profile whose leave-one-out share within +-10% is below `share`, as text; null when all hold. */
export function untrustedGroup(profile: LatencyProfile, share: number): string | null {
  for (const [name, g] of Object.entries(profile.adapted?.groups ?? {})) {
    const loo = g.leaveOneOut;
    if (loo.shareWithin10 < share) return `${name} subnets ${(100 * loo.shareWithin10).toFixed(0)}% within +-10% (leave-one-out, ${loo.samples})`;
  }
  return null;
}

/**
 * The profiles to use for `targets`: each of `profiles` measured on another machine and not in
 * `keep` (profiles the user chose) is adapted to this machine with a few subnets measured here;
 * when the adaptation does not hold on its own subnets (kAdaptTrustShare), a full profile is
 * measured here instead. Either is written to `dir/<target>.json` and used; one made on this
 * machine before (an adaptation of the same source, or a full profile of the same space) is
 * reused. Profiles in `keep` from another machine are warned about.
 */
export async function adaptForeignProfiles(
  targets: readonly ResolvedTarget[], profiles: Record<string, string>, keep: ReadonlySet<string>, dir: string, options: ForeignProfileOptions = {},
): Promise<Record<string, string>> {
  const samples = options.samples ?? kAdviseAdaptSamples;
  const trustShare = options.trustShare ?? kAdaptTrustShare;
  const out = { ...profiles };
  const checks = (await checkProfileMachines(profilesUsed(targets, profiles))).filter((c) => c.differences.length > 0 && c.transformerSpace === undefined);
  for (const line of describeMachineChecks(checks.filter((c) => keep.has(c.target)))) process.stderr.write(`warning: ${line}\n`);
  for (const c of checks.filter((check) => !keep.has(check.target))) {
    const source = loadLatencyProfile(c.path);
    const runtime = await createBenchRuntime(source.target, source.threads);
    const path = join(dir, `${c.target.replace(':', '-')}.json`);
    try {
      const cached = loadLatencyProfile(path);
      const mine = cached.adapted === undefined ? cached.space.name === source.space.name : cached.adapted.from === c.path;
      if (mine && machineDifferences(cached.machine, machineInfo(runtime)).length === 0) {
        process.stderr.write(`${c.target}: using ${path}, ${cached.adapted === undefined ? `a profile of ${cached.space.name} measured` : `the profile ${c.path} adapted`} on this machine earlier\n`);
        out[c.target] = path;
        continue;
      }
    } catch {
      // No usable earlier profile of this machine: make one.
    }
    process.stderr.write(`${c.target}: profile ${c.path} was measured on another machine (${c.differences.join('; ')}): ` +
      `adapting it to this one with ${samples} subnets measured here -> ${path}\n`);
    const run = await adaptProfile(runtime, source, c.path, { samples });
    const weak = untrustedGroup(run.profile, trustShare);
    if (weak === null) {
      writeFileAtomic(path, `${JSON.stringify(run.profile)}\n`);
    } else {
      const full = { ...kDefaultProfileOptions, ...options.full };
      process.stderr.write(`${c.target}: the adaptation does not hold here (${weak}): measuring a full profile instead (at most ${full.budgetSeconds} s) -> ${path}\n`);
      const measured = await profileDevice(runtime, source.space, path, { ...full, force: true });
      process.stderr.write(`${c.target}: measured in ${measured.seconds.toFixed(0)} s\n`);
    }
    out[c.target] = path;
  }
  return out;
}

/**
 * The demo's transformer profile: what `hwnas profile --space ... --target ...` measures, with
 * fewer SubTransformers (the table's held-out agreement from 100 measurements equals that from
 * 300, BENCHMARKS.md) and a shorter budget, so that the demo stays a few minutes.
 */
export const kDemoTransformerProfile = Object.freeze({ subnets: 100, budgetSeconds: 90 });

/**
 * The transformer profiles to use for `profiles` (target spec -> file): each measured on another
 * machine and not in `keep` is measured anew on this one into `dir/<space>-<target>.json` (one
 * measured here before is reused) and used instead; kept ones from another machine are warned about.
 */
export async function remeasureForeignTransformerProfiles(
  profiles: Record<string, string>, keep: ReadonlySet<string>, dir: string, options: { subnets: number; budgetSeconds: number } = kDemoTransformerProfile,
): Promise<Record<string, string>> {
  const out = { ...profiles };
  const checks = (await checkProfileMachines(profiles)).filter((c) => c.differences.length > 0 && c.transformerSpace !== undefined);
  for (const line of describeMachineChecks(checks.filter((c) => keep.has(c.target)))) process.stderr.write(`warning: ${line}\n`);
  for (const c of checks.filter((check) => !keep.has(check.target))) {
    const source = loadTransformerProfile(c.path);
    const runtime = await createBenchRuntime(source.target, source.threads);
    const path = join(dir, `${source.space.name}-${c.target.replace(':', '-')}.json`);
    try {
      const cached = loadTransformerProfile(path);
      if (cached.space.name === source.space.name && machineDifferences(cached.machine, machineInfo(runtime)).length === 0) {
        process.stderr.write(`${c.target}: using ${path}, a profile of ${source.space.name} measured on this machine earlier\n`);
        out[c.target] = path;
        continue;
      }
    } catch {
      // None measured here yet: measure one.
    }
    process.stderr.write(`${c.target}: transformer profile ${c.path} was measured on another machine (${c.differences.join('; ')}): ` +
      `measuring one here (${options.subnets} SubTransformers, at most ${options.budgetSeconds} s) -> ${path}\n`);
    const { seconds } = await profileTransformerDevice(runtime, source.space, path, { ...options, force: true });
    process.stderr.write(`${c.target}: measured in ${seconds.toFixed(0)} s\n`);
    out[c.target] = path;
  }
  return out;
}
