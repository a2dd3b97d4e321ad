/**
 * Measuring a latency profile on this device (what `hwnas profile` runs):
 *   1. the lookup table: every part variant of the space (variants.ts) timed as a graph of its
 *      own against its baseline (partGraph.ts), the two back to back;
 *   2. whole random subnets in precision groups (subnetSets.ts);
 *   3. the latency model fitted on (2) (fitProfile.ts), and the profile written atomically.
 * `refitProfile` repeats step 3 on a profile's stored measurements.
 * Measurements run strictly one at a time with the runtime's fixed thread count. Every one is
 * journaled as it completes (journal.ts), so `resume` skips what is measured; flagged (too
 * noisy) measurements are retried on resume and never used: a flagged part stops the profile,
 * a flagged subnet is left out of the fit.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { layersOf } from '../space/layers.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { latencyParts } from '../latency/latencyParts.js';
import { kProfileFormat, kProfileVersion, parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { kLatencyFeatures } from '../latency/latencyFeatures.js';
import { profileFeatures, runsQuantized } from '../latency/ProfileLatencyModel.js';
import { benchGraph } from './benchGraph.js';
import type { BenchRuntime } from './benchRuntime.js';
import { fitLatencyModel, kMinFitSamples, type FitSample } from './fitProfile.js';
import { ProfileJournal, type JournalHeader, type SubnetEntry } from './journal.js';
import { machineInfo } from './machine.js';
import { partGraphs } from './partGraph.js';
import { sampleSubnets, splitCount, subnetGroups, type SubnetGroup } from './subnetSets.js';
import { timeGraph, type HarnessSettings } from './timeGraph.js';
import { partSpec, partVariants, type PartVariant } from './variants.js';

export interface ProfileProgress {
  phase: 'parts' | 'subnets';
  /** Measurements done in this run, of `total` to do. */
  done: number;
  total: number;
  /** Flagged measurements so far in this run. */
  flagged: number;
}

export interface ProfileOptions {
  /** Whole random subnets for the fit, split evenly over the precision groups. */
  subnets?: number;
  /** Seed of the subnet draws. */
  seed?: number;
  /** Continue `<out>.partial`, skipping what it holds. */
  resume?: boolean;
  /** Replace an existing profile at `out`. */
  force?: boolean;
  harness?: Partial<HarnessSettings>;
  onProgress?: (progress: ProfileProgress) => void;
}

export const kDefaultHarness: HarnessSettings = Object.freeze({ warmupRuns: 10, runs: 100, maxCv: 0.25, maxIqrRatio: 0.1 });

type CoreOptions = Required<Pick<ProfileOptions, 'subnets' | 'seed' | 'resume' | 'force'>>;

export const kDefaultProfileOptions: Readonly<CoreOptions> = Object.freeze({ subnets: 600, seed: 1, resume: false, force: false });

export interface ProfileRun {
  profile: LatencyProfile;
  path: string;
  /** Measurements taken in this run, and reused from the journal. */
  measured: number;
  reused: number;
  /** Subnets left out of the fit because their measurement was flagged. */
  flaggedSubnets: number;
  seconds: number;
}

/** Journal path of a profile in progress. */
export function journalPath(out: string): string {
  return `${out}.partial`;
}

const round = (ms: number): number => Number(ms.toPrecision(6));
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The fewest subnets a profile of a runtime (with or without bits) can fit its latency models on: kMinFitSamples per model. */
export function minProfileSubnets(bits: boolean): number {
  const groups = subnetGroups(bits).length;
  let n = kMinFitSamples;
  // The float model fits the fp32 group, the quantized one the other groups together.
  while (splitCount(n, groups)[0] < kMinFitSamples || n - splitCount(n, groups)[0] < (bits ? kMinFitSamples : 0)) n++;
  return n;
}

