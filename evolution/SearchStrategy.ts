/**
 * The one interface every search strategy implements, so the pipeline runs any of them the
 * same way and a new strategy is a new file under strategies/ (registered in strategies.ts).
 * A strategy draws all its randomness from `options.seed` on the calling thread and scores
 * through `problem.fitness`, so the same seed gives the same result for any worker count.
 */
import type { SearchSpace } from '../space/types.js';
import type { SearchGenome } from './searchGenome.js';
import type { SearchOptions } from './searchOptions.js';
import type { StrategyName } from './strategyNames.js';
import type { Fitness, ParetoResult, SearchHooks, SearchResult } from './types.js';

/** What a search is asked: a target of the fitness and, for a budget search, its budget. */
export interface SearchProblem {
  space: SearchSpace;
  fitness: Fitness;
  /** A target spec the fitness scores; latencies and budgets are in its unit. */
  target: string;
  /** Latency budget on `target`; absent: none (a front over the whole space). */
  maxLatency?: number;
  /** What the search varies; by default every gene of the space in `options.quant` (fullGenome). */
  genome?: SearchGenome;
}

export interface SearchStrategy {
  readonly name: StrategyName;
  /** One line for help texts: what it searches and what it returns. */
  readonly description: string;
  /**
   * Runs the search: a budget result (the most accurate config within `maxLatency`) or a Pareto
   * front, as the strategy's description says. Rejects on a problem it cannot search (e.g. a
   * budget search without a budget) and on an infeasible budget.
   */
  search(problem: SearchProblem, options?: SearchOptions, hooks?: SearchHooks): Promise<SearchResult | ParetoResult>;
}
