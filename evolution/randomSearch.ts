/**
 * Random search, the baseline every NAS method must beat: `count` distinct configs drawn from
 * the genome as a search draws its first population (sampleMember, seeded), scored under the
 * budget by the same fitness a search uses; the most accurate within the budget wins. Give it
 * the number of configs an evolutionary search scored to compare the two at equal cost.
 */
import { Rng } from '../space/rng.js';
import type { QuantMode } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { baselineResult, budgetEvaluator } from './bestWithin.js';
import { kDefaultSearchOptions } from './searchOptions.js';
import { sampleMember } from './searchGenome.js';
import type { BaselineResult, Fitness, LatencyBudget } from './types.js';

export interface RandomSearchOptions {
  /** Distinct configs to score. */
  count: number;
  seed?: number;
  /** 'mixed': the joint genome with per-block bits; 'fp32': architecture only. */
  quant?: QuantMode;
  /**
   * Bound on drawing: at most `resampleLimit * count` samples. A space with fewer than `count`
   * configs (or a very repetitive sampler) ends the search at the bound with fewer scored.
   */
  resampleLimit?: number;
}

/** The most accurate of `options.count` random configs within `budget`; `scored` says how many were scored. */
export async function randomSearch(space: SearchSpace, fitness: Fitness, budget: LatencyBudget, options: RandomSearchOptions): Promise<BaselineResult> {
  const { count, seed = kDefaultSearchOptions.seed, quant = kDefaultSearchOptions.quant, resampleLimit = kDefaultSearchOptions.resampleLimit } = options;
  if (!Number.isInteger(count) || count <= 0) throw new RangeError(`options.count must be a positive integer (got ${count})`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`options.seed must be a non-negative integer (got ${seed})`);
  if (!Number.isInteger(resampleLimit) || resampleLimit <= 0) throw new RangeError(`options.resampleLimit must be a positive integer (got ${resampleLimit})`);
  const evaluator = budgetEvaluator(space, fitness, quant, budget);
  const rng = new Rng(seed);
  const maxDraws = resampleLimit * count;
  for (let drawn = 0; evaluator.scored < count && drawn < maxDraws;) {
    const n = Math.min(count - evaluator.scored, maxDraws - drawn);
    drawn += n;
    await evaluator.evaluate(Array.from({ length: n }, () => sampleMember(space, rng, quant)));
  }
  return baselineResult(space, fitness, budget, evaluator.all());
}
