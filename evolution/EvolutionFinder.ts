/**
 * OFA-style evolutionary search over the joint genome, with a latency budget per target and a
 * multi-objective (NSGA-II) mode.
 *
 * Budget mode (OFA): a feasible random population; each generation keeps the top
 * `parentsSize` by predicted accuracy as parents and adds `mutationSize` mutants of random
 * parents and `crossoverSize` uniform crossovers of two random parents. Over-budget or invalid
 * (non-finite score) children are redrawn, at most `resampleLimit` times as many as needed;
 * a generation that hits the bound goes on with fewer children. When the initial population
 * finds no config within the budget, a min-latency search decides: an infeasible budget throws
 * an InfeasibleBudgetError naming the fastest latency the space reaches on that target,
 * otherwise the fastest configs within the budget seed the population.
 *
 * Pareto mode: NSGA-II on (predicted accuracy, latency on the target), parents by binary
 * tournament, survivors by non-dominated rank and crowding distance.
 *
 * What the search varies is its SearchGenome: every gene of the space by default, or e.g. only
 * the bits of a fixed architecture (bitsGenome). All randomness is drawn here, on the calling
 * thread, from one seeded Rng; scoring is a pure function of the configs, so the same seed
 * gives the same result for any fitness worker count.
 */
import { deployedConfig } from '../space/bits.js';
import { Rng } from '../space/rng.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { crossover } from './crossover.js';
import { InfeasibleBudgetError } from './errors.js';
import { byAccuracy, dedupe, drawAccepted, Evaluator, scoredConfig, targetIndex, type Individual } from './Evaluator.js';
import type { GeneLayout } from '../space/genome.js';
import { mutate } from './mutate.js';
import { paretoFront2d, rankPopulation, selectSurvivors, tournament } from './nsga2.js';
import { fullGenome, type SearchGenome } from './searchGenome.js';
import { resolveSearchOptions, type SearchOptions } from './searchOptions.js';
import type {
  FastestResult, Fitness, GenerationStats, LatencyBudget, ParetoResult, ScoredConfig, SearchHooks, SearchResult,
} from './types.js';

/** Salt of the min-latency search's stream, so it does not replay the main search's draws. */
const kFastestSalt = 0x5a17;

export class EvolutionFinder {
  readonly options: Required<SearchOptions>;
  readonly genome: SearchGenome;
  readonly layout: GeneLayout;

  /** `genome`: what the search varies; by default every gene of `space` in `options.quant`. */
  constructor(
    readonly space: SearchSpace,
    readonly fitness: Fitness,
    options: SearchOptions = {},
    genome?: SearchGenome,
  ) {
    this.options = resolveSearchOptions(options);
    this.genome = genome ?? fullGenome(space, this.options.quant);
    if (this.genome.layout.space !== space) throw new RangeError(`the genome is of space '${this.genome.layout.space.name}', not of the finder's space '${space.name}'`);
    if (this.genome.layout.quant !== this.options.quant) {
      throw new RangeError(`options.quant is '${this.options.quant}' but the genome is '${this.genome.layout.quant}': give the genome's quant mode`);
    }
    this.layout = this.genome.layout;
  }

