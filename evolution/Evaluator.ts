/**
 * Scores configs through a Fitness with a cache: evolution proposes the same config many
 * times (crossover of similar parents, mutations that change nothing), and each is scored
 * once per run. Keys are the genome bytes, so configs must be canonical (the sampler, mutation
 * and crossover all return canonical configs).
 */
import { deployedConfig } from '../space/bits.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { encodeConfigs, type GeneLayout } from '../space/genome.js';
import type { Fitness, ScoredConfig, ScoreOptions, TargetInfo } from './types.js';

/** A scored config. NaN marks values the fitness skipped (see ScoreOptions). */
export interface Individual {
  config: SubnetConfig;
  key: string;
  accuracy: number;
  /** One per fitness target. */
  latencies: Float64Array;
}

export class Evaluator {
  private readonly cache = new Map<string, Individual>();
  /** Distinct configs sent to the fitness. */
  scored = 0;

  constructor(
    private readonly layout: GeneLayout,
    private readonly fitness: Fitness,
    private readonly options: ScoreOptions = {},
  ) {}

  /** The individuals of `configs`, in order; only configs not seen before reach the fitness. */
  async evaluate(configs: readonly SubnetConfig[]): Promise<Individual[]> {
    const bytes = encodeConfigs(this.layout, configs);
    const width = this.layout.length;
    const keys = configs.map((_, i) => String.fromCharCode.apply(null, bytes.subarray(i * width, (i + 1) * width) as unknown as number[]));
    const missing: number[] = [];
    const pending = new Set<string>();
    keys.forEach((key, i) => {
      if (!this.cache.has(key) && !pending.has(key)) {
        pending.add(key);
        missing.push(i);
      }
    });
    if (missing.length > 0) {
      const scores = await this.fitness.score(missing.map((i) => configs[i]), this.options);
      const targets = this.fitness.targets.length;
      missing.forEach((i, k) => {
        this.cache.set(keys[i], {
          config: configs[i],
          key: keys[i],
          accuracy: scores.accuracy[k],
          latencies: scores.latency.slice(k * targets, (k + 1) * targets),
        });
      });
      this.scored += missing.length;
    }
    return keys.map((key) => this.cache.get(key) as Individual);
  }

  /** Every individual scored so far, in first-scored order. */
  all(): Individual[] {
    return [...this.cache.values()];
  }
}

/** The column of target spec `target` in `fitness`'s scores; throws naming the targets it scores. */
export function targetIndex(fitness: Fitness, target: string): number {
  const t = fitness.targets.findIndex((info) => info.name === target);
  if (t < 0) {
    throw new RangeError(`target '${target}' is not scored by this fitness: it scores ${fitness.targets.map((info) => info.name).join(', ')}`);
  }
  return t;
}

/** Most accurate first; equal accuracy: lower latency on target t first (stable otherwise). */
export function byAccuracy(list: readonly Individual[], t: number): Individual[] {
  return [...list].sort((a, b) => b.accuracy - a.accuracy || a.latencies[t] - b.latencies[t]);
}

/**
 * An individual as a result entry: the model it deploys as (deployedConfig), its latency on
 * target t and on every target, keyed by spec.
 */
export function scoredConfig(space: SearchSpace, targets: readonly TargetInfo[], ind: Individual, t: number): ScoredConfig {
  const latencies: Record<string, number> = {};
  targets.forEach((info, k) => (latencies[info.name] = ind.latencies[k]));
  return { config: deployedConfig(space, ind.config), accuracy: ind.accuracy, latency: ind.latencies[t], latencies };
}

/** `list` without repeated configs (the first of each stays). */
export function dedupe(list: readonly Individual[]): Individual[] {
  const seen = new Set<string>();
  return list.filter((ind) => !seen.has(ind.key) && seen.add(ind.key) !== undefined);
}

/** A candidate maker and how many acceptable candidates it must deliver. */
export interface Quota {
  needed: number;
  make: () => SubnetConfig;
}

/**
 * Draws candidates from each maker until each has delivered `needed` individuals that pass
 * `accept`, drawing at most `limit` times the total needed. Makers are called in a fixed order
 * (the quotas' order, round after round), so a seeded maker gives the same result however the
 * scoring is split. Returns what each quota got, which is short only when the bound was hit.
 */
export async function drawAccepted(
  evaluator: Evaluator,
  accept: (ind: Individual) => boolean,
  quotas: readonly Quota[],
  limit: number,
): Promise<Individual[][]> {
  const got: Individual[][] = quotas.map(() => []);
  const maxDraws = limit * quotas.reduce((sum, q) => sum + q.needed, 0);
  let drawn = 0;
  for (;;) {
    const batch: SubnetConfig[] = [];
    const owner: number[] = [];
    quotas.forEach((q, k) => {
      for (let i = got[k].length; i < q.needed && drawn + batch.length < maxDraws; i++) {
        batch.push(q.make());
        owner.push(k);
      }
    });
    if (batch.length === 0) return got;
    drawn += batch.length;
    const individuals = await evaluator.evaluate(batch);
    individuals.forEach((ind, i) => {
      if (accept(ind)) got[owner[i]].push(ind);
    });
  }
}
