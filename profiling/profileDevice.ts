/**
 * Measuring a latency profile on this device (what `hwnas profile` runs):
 *   1. which container of int8 weights this machine runs faster (int8Container.ts): the one
 *      exports use, so steps 2 and 3 measure with it (recorded as `measuredWeightType`);
 *   2. the lookup table: every part variant of the space (variants.ts) timed as a graph of its
 *      own against its baseline (partGraph.ts), the two back to back;
 *   3. whole random subnets in precision groups (subnetSets.ts);
 *   4. the latency model fitted on (3) (fitProfile.ts), and the profile written atomically.
 * Steps 2 and 3 time graphs with measurePart.ts and measureSubnet.ts; step 4 and
 * `refitProfile` (which repeats it on a profile's stored measurements) are fittedProfile.ts.
 * Measurements run strictly one at a time with the runtime's fixed thread count, a part
 * interleaved with its baseline (interleaved.ts). Every one is journaled as it completes
 * (journal.ts), the container choice first, so `resume` skips what is measured and measures
 * the rest with the journal's container. Nothing is thrown away for being noisy: a
 * measurement that stays imprecise after its bounded rounds is kept with its spread, and a
 * subnet's spread lowers its weight in the fit. The rounds given to each measurement shrink
 * to fit the time budget, so a profile finishes in about that time on a loaded machine too.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { median } from '../util/stats.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import type { BenchRuntime } from './benchRuntime.js';
import { kMinFitSamples } from './fitProfile.js';
import { fittedProfile } from './fittedProfile.js';
import { compareInt8Containers, withContainer, type Int8ContainerChoice } from './int8Container.js';
import { checkSampler, kDefaultSampler, type SamplerSettings } from './interleaved.js';
import { ProfileJournal, type JournalHeader, type PartEntry, type SubnetEntry } from './journal.js';
import { machineInfo } from './machine.js';
import { GraphCache, measurePart } from './measurePart.js';
import { atTypicalSpeed, measureSubnet, referenceConfig, subnetGraph } from './measureSubnet.js';
import { sampleSubnets, splitCount, subnetGroups } from './subnetSets.js';
import { partVariants } from './variants.js';

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

/**
 * The container comparison a journal's measurements are taken with: the journal's record, else
 * measured now and recorded before any measurement. A journal of an earlier hwnas holds
 * measurements without a record, taken with uint8 weights: it continues only if uint8 is the
 * choice here too (its entries would otherwise be of another container than the rest).
 */
async function journalContainer(journal: ProfileJournal, runtime: BenchRuntime, space: SearchSpace, sampler: SamplerSettings): Promise<Int8ContainerChoice | null> {
  if (journal.container !== undefined) return journal.container.choice;
  const choice = await compareInt8Containers(runtime, space, sampler);
  const measured = journal.parts.size + journal.subnets.size;
  if (measured > 0 && choice !== null && choice.weightType !== 'uint8') {
    throw new Error(`cannot resume ${journal.path}: its ${measured} measurements were taken with uint8 weights (by an earlier hwnas, which measured ` +
      `before choosing the container), but this machine runs ${choice.weightType} weights faster and a profile measures with the container ` +
      'its exports use; delete it to start over');
  }
  journal.append({ type: 'container', choice });
  return choice;
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
  const int8 = await journalContainer(journal, runtime, space, sampler);
  // Everything measured with the container exports use (the runtime itself when it has no choice).
  const measuring = int8 === null ? runtime : withContainer(runtime, int8.weightType);
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
  const reference = subnetGraph(measuring, space, refConfig);
  const report = (phase: ProfileProgress['phase']) => o.onProgress?.({ phase, done, total, noisy });
  report('parts');
  const cache = new GraphCache(measuring);
  try {
    for (const v of partTodo) {
      const started = Date.now();
      const entry = await measurePart(measuring, cache, space, v, sampler, reference, clock.deadline(started));
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
    const entry = await measureSubnet(measuring, space, s.group, s.config, sampler, clock.deadline(started), reference);
    clock.finished(Date.now() - started, 1000 * entry.seconds);
    journal.append(entry);
    done++;
    if (entry.noisy) noisy++;
    report('subnets');
  }
  const parts = variants.map((v) => journal.parts.get(v.key) as PartEntry);
  const entries = subnets.map((s) => journal.subnets.get(configKey(space, s.config)) as SubnetEntry);
  // Every time at the machine's typical speed over the run: the reference's median as the whole
  // subnets saw it (timed alone on multi-threaded runtimes, as deployed: timeGraph.ts), else over the parts.
  const subnetRefs = entries.flatMap((e) => (e.refMs !== undefined ? [e.refMs] : []));
  const typicalRefMs = median(subnetRefs.length > 0 ? subnetRefs : parts.map((e) => e.refMs));
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
    ...(int8 !== null ? { int8, measuredWeightType: int8.weightType } : {}),
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