  /** The most accurate config within `budget`. Rejects with InfeasibleBudgetError on an impossible budget. */
  async search(budget: LatencyBudget, hooks: SearchHooks = {}): Promise<SearchResult> {
    const t = this.targetIndex(budget.target);
    this.checkBudget(budget.max);
    const o = this.options;
    const rng = new Rng(o.seed);
    const evaluator = new Evaluator(this.layout, this.fitness, { budget: { target: t, max: budget.max } });
    const accept = (ind: Individual): boolean => ind.latencies[t] <= budget.max && Number.isFinite(ind.accuracy);
    let population = await this.initialPopulation(rng, evaluator, accept, t, budget.max);
    const history: GenerationStats[] = [];
    for (let g = 1; g <= o.generations; g++) {
      const parents = byAccuracy(population, t).slice(0, o.parentsSize);
      const pick = (): SubnetConfig => rng.pick(parents).config;
      population = dedupe([...parents, ...(await this.offspring(evaluator, accept, pick, rng))]);
      const best = byAccuracy(population, t)[0];
      this.report(hooks, history, { generation: g, generations: o.generations, bestAccuracy: best.accuracy, bestLatency: best.latencies[t], frontSize: 1, scored: evaluator.scored });
    }
    const scoredWithin = evaluator.all().filter(accept);
    const front = paretoFront2d(scoredWithin.map((ind) => ind.latencies[t]), scoredWithin.map((ind) => ind.accuracy));
    return {
      mode: 'budget',
      ...this.resultBase(t, history, evaluator),
      maxLatency: budget.max,
      best: this.scored(byAccuracy(population, t)[0], t),
      front: front.map((i) => this.scored(scoredWithin[i], t)),
    };
  }

  /** The Pareto front of predicted accuracy vs latency on `target`, optionally within `maxLatency`. */
  async pareto(target: string, maxLatency?: number, hooks: SearchHooks = {}): Promise<ParetoResult> {
    const t = this.targetIndex(target);
    if (maxLatency !== undefined) this.checkBudget(maxLatency);
    const max = maxLatency ?? Infinity;
    const o = this.options;
    const rng = new Rng(o.seed);
    const evaluator = new Evaluator(this.layout, this.fitness, maxLatency === undefined ? {} : { budget: { target: t, max } });
    const accept = (ind: Individual): boolean => ind.latencies[t] <= max && Number.isFinite(ind.accuracy);
    let population = await this.initialPopulation(rng, evaluator, accept, t, max);
    const history: GenerationStats[] = [];
    for (let g = 1; g <= o.generations; g++) {
      const ranking = rankPopulation(objectives(population, t));
      const pick = (): SubnetConfig => population[tournament(ranking, rng)].config;
      const combined = dedupe([...population, ...(await this.offspring(evaluator, accept, pick, rng))]);
      population = selectSurvivors(objectives(combined, t), o.populationSize).map((i) => combined[i]);
      const front = this.front(population, t);
      const best = front[front.length - 1];
      this.report(hooks, history, { generation: g, generations: o.generations, bestAccuracy: best.accuracy, bestLatency: best.latencies[t], frontSize: front.length, scored: evaluator.scored });
    }
    return {
      mode: 'pareto',
      ...this.resultBase(t, history, evaluator),
      maxLatency: maxLatency ?? null,
      front: this.front(population, t).map((ind) => this.scored(ind, t)),
    };
  }

  /** The fastest config a min-latency search finds on `target` (latency only, no accuracy). */
  async fastest(target: string): Promise<FastestResult> {
    const t = this.targetIndex(target);
    const [best] = await this.fastestPopulation(t);
    const info = this.fitness.targets[t];
    return { target: info.name, unit: info.unit, latency: best.latencies[t], config: deployedConfig(this.space, best.config) };
  }

  private async initialPopulation(
    rng: Rng, evaluator: Evaluator, accept: (ind: Individual) => boolean, t: number, max: number,
  ): Promise<Individual[]> {
    const o = this.options;
    const [found] = await drawAccepted(evaluator, accept, [
      { needed: o.populationSize, make: () => this.genome.sample(rng) },
    ], o.resampleLimit);
    if (found.length > 0) return dedupe(found);
    const fastest = await this.fastestPopulation(t);
    if (!(fastest[0].latencies[t] <= max)) {
      const info = this.fitness.targets[t];
      throw new InfeasibleBudgetError(info.name, info.unit, max, fastest[0].latencies[t], fastest[0].config);
    }
    const within = fastest.filter((ind) => ind.latencies[t] <= max).slice(0, o.populationSize);
    const seeded = dedupe((await evaluator.evaluate(within.map((ind) => ind.config))).filter(accept));
    if (seeded.length === 0) {
      throw new Error(`the accuracy predictor gave no finite accuracy for ${within.length} configs within the budget on ${this.fitness.targets[t].name}: check the predictor file`);
    }
    return seeded;
  }