/** Throws naming the option when `o` cannot make a profile of a runtime with (or without) `bits`; profileDevice calls it before measuring. */
export function checkProfileOptions(o: CoreOptions, bits: boolean): void {
  if (!Number.isInteger(o.subnets) || o.subnets < 1) throw new RangeError(`options.subnets must be a positive integer (got ${o.subnets})`);
  const min = minProfileSubnets(bits);
  if (o.subnets < min) {
    const fits = bits ? `a float and a quantized latency model on at least ${kMinFitSamples} measured subnets each` : `its latency model on at least ${kMinFitSamples} measured subnets`;
    throw new RangeError(`--subnets ${o.subnets} is too few: a profile fits ${fits}: give --subnets ${min} or more`);
  }
  if (!Number.isInteger(o.seed)) throw new RangeError(`options.seed must be an integer (got ${o.seed})`);
}

export async function profileDevice(runtime: BenchRuntime, space: SearchSpace, out: string, options: ProfileOptions = {}): Promise<ProfileRun> {
  const o = { ...kDefaultProfileOptions, ...options };
  checkProfileOptions(o, runtime.bits);
  const harness: HarnessSettings = { ...kDefaultHarness, ...options.harness };
  if (existsSync(out) && !o.force) throw new Error(`${out} already exists: choose another --out, or pass --force to replace it`);
  const t0 = Date.now();
  const header: JournalHeader = {
    type: 'header', target: runtime.target, threads: runtime.threads, bits: runtime.bits, space, seed: o.seed, measurement: harness,
    machine: machineInfo(runtime),
  };
  const journal = ProfileJournal.open(journalPath(out), header, o.resume);
  const variants = partVariants(space, { bits: runtime.bits });
  const groups = subnetGroups(runtime.bits);
  const counts = splitCount(o.subnets, groups.length);
  const subnets = groups.flatMap((group, g) => sampleSubnets(space, group, counts[g], o.seed + 7919 * g).map((config) => ({ group, config })));
  const partTodo = variants.filter((v) => journal.parts.get(v.key)?.flagged !== false);
  const subnetTodo = subnets.filter((s) => journal.subnets.get(configKey(space, s.config))?.flagged !== false);
  const total = partTodo.length + subnetTodo.length;
  let done = 0;
  let flagged = 0;
  const report = (phase: ProfileProgress['phase']) => o.onProgress?.({ phase, done, total, flagged });
  report('parts');
  for (const v of partTodo) {
    const entry = await measurePart(runtime, space, v, harness);
    journal.append(entry);
    done++;
    if (entry.flagged) flagged++;
    report('parts');
  }
  for (const s of subnetTodo) {
    const entry = await measureSubnet(runtime, space, s.group, s.config, harness);
    journal.append(entry);
    done++;
    if (entry.flagged) flagged++;
    report('subnets');
  }
  const noisy = variants.filter((v) => journal.parts.get(v.key)?.flagged);
  if (noisy.length > 0) {
    throw new Error(
      `${noisy.length} of ${variants.length} table entries were too noisy to use (e.g. ${noisy[0].key}: ${journal.parts.get(noisy[0].key)?.reason}); ` +
        `measurements so far are kept in ${journal.path}: run again with --resume on an idle machine to re-measure them`,
    );
  }
  const table = Object.fromEntries(variants.map((v) => [v.key, round((journal.parts.get(v.key) as { ms: number }).ms)]));
  const entries = subnets.map((s) => journal.subnets.get(configKey(space, s.config)) as SubnetEntry);
  const usable = entries.filter((e) => !e.flagged);
  const draft = fittedProfile({
    target: runtime.target,
    threads: runtime.threads,
    bits: runtime.bits,
    space,
    machine: { ...journal.header.machine, createdAt: new Date().toISOString() },
    measurement: { ...harness, maxCv: finiteOrNull(harness.maxCv), maxIqrRatio: finiteOrNull(harness.maxIqrRatio) },
    table,
    subnets: usable.map((e) => ({ config: e.config, ms: round(e.ms) })),
  });
  const json = `${JSON.stringify(draft)}\n`;
  const profile = parseLatencyProfile(JSON.parse(json), out);
  writeFileAtomic(out, json);
  journal.remove();
  return {
    profile, path: out, measured: total, reused: variants.length + subnets.length - total,
    flaggedSubnets: entries.length - usable.length, seconds: (Date.now() - t0) / 1000,
  };
}

