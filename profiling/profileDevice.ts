/**
 * Measuring a latency profile on this device (what `hwnas profile` runs):
 *   1. the lookup table: every part variant of the space (variants.ts) timed as a graph of its
 *      own against its baseline (partGraph.ts), the two back to back;
 *   2. whole random subnets in precision groups (subnetSets.ts);
 *   3. which container of int8 weights this machine runs faster (int8Container.ts);
 *   4. the latency model fitted on (2) (fitProfile.ts), and the profile written atomically.
 * `refitProfile` repeats step 4 on a profile's stored measurements.
 * Measurements run strictly one at a time with the runtime's fixed thread count, a part
 * interleaved with its baseline (interleaved.ts). Every one is journaled as it completes
 * (journal.ts), so `resume` skips what is measured. Nothing is thrown away for being noisy: a
 * measurement that stays imprecise after its bounded rounds is kept with its spread, and a
 * subnet's spread lowers its weight in the fit. The rounds given to each measurement shrink
 * to fit the time budget, so a profile finishes in about that time on a loaded machine too.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { layersOf } from '../space/layers.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { latencyParts } from '../latency/latencyParts.js';
import { kProfileFormat, kProfileVersion, parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { kLatencyFeatures } from '../latency/latencyFeatures.js';
import { profileFeatures, runsQuantized } from '../latency/ProfileLatencyModel.js';
import { benchGraph } from './benchGraph.js';
import type { BenchRuntime, LoadedGraph } from './benchRuntime.js';
import { withMeasurementLock } from './measure.js';
import { fitLatencyModel, kMinFitSamples, type FitSample } from './fitProfile.js';
import { ProfileJournal, type JournalHeader, type PartEntry, type SubnetEntry } from './journal.js';
import { machineInfo } from './machine.js';
import { partGraphs, type TimedGraph } from './partGraph.js';
import { sampleSubnets, splitCount, subnetGroups, type SubnetGroup } from './subnetSets.js';
import { median } from '../util/stats.js';
import { timeGraphsInterleaved } from './timeGraph.js';
import { checkSampler, kDefaultSampler, measureInterleaved, type GraphTiming, type SamplerSettings } from './interleaved.js';
import { partSpec, partVariants, type PartVariant } from './variants.js';
import { compareInt8Containers } from './int8Container.js';

export interface ProfileProgress {
  phase: 'parts' | 'subnets';
  /** Measurements done in this run, of `total` to do. */
  done: number;
  total: number;
  /** Measurements so far in this run that stayed noisy (kept, with their spread). */
  noisy: number;
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
  sampler?: Partial<SamplerSettings>;
  /** Seconds the measurements aim to fit in (rounds per measurement shrink to meet it). */
  budgetSeconds?: number;
  onProgress?: (progress: ProfileProgress) => void;
}

type CoreOptions = Required<Pick<ProfileOptions, 'subnets' | 'seed' | 'resume' | 'force' | 'budgetSeconds'>>;

export const kDefaultProfileOptions: Readonly<CoreOptions> = Object.freeze({ subnets: 600, seed: 1, resume: false, force: false, budgetSeconds: 200 });

/**
 * The time budget of a profile: each measurement may sample for its even share of what is left
 * of the budget minus what building and loading a graph has been costing (a running mean), so
 * the whole run ends near the budget - or as soon as it can, when building, loading and the
 * minimum rounds alone take longer.
 */
export class BudgetClock {
  private overheadMs = 0;
  private measured = 0;
  constructor(private readonly endMs: number, private left: number) {}

  /** Epoch ms after which the next measurement takes no further rounds. */
  deadline(now = Date.now()): number {
    return now + Math.max(0, (this.endMs - now) / Math.max(1, this.left) - this.overheadMs);
  }

  /** Records a finished measurement: its wall time and the part of it spent sampling. */
  finished(wallMs: number, samplingMs: number): void {
    this.left = Math.max(0, this.left - 1);
    const overhead = Math.max(0, wallMs - samplingMs);
    this.overheadMs = this.measured++ === 0 ? overhead : 0.9 * this.overheadMs + 0.1 * overhead;
  }
}
/**
 * Relative model error assumed when weighting subnets by their spread: a subnet measured to
 * +-3% weighs half as much as an exact one.
 */
const kModelError = 0.03;

/** Weight of a measured subnet in the fit, from its relative spread. */
export function spreadWeight(spread: number | undefined): number {
  return spread === undefined ? 1 : 1 / (1 + (spread / kModelError) ** 2);
}

export interface ProfileRun {
  profile: LatencyProfile;
  path: string;
  /** Measurements taken in this run, and reused from the journal. */
  measured: number;
  reused: number;
  /** Table entries and subnets whose measurement stayed noisy (kept with their spread). */
  noisyParts: number;
  noisySubnets: number;
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
  if (!(o.budgetSeconds > 0) || !Number.isFinite(o.budgetSeconds)) throw new RangeError(`options.budgetSeconds must be a positive number (got ${o.budgetSeconds})`);
}

