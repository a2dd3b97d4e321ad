/**
 * Judging configs that no evolution chose - a hand-made family, random samples - the way a
 * budget search judges its own: scored by the same fitness under the same budget (accuracy is
 * predicted only within it), the most accurate within the budget wins, ties to the faster.
 */
import type { QuantMode } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { byAccuracy, Evaluator, scoredConfig, targetIndex, type Individual } from './Evaluator.js';
import { geneLayout } from '../space/genome.js';
import { paretoFront2d } from './nsga2.js';
import type { BaselineResult, Fitness, LatencyBudget } from './types.js';

/** The target column of `budget`; throws on a target the fitness does not score or a budget that is not positive. */
export function budgetTarget(fitness: Fitness, budget: LatencyBudget): number {
  const t = targetIndex(fitness, budget.target);
  if (!(budget.max > 0)) throw new RangeError(`a latency budget must be a positive number (got ${budget.max})`);
  return t;
}

/** An Evaluator of `quant` configs that predicts accuracy only within `budget`. */
export function budgetEvaluator(space: SearchSpace, fitness: Fitness, quant: QuantMode, budget: LatencyBudget): Evaluator {
  return new Evaluator(geneLayout(space, quant), fitness, { budget: { target: budgetTarget(fitness, budget), max: budget.max } });
}

/** The result over every distinct config scored (`individuals`). */
export function baselineResult(space: SearchSpace, fitness: Fitness, budget: LatencyBudget, individuals: readonly Individual[]): BaselineResult {
  const t = budgetTarget(fitness, budget);
  const within = individuals.filter((ind) => ind.latencies[t] <= budget.max && Number.isFinite(ind.accuracy));
  const best = byAccuracy(within, t)[0];
  const info = fitness.targets[t];
  const front = paretoFront2d(within.map((ind) => ind.latencies[t]), within.map((ind) => ind.accuracy));
  return {
    target: info.name, unit: info.unit, maxLatency: budget.max,
    best: best === undefined ? null : scoredConfig(space, fitness.targets, best, t),
    scored: individuals.length, within: within.length,
    front: front.map((i) => scoredConfig(space, fitness.targets, within[i], t)),
  };
}

/**
 * The most accurate of `configs` (canonical; float and with bits alike) within `budget`.
 * `budget.max` may be Infinity to score them all.
 */
export async function bestWithin(space: SearchSpace, fitness: Fitness, configs: readonly SubnetConfig[], budget: LatencyBudget): Promise<BaselineResult> {
  const scored: Individual[] = [];
  for (const quant of ['fp32', 'mixed'] as const) {
    const mine = configs.filter((cfg) => (cfg.wBits === undefined) === (quant === 'fp32'));
    if (mine.length === 0) continue;
    const evaluator = budgetEvaluator(space, fitness, quant, budget);
    await evaluator.evaluate(mine);
    scored.push(...evaluator.all());
  }
  return baselineResult(space, fitness, budget, scored);
}
