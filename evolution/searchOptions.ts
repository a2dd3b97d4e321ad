/**
 * Options of EvolutionFinder, piscina's way: all optional, one table of defaults, one merge,
 * and checks that name the option. Defaults follow OFA's evolution finder (population 100, top
 * 25 as parents, 50 mutation and 50 crossover children, per-gene probability 0.1, 500
 * generations).
 */
import type { QuantMode } from '../space/searchSpace.js';

export interface SearchOptions {
  /** Size of the initial population, and of the population NSGA-II keeps. */
  populationSize?: number;
  /** Best configs kept as parents each generation (budget mode). */
  parentsSize?: number;
  /** Children made by mutation each generation. */
  mutationSize?: number;
  /** Children made by uniform crossover each generation. */
  crossoverSize?: number;
  /** Probability that mutation redraws each gene. */
  mutationProbability?: number;
  generations?: number;
  seed?: number;
  /** 'mixed': the genome includes per-block weight and activation bits; 'fp32': it does not. */
  quant?: QuantMode;
  /**
   * Bound on redrawing over-budget or invalid configs: a generation (or the initial population)
   * draws at most `resampleLimit` times as many candidates as it needs.
   */
  resampleLimit?: number;
  /** Generations of the min-latency search that finds the fastest config on a target. */
  fastestGenerations?: number;
}

export const kDefaultSearchOptions: Readonly<Required<SearchOptions>> = Object.freeze({
  populationSize: 100,
  parentsSize: 25,
  mutationSize: 50,
  crossoverSize: 50,
  mutationProbability: 0.1,
  generations: 500,
  seed: 0,
  quant: 'mixed',
  resampleLimit: 20,
  fastestGenerations: 30,
});

function positiveInteger(name: keyof SearchOptions, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`options.${name} must be a positive integer (got ${value})`);
  }
}

/** The defaults merged with `options`; throws a RangeError naming the first bad option. */
export function resolveSearchOptions(options: SearchOptions = {}): Required<SearchOptions> {
  const o: Required<SearchOptions> = { ...kDefaultSearchOptions, ...options };
  positiveInteger('populationSize', o.populationSize);
  positiveInteger('parentsSize', o.parentsSize);
  if (o.parentsSize > o.populationSize) {
    throw new RangeError(`options.parentsSize must be at most options.populationSize (${o.populationSize}) (got ${o.parentsSize})`);
  }
  if (!Number.isInteger(o.mutationSize) || o.mutationSize < 0) {
    throw new RangeError(`options.mutationSize must be a non-negative integer (got ${o.mutationSize})`);
  }
  if (!Number.isInteger(o.crossoverSize) || o.crossoverSize < 0) {
    throw new RangeError(`options.crossoverSize must be a non-negative integer (got ${o.crossoverSize})`);
  }
  if (o.mutationSize + o.crossoverSize === 0) {
    throw new RangeError('options.mutationSize + options.crossoverSize must be positive (got 0): no children, no search');
  }
  if (!(o.mutationProbability >= 0 && o.mutationProbability <= 1)) {
    throw new RangeError(`options.mutationProbability must be in [0, 1] (got ${o.mutationProbability})`);
  }
  if (!Number.isInteger(o.generations) || o.generations < 0) {
    throw new RangeError(`options.generations must be a non-negative integer (got ${o.generations})`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0) {
    throw new RangeError(`options.seed must be a non-negative integer (got ${o.seed})`);
  }
  if (o.quant !== 'fp32' && o.quant !== 'mixed') {
    throw new RangeError(`options.quant must be 'fp32' or 'mixed' (got ${String(o.quant)})`);
  }
  positiveInteger('resampleLimit', o.resampleLimit);
  positiveInteger('fastestGenerations', o.fastestGenerations);
  return o;
}