export async function profileDevice(runtime: BenchRuntime, space: SearchSpace, out: string, options: ProfileOptions = {}): Promise<ProfileRun> {
  const o = { ...kDefaultProfileOptions, ...options };
  checkProfileOptions(o, runtime.bits);
  const sampler: SamplerSettings = { ...kDefaultSampler, ...options.sampler };
  checkSampler(sampler);
  if (existsSync(out) && !o.force) throw new Error(`${out} already exists: choose another --out, or pass --force to replace it`);
  const t0 = Date.now();
  const header: JournalHeader = {
    type: 'header', target: runtime.target, threads: runtime.threads, bits: runtime.bits, space, seed: o.seed, measurement: sampler,
    machine: machineInfo(runtime),
  };
  const journal = ProfileJournal.open(journalPath(out), header, o.resume);
  const variants = partVariants(space, { bits: runtime.bits });
  const groups = subnetGroups(runtime.bits);
  const counts = splitCount(o.subnets, groups.length);
  const subnets = groups.flatMap((group, g) => sampleSubnets(space, group, counts[g], o.seed + 7919 * g).map((config) => ({ group, config })));
  const partTodo = variants.filter((v) => !journal.parts.has(v.key));
  const subnetTodo = subnets.filter((s) => !journal.subnets.has(configKey(space, s.config)));
  const total = partTodo.length + subnetTodo.length;
  const end = t0 + 1000 * o.budgetSeconds;
  let done = 0;
  let noisy = 0;
  const clock = new BudgetClock(end, total);
  const refConfig = referenceConfig(space);
  const reference = subnetGraph(runtime, space, refConfig);
  const report = (phase: ProfileProgress['phase']) => o.onProgress?.({ phase, done, total, noisy });
  report('parts');
  const cache = new GraphCache(runtime);
  try {
    for (const v of partTodo) {
      const started = Date.now();
      const entry = await measurePart(runtime, cache, space, v, sampler, reference, clock.deadline(started));
      clock.finished(Date.now() - started, 1000 * entry.seconds);
      journal.append(entry);
      done++;
      if (entry.noisy) noisy++;
      report('parts');
    }
  } finally {
    await cache.release();
  }
  for (const s of subnetTodo) {
    const started = Date.now();
    const entry = await measureSubnet(runtime, space, s.group, s.config, sampler, clock.deadline(started), reference);
    clock.finished(Date.now() - started, 1000 * entry.seconds);
    journal.append(entry);
    done++;
    if (entry.noisy) noisy++;
    report('subnets');
  }
  const int8 = await compareInt8Containers(runtime, space, sampler);
  const parts = variants.map((v) => journal.parts.get(v.key) as PartEntry);
  const entries = subnets.map((s) => journal.subnets.get(configKey(space, s.config)) as SubnetEntry);
  // Every time at the machine's typical speed over the run: the reference's median.
  const typicalRefMs = median([...parts.map((e) => e.refMs), ...entries.flatMap((e) => (e.refMs !== undefined ? [e.refMs] : []))]);
  const table = Object.fromEntries(parts.map((e) => [e.key, round(atTypicalSpeed(e.ms, e.refMs, typicalRefMs))]));
  const tableSpread = Object.fromEntries(parts.map((e) => [e.key, round(e.spread)]));
  const draft = fittedProfile({
    target: runtime.target,
    threads: runtime.threads,
    bits: runtime.bits,
    space,
    machine: { ...journal.header.machine, createdAt: new Date().toISOString() },
    measurement: { sampler, budgetSeconds: o.budgetSeconds },
    table,
    tableSpread,
    subnets: entries.map((e) => ({ config: e.config, ms: round(atTypicalSpeed(e.ms, e.refMs, typicalRefMs)), spread: round(e.spread) })),
    reference: { config: refConfig, ms: round(typicalRefMs) },
    ...(int8 !== null ? { int8 } : {}),
  });
  const json = `${JSON.stringify(draft)}\n`;
  const profile = parseLatencyProfile(JSON.parse(json), out);
  writeFileAtomic(out, json);
  journal.remove();
  return {
    profile, path: out, measured: total, reused: variants.length + subnets.length - total,
    noisyParts: parts.filter((e) => e.noisy).length, noisySubnets: entries.filter((e) => e.noisy).length, seconds: (Date.now() - t0) / 1000,
  };
}

/** What a profile holds besides its fitted model. */
export type ProfileMeasurements = Omit<LatencyProfile, 'format' | 'version' | 'model'>;

