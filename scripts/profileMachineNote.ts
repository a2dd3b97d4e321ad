/**
 * What `hwnas search`, `verify` and `demo` do before any work about latency profiles measured
 * on another machine (profiling/profileMachine.ts): search and verify warn and say how to get a
 * profile of this machine; the demo adapts the shipped profiles to this machine itself, and those
 * of this machine whose subnets run off their profiled latency now (and
 * measures transformer profiles, which have no adaptation, anew).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { kDefaultProfileOptions, profileDevice, type ProfileOptions } from '../profiling/profileDevice.js';
import { loadTransformerProfile } from '../latency/transformer/transformerProfile.js';
import { profileTransformerDevice } from '../pipeline/transformerProfile.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { profilesUsed } from '../pipeline/search.js';
import { adaptProfile } from '../profiling/adaptProfile.js';
import { sourceNote } from '../profiling/fittedProfile.js';
import { createBenchRuntime, type BenchRuntime } from '../profiling/benchRuntime.js';
import { profileDrift } from '../profiling/profileDrift.js';
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
  /** See kDriftAdapt (the default). */
  driftTolerance?: number;
  /**
   * Whether the job deploys quantized models (default true): when false, only the float subnets
   * are re-timed, measured for an adaptation and required to hold in it.
   */
  quantized?: boolean;
}

/**
 * The first precision group of an adapted profile (the float one only, with `floatOnly`) whose
 * leave-one-out share within +-10% is below `share`, as text; null when all hold.
 */
export function untrustedGroup(profile: LatencyProfile, share: number, floatOnly = false): string | null {
  for (const [name, g] of Object.entries(profile.adapted?.groups ?? {})) {
    if (floatOnly && name !== 'float') continue;
    const loo = g.leaveOneOut;
    if (loo.shareWithin10 < share) return `${name} subnets ${(100 * loo.shareWithin10).toFixed(0)}% within +-10% (leave-one-out, ${loo.samples})`;
  }
  return null;
}

/**
 * Speed change beyond which a profile of this very machine is not trusted now: when its own
 * reference subnets run more than 10% off their profiled latency (either precision group; at 2
 * threads on 2 cores this machine has phases of 1.9-2.1x, BENCHMARKS.md), predictions from it
 * miss by as much, so the demo adapts it to the machine as it runs now.
 */
export const kDriftAdapt = 0.1;

/** The drift of `profile` (read from `path`) beyond `tolerance`, as text; null when the machine runs its subnets as profiled. */
async function driftBeyond(runtime: BenchRuntime, profile: LatencyProfile, path: string, tolerance: number, floatOnly: boolean): Promise<string | null> {
  const drift = await profileDrift(runtime, profile, path, 3, floatOnly);
  const ratios = [['fp32', drift.ratio], ['quantized', drift.quantized?.ratio ?? null]] as const;
  const off = ratios.filter(([, r]) => r !== null && Math.abs(r - 1) > tolerance);
  return off.length === 0 ? null : `this machine runs its ${off.map(([g, r]) => `${g} subnets at ${(r as number).toFixed(2)}x`).join(' and ')} their profiled latency now`;
}

/**
 * The profiles to use for `targets`. Each of `profiles` not in `keep` (profiles the user chose)
 * must hold on this machine as it runs now: one measured on another machine is replaced by one
 * made here before (an adaptation of the same source, or a full profile of the same space), and
 * either is used only when its reference subnets still run within `driftTolerance` of their
 * profiled latency (profiling/profileDrift.ts). Otherwise the profile is adapted to this machine
 * with a few subnets measured here; when the adaptation does not hold on its own subnets
 * (kAdaptTrustShare), a full profile is measured here instead. Either is written to
 * `dir/<space>-<target>.json` and used. Profiles in `keep` from another machine are warned about.
 */
export async function adaptForeignProfiles(
  targets: readonly ResolvedTarget[], profiles: Record<string, string>, keep: ReadonlySet<string>, dir: string, options: ForeignProfileOptions = {},
): Promise<Record<string, string>> {
  const samples = options.samples ?? kAdviseAdaptSamples;
  const trustShare = options.trustShare ?? kAdaptTrustShare;
  const tolerance = options.driftTolerance ?? kDriftAdapt;
  const floatOnly = options.quantized === false;
  const out = { ...profiles };
  const checks = (await checkProfileMachines(profilesUsed(targets, profiles))).filter((c) => c.transformerSpace === undefined);
  for (const line of describeMachineChecks(checks.filter((c) => keep.has(c.target) && c.differences.length > 0))) process.stderr.write(`warning: ${line}\n`);
  for (const c of checks.filter((check) => !keep.has(check.target))) {
    const source = loadLatencyProfile(c.path);
    const runtime = await createBenchRuntime(source.target, source.threads);
    const path = join(dir, `${source.space.name}-${c.target.replace(':', '-')}.json`);
    const kept = madeHereBefore(path, source, c.path, runtime);
    const candidates = [...(kept !== undefined ? [{ path, profile: kept }] : []), ...(c.differences.length === 0 ? [{ path: c.path, profile: source }] : [])];
    let why = `profile ${c.path} was measured on another machine (${c.differences.join('; ')})`;
    let chosen: string | null = null;
    for (const candidate of candidates) {
      const drift = await driftBeyond(runtime, candidate.profile, candidate.path, tolerance, floatOnly);
      if (drift === null) {
        chosen = candidate.path;
        break;
      }
      why = `${candidate.path === path ? `${path}, made on this machine earlier` : `profile ${c.path}`}: ${drift}`;
    }
    if (chosen !== null) {
      // A kept profile that no longer holds is not re-timed on every run while the source does.
      if (chosen === c.path && kept !== undefined) rmSync(path);
      if (chosen === path) process.stderr.write(`${c.target}: using ${path}, ${kept?.adapted === undefined ? 'a full profile' : `${c.path} adapted`} made on this machine earlier; it runs as profiled\n`);
      out[c.target] = chosen;
      continue;
    }
    process.stderr.write(`${c.target}: ${why}: adapting ${c.path} to this machine with ${samples} subnets measured here -> ${path}\n`);
    const run = await adaptProfile(runtime, source, c.path, {
      samples, floatOnly,
      onSource: (s) => {
        const note = sourceNote(c.path, s, source.subnets.length);
        if (note !== undefined) process.stderr.write(`${c.target}: ${note}\n`);
      },
    });
    const weak = untrustedGroup(run.profile, trustShare, floatOnly);
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

/** The profile at `path` when it was made on this machine from `source` (its adaptation, or a full profile of its space). */
function madeHereBefore(path: string, source: LatencyProfile, sourcePath: string, runtime: BenchRuntime): LatencyProfile | undefined {
  let cached: LatencyProfile;
  try {
    cached = loadLatencyProfile(path);
  } catch {
    return undefined; // No usable earlier profile of this machine.
  }
  const mine = cached.adapted === undefined ? cached.space.name === source.space.name : cached.adapted.from === sourcePath;
  return mine && machineDifferences(cached.machine, machineInfo(runtime)).length === 0 ? cached : undefined;
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