  /**
   * A min-latency evolution on target t (latencies only), seeded with the genome's fast seeds
   * (the smallest architecture at every uniform bit-width pair, for the full genome). Returns
   * its final population, fastest first.
   */
  private async fastestPopulation(t: number): Promise<Individual[]> {
    const o = this.options;
    const rng = new Rng(o.seed ^ kFastestSalt);
    const evaluator = new Evaluator(this.layout, this.fitness, { latencyOnly: t });
    const accept = (ind: Individual): boolean => Number.isFinite(ind.latencies[t]);
    const byLatency = (list: Individual[]): Individual[] => [...list].sort((a, b) => a.latencies[t] - b.latencies[t]);
    const seeds = (await evaluator.evaluate(this.genome.fastSeeds())).filter(accept);
    const [sampled] = await drawAccepted(evaluator, accept, [
      { needed: Math.max(0, o.populationSize - seeds.length), make: () => this.genome.sample(rng) },
    ], o.resampleLimit);
    let population = dedupe([...seeds, ...sampled]);
    if (population.length === 0) {
      throw new Error(`target ${this.fitness.targets[t].name} gave no finite latency for any of ${evaluator.scored} configs: its latency model cannot score this space`);
    }
    for (let g = 1; g <= o.fastestGenerations; g++) {
      const parents = byLatency(population).slice(0, o.parentsSize);
      const pick = (): SubnetConfig => rng.pick(parents).config;
      population = dedupe([...parents, ...(await this.offspring(evaluator, accept, pick, rng))]);
    }
    return byLatency(population);
  }

  /** One generation's children: mutants and crossovers of parents drawn by `pick`, accepted ones only. */
  private async offspring(
    evaluator: Evaluator, accept: (ind: Individual) => boolean, pick: () => SubnetConfig, rng: Rng,
  ): Promise<Individual[]> {
    const o = this.options;
    const [mutants, crosses] = await drawAccepted(evaluator, accept, [
      { needed: o.mutationSize, make: () => mutate(this.layout, pick(), rng, o.mutationProbability) },
      { needed: o.crossoverSize, make: () => crossover(this.layout, pick(), pick(), rng) },
    ], o.resampleLimit);
    return [...mutants, ...crosses];
  }

  /** The non-dominated members of `population` (accuracy up, latency down), by latency. */
  private front(population: Individual[], t: number): Individual[] {
    return paretoFront2d(population.map((ind) => ind.latencies[t]), population.map((ind) => ind.accuracy)).map((i) => population[i]);
  }

  private targetIndex(target: string): number {
    return targetIndex(this.fitness, target);
  }

  private checkBudget(max: number): void {
    if (!Number.isFinite(max) || max <= 0) throw new RangeError(`a latency budget must be a positive number (got ${max})`);
  }

  private report(hooks: SearchHooks, history: GenerationStats[], stats: GenerationStats): void {
    history.push(stats);
    hooks.onGeneration?.(stats);
  }

  private scored(ind: Individual, t: number): ScoredConfig {
    return scoredConfig(this.space, this.fitness.targets, ind, t);
  }

  private resultBase(t: number, history: GenerationStats[], evaluator: Evaluator) {
    const units: Record<string, string> = {};
    for (const info of this.fitness.targets) units[info.name] = info.unit;
    const info = this.fitness.targets[t];
    return { target: info.name, unit: info.unit, units, seed: this.options.seed, generations: this.options.generations, scored: evaluator.scored, history };
  }
}

/** NSGA-II objectives, both minimised: -accuracy and latency on t. */
function objectives(list: readonly Individual[], t: number): Float64Array[] {
  return [Float64Array.from(list, (ind) => -ind.accuracy), Float64Array.from(list, (ind) => ind.latencies[t])];
}