/** The profile of `m` with its latency model fitted (one per precision group). */
export function fittedProfile(m: ProfileMeasurements): LatencyProfile {
  const table = new Map(Object.entries(m.table));
  const samples = m.subnets.map((s) => {
    const layers = layersOf(m.space, s.config);
    return { quantized: runsQuantized(layers, m.bits), sample: { features: profileFeatures(table, layers, m.bits), ms: s.ms, weight: spreadWeight(s.spread) } };
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
  if (raw.adapted !== undefined) {
    throw new Error(`${origin} was adapted from another profile with a few subnets, which cannot fit a model of their own: adapt its source again ('hwnas profile --adapt SOURCE'), or measure a full profile`);
  }
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

/**
 * Loaded graphs by content - the baselines (many parts share one: the same input shape and
 * quantize prologue) and the reference subnet - since loading a session costs more than timing
 * a small graph.
 */
class GraphCache {
  private readonly loaded = new Map<string, LoadedGraph>();
  constructor(private readonly runtime: BenchRuntime) {}

  /** The loaded `timed`, by `key` (default: its JSON, fine for the small baseline graphs). */
  async get(timed: TimedGraph, key = JSON.stringify(timed)): Promise<LoadedGraph> {
    let graph = this.loaded.get(key);
    if (graph === undefined) {
      graph = await withMeasurementLock(() => this.runtime.load(timed));
      this.loaded.set(key, graph);
    }
    return graph;
  }

  async release(): Promise<void> {
    for (const g of this.loaded.values()) await g.release();
    this.loaded.clear();
  }
}

async function measurePart(
  runtime: BenchRuntime, cache: GraphCache, space: SearchSpace, v: PartVariant, sampler: SamplerSettings, reference: TimedGraph, deadlineMs?: number,
): Promise<PartEntry> {
  const parts = latencyParts(layersOf(space, v.config), { bits: runtime.bits });
  const { part, baseline } = partGraphs(benchGraph(space, v.config), partSpec(space, v.config, parts, v.index));
  const base = await cache.get(baseline);
  const ref = await cache.get(reference, 'reference');
  const loaded = await withMeasurementLock(() => runtime.load(part));
  // The part's precision: the standard error of part minus baseline, relative to the part graph.
  const spreadOf = ([p, b]: readonly GraphTiming[]) => Math.hypot(p.seMs, b.seMs) / p.medianMs;
  try {
    const m = await measureInterleaved([() => loaded.run(), () => base.run(), () => ref.run()], sampler, { spreadOf, deadlineMs, label: v.key });
    const [p, b, r] = m.timings;
    return {
      type: 'part', key: v.key, ms: p.medianMs - b.medianMs, partMs: p.medianMs, baselineMs: b.medianMs, refMs: r.medianMs,
      spread: m.spread, rounds: m.rounds, noisy: m.noisy, seconds: m.seconds,
    };
  } finally {
    await loaded.release();
  }
}

/** The graph a runtime runs for a config: its float graph, or its QDQ graph when it has bits the runtime executes. */
export function subnetGraph(runtime: Pick<BenchRuntime, 'bits'>, space: SearchSpace, config: SubnetEntry['config']): TimedGraph {
  const { wBits: _w, aBits: _a, ...float } = config;
  return { graph: benchGraph(space, runtime.bits ? config : float), outputShape: [1, 1, space.input.classes] };
}

/**
 * Times one whole subnet (see subnetGraph); `deadlineMs` bounds its extra rounds. With a
 * `reference` graph, that is timed in the same rounds (`refMs`): the machine's speed then.
 */
export async function measureSubnet(
  runtime: BenchRuntime, space: SearchSpace, group: SubnetGroup, config: SubnetEntry['config'], sampler: SamplerSettings, deadlineMs?: number,
  reference?: TimedGraph,
): Promise<SubnetEntry> {
  const key = configKey(space, config);
  const graphs = [subnetGraph(runtime, space, config), ...(reference ? [reference] : [])];
  const spreadOf = (t: readonly GraphTiming[]) => t[0].seMs / t[0].medianMs;
  const m = await timeGraphsInterleaved(runtime, graphs, sampler, { deadlineMs, label: key, spreadOf });
  return {
    type: 'subnet', group, key, config, ms: m.timings[0].medianMs, ...(reference ? { refMs: m.timings[1].medianMs } : {}),
    spread: m.spread, rounds: m.rounds, noisy: m.noisy, seconds: m.seconds,
  };
}

/**
 * The reference subnet of a space: a fixed fp32 subnet timed beside every measurement, so that
 * times taken while the machine ran slower or faster (a loaded machine's speed swings by tens
 * of percent within seconds) can be put on one scale: the reference's median over the run.
 */
export function referenceConfig(space: SearchSpace): SubnetConfig {
  return sampleSubnets(space, 'fp32', 1, 424_242)[0];
}

/** `ms` measured beside a reference that took `refMs`, at the speed where the reference takes `typicalRefMs`. */
export function atTypicalSpeed(ms: number, refMs: number | undefined, typicalRefMs: number): number {
  return refMs === undefined || !(refMs > 0) ? ms : (ms * typicalRefMs) / refMs;
}