/** What a profile holds besides its fitted model. */
export type ProfileMeasurements = Omit<LatencyProfile, 'format' | 'version' | 'model'>;

/** The profile of `m` with its latency model fitted (one per precision group). */
export function fittedProfile(m: ProfileMeasurements): LatencyProfile {
  const table = new Map(Object.entries(m.table));
  const samples = m.subnets.map((s) => {
    const layers = layersOf(m.space, s.config);
    return { quantized: runsQuantized(layers, m.bits), sample: { features: profileFeatures(table, layers, m.bits), ms: s.ms } };
  });
  const group = (quantized: boolean): FitSample[] => samples.filter((s) => s.quantized === quantized).map((s) => s.sample);
  const model: LatencyProfile['model'] = { features: [...kLatencyFeatures], float: fitLatencyModel(group(false), 'float') };
  if (m.bits) model.quantized = fitLatencyModel(group(true), 'quantized');
  return { format: kProfileFormat, version: kProfileVersion, ...m, model };
}

/**
 * Re-fits the latency model of a profile file's stored measurements (any format version that
 * holds them) with this version's model, without measuring. `origin` names it in errors.
 */
export function refitProfile(data: unknown, origin: string): LatencyProfile {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (raw.format !== kProfileFormat) throw new Error(`${origin} is not a latency profile (format is not '${kProfileFormat}')`);
  const { format: _f, version: _v, model: _m, correction: _c, fit: _q, ...measurements } = raw;
  // Validate the measurements by validating a complete profile around them.
  const draft = fittedProfile(parseLatencyProfile({
    format: kProfileFormat, version: kProfileVersion, ...measurements,
    model: { features: [...kLatencyFeatures], float: kPlaceholderModel, ...(measurements.bits === true ? { quantized: kPlaceholderModel } : {}) },
  }, origin));
  return parseLatencyProfile(JSON.parse(JSON.stringify(draft)), origin);
}

const kPlaceholderModel = Object.freeze({
  weights: new Array<number>(kLatencyFeatures.length).fill(0), ridge: 0, crossValidated: { samples: 0, shareWithin10: 0, mape: 0 },
});

async function measurePart(runtime: BenchRuntime, space: SearchSpace, v: PartVariant, harness: HarnessSettings) {
  const parts = latencyParts(layersOf(space, v.config), { bits: runtime.bits });
  const { part, baseline } = partGraphs(benchGraph(space, v.config), partSpec(space, v.config, parts, v.index));
  const base = await timeGraph(runtime, baseline, harness, `baseline of ${v.key}`);
  const m = await timeGraph(runtime, part, harness, v.key);
  const flagged = base.flagged || m.flagged;
  return {
    type: 'part' as const, key: v.key, ms: m.medianMs - base.medianMs, partMs: m.medianMs, baselineMs: base.medianMs, cv: m.cv, flagged,
    ...(flagged ? { reason: (m.reason ?? base.reason) as string } : {}),
  };
}

/** Times one whole subnet: its float graph, or its QDQ graph when it has bits the runtime executes. */
export async function measureSubnet(
  runtime: BenchRuntime, space: SearchSpace, group: SubnetGroup, config: SubnetEntry['config'], harness: HarnessSettings,
): Promise<SubnetEntry> {
  const { wBits: _w, aBits: _a, ...float } = config;
  const graph = benchGraph(space, runtime.bits ? config : float);
  const key = configKey(space, config);
  const m = await timeGraph(runtime, { graph, outputShape: [1, 1, space.input.classes] }, harness, key);
  return {
    type: 'subnet', group, key, config, ms: m.medianMs, cv: m.cv, flagged: m.flagged,
    ...(m.flagged ? { reason: m.reason as string } : {}),
  };
}
