/**
 * Measuring what a transformer latency profile holds on this device (the CNN profile's method,
 * profileDevice.ts, on SubTransformers):
 *   1. the lookup table: every part variant of the space (transformerParts.ts) timed as a graph
 *      of its own against its baseline, beside the reference SubTransformer;
 *   2. whole random SubTransformers, each beside the reference;
 *   3. the table kind's overhead model fitted (fitProfile.ts) on the first subnets, as many as
 *      make the table's measurements plus theirs equal to the subnets HAT's MLP is trained on.
 * Every time is put at the machine's typical speed over the run (the reference's median), and
 * the rounds given to each measurement shrink to fit the time budget (BudgetClock).
 * The MLP is trained above this floor (pipeline/transformerProfile.ts).
 */
import { Rng } from '../../space/rng.js';
import { distinctTransformers, sampleTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { kTransformerTableFeatures, transformerPartVariants, transformerTableFeatures, transformerTableSum } from '../../latency/transformer/transformerParts.js';
import type { TransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { median } from '../../util/stats.js';
import type { BenchRuntime } from '../benchRuntime.js';
import { fitLatencyModel, kMinFitSamples } from '../fitProfile.js';
import { spreadWeight } from '../fittedProfile.js';
import { checkSampler, kDefaultSampler, type SamplerSettings } from '../interleaved.js';
import { machineInfo } from '../machine.js';
import { atTypicalSpeed } from '../measureSubnet.js';
import { BudgetClock } from '../profileDevice.js';
import { ProfileJournal, type PartEntry, type SubnetEntry } from '../journal.js';
import { measureSubTransformer, measureTransformerPart, referenceGraph, TransformerGraphCache } from './measureTransformer.js';

export interface TransformerProfileOptions {
  /** Whole random SubTransformers measured: the MLP's training set, and the table kind's measurement count. */
  subnets?: number;
  seed?: number;
  sampler?: Partial<SamplerSettings>;
  budgetSeconds?: number;
  /**
   * Journal every measurement to this file as it completes (journal.ts); with `resume`,
   * continue the one there, skipping what it holds. The caller removes it once the profile is written.
   */
  journal?: string;
  resume?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export const kDefaultTransformerProfileOptions = Object.freeze({ subnets: 300, seed: 1, budgetSeconds: 200 });

/** A profile without its MLP (trained above this floor). */
export type TransformerMeasurements = Omit<TransformerProfile, 'mlp'>;

/** The reference SubTransformer of a space: a fixed seeded draw. */
export function referenceTransformer(space: TransformerSpace): TransformerConfig {
  return sampleTransformer(space, new Rng(424_242));
}

/** The fewest subnets a profile of `space` takes: its table's parts plus kMinFitSamples for the overhead fit. */
export function minTransformerSubnets(space: TransformerSpace): number {
  return transformerPartVariants(space).length + kMinFitSamples;
}

/** Throws naming the option when the options cannot make a profile of `space`. */
export function checkTransformerProfileOptions(space: TransformerSpace, o: { subnets: number; seed: number; budgetSeconds: number }): void {
  const min = minTransformerSubnets(space);
  if (!Number.isInteger(o.subnets) || o.subnets < min) {
    throw new RangeError(`--subnets ${o.subnets} is too few for space '${space.name}': its table has ${min - kMinFitSamples} parts and the overhead fit needs ${kMinFitSamples} more subnets: give --subnets ${min} or more`);
  }
  if (!Number.isInteger(o.seed)) throw new RangeError(`options.seed must be an integer (got ${o.seed})`);
  if (!(o.budgetSeconds > 0) || !Number.isFinite(o.budgetSeconds)) throw new RangeError(`options.budgetSeconds must be a positive number (got ${o.budgetSeconds})`);
}

const round = (ms: number): number => Number(ms.toPrecision(6));

/** Measures the table and the subnets of `space` on `runtime` and fits the table kind. */
export async function measureTransformerProfile(runtime: BenchRuntime, space: TransformerSpace, options: TransformerProfileOptions = {}): Promise<TransformerMeasurements> {
  const o = { ...kDefaultTransformerProfileOptions, ...options };
  checkTransformerProfileOptions(space, o);
  const sampler: SamplerSettings = { ...kDefaultSampler, ...options.sampler };
  checkSampler(sampler);
  const variants = transformerPartVariants(space);
  const refConfig = referenceTransformer(space);
  const configs = distinctTransformers(space, o.subnets, o.seed, new Set([transformerConfigKey(refConfig)]));
  const journal = o.journal === undefined ? undefined : ProfileJournal.open<TransformerSpace, TransformerConfig>(o.journal, {
    type: 'header', target: runtime.target, threads: runtime.threads, bits: false, space, seed: o.seed, measurement: sampler, machine: machineInfo(runtime),
  }, o.resume === true);
  const partsDone = journal?.parts ?? new Map<string, PartEntry>();
  const subnetsDone = journal?.subnets ?? new Map<string, SubnetEntry<TransformerConfig>>();
  const total = variants.filter((v) => !partsDone.has(v.key)).length + configs.filter((c) => !subnetsDone.has(transformerConfigKey(c))).length;
  const clock = new BudgetClock(Date.now() + 1000 * o.budgetSeconds, total);
  const cache = new TransformerGraphCache(runtime);
  let done = 0;
  const step = (started: number, entry: PartEntry | SubnetEntry<TransformerConfig>): void => {
    clock.finished(Date.now() - started, 1000 * entry.seconds);
    journal?.append(entry);
    if (entry.type === 'part') partsDone.set(entry.key, entry);
    else subnetsDone.set(entry.key, entry);
    o.onProgress?.(++done, total);
  };
  try {
    const partReference = await referenceGraph(cache, space, refConfig);
    for (const part of variants.filter((v) => !partsDone.has(v.key))) {
      const started = Date.now();
      const t = await measureTransformerPart(runtime, cache, space, part, partReference, sampler, clock.deadline(started));
      step(started, { type: 'part', key: part.key, ms: t.ms, partMs: t.partMs as number, baselineMs: t.baselineMs as number, refMs: t.refMs, spread: t.spread, rounds: t.rounds, noisy: t.noisy, seconds: t.seconds });
    }
    if (runtime.threads > 1) await cache.release(); // no idle session alive while whole SubTransformers are timed
    for (const config of configs.filter((c) => !subnetsDone.has(transformerConfigKey(c)))) {
      const started = Date.now();
      const t = await measureSubTransformer(runtime, space, config, cache.reference(space, refConfig), sampler, clock.deadline(started));
      step(started, { type: 'subnet', group: 'fp32', key: transformerConfigKey(config), config, ms: t.ms, refMs: t.refMs, spread: t.spread, rounds: t.rounds, noisy: t.noisy, seconds: t.seconds });
    }
    const parts = variants.map((v) => partsDone.get(v.key) as PartEntry);
    const subnets = configs.map((c) => subnetsDone.get(transformerConfigKey(c)) as SubnetEntry<TransformerConfig>);
    const typicalRefMs = median([...parts, ...subnets].map((t) => t.refMs as number));
    const table = Object.fromEntries(variants.map((v, i) => [v.key, round(atTypicalSpeed(parts[i].ms, parts[i].refMs, typicalRefMs))]));
    const measured = configs.map((config, i) => ({ config, ms: round(atTypicalSpeed(subnets[i].ms, subnets[i].refMs, typicalRefMs)), spread: round(subnets[i].spread) }));
    return {
      target: runtime.target, threads: runtime.threads, space,
      machine: machineInfo(runtime),
      measurement: { sampler, budgetSeconds: o.budgetSeconds },
      table,
      tableSpread: Object.fromEntries(variants.map((v, i) => [v.key, round(parts[i].spread)])),
      subnets: measured,
      reference: { config: refConfig, ms: round(typicalRefMs) },
      tableModel: fitTableModel(space, table, measured.slice(0, o.subnets - variants.length)),
      format: 'hwnas-transformer-latency-profile', version: 1,
    };
  } finally {
    await cache.release();
  }
}

/** The table kind's overhead model fitted on `subnets` (weighted by their spread). */
export function fitTableModel(
  space: TransformerSpace, table: Record<string, number>, subnets: ReadonlyArray<{ config: TransformerConfig; ms: number; spread: number }>,
): TransformerProfile['tableModel'] {
  const entries = new Map(Object.entries(table));
  const samples = subnets.map((s) => ({
    features: transformerTableFeatures(transformerTableSum(entries, space, s.config), s.config), ms: s.ms, weight: spreadWeight(s.spread),
  }));
  const fit = fitLatencyModel(samples, 'transformer table');
  return { features: [...kTransformerTableFeatures], weights: fit.weights, ridge: fit.ridge, subnets: subnets.length, crossValidated: fit.crossValidated };
}
