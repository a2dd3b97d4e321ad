/**
 * HAT's evolutionary search over SubTransformers, with EvolutionFinder's two modes and rules:
 * budget mode keeps the top `parentsSize` by predicted accuracy and adds mutants and uniform
 * crossovers, over-budget children redrawn a bounded number of times; Pareto mode is NSGA-II on
 * (predicted accuracy, latency). An impossible budget throws InfeasibleBudgetError naming the
 * fastest latency a min-latency search reaches. The fitness is injected (OFA's way): this file
 * knows neither the predictor nor the latency model, and imports no runtime.
 */
import { Rng } from '../space/rng.js';
import { transformerConfigKey } from '../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';
import { InfeasibleBudgetError } from './errors.js';
import { paretoFront2d, rankPopulation, selectSurvivors, tournament } from './nsga2.js';
import { resolveSearchOptions, type SearchOptions } from './searchOptions.js';
import { crossoverTransformer, fastTransformerSeeds, mutateTransformer, sampleTransformerGenome } from './transformerGenome.js';
import type { GenerationStats, SearchHooks, TargetInfo } from './types.js';

/** Scores SubTransformers: predicted accuracy and latency on one target, many at once. */
export interface TransformerFitness {
  readonly target: TargetInfo;
  score(configs: readonly TransformerConfig[]): Promise<{ accuracy: Float64Array; latency: Float64Array }>;
}

export interface ScoredTransformer {
  config: TransformerConfig;
  accuracy: number;
  latency: number;
}

interface Base {
  target: string;
  unit: string;
  seed: number;
  generations: number;
  scored: number;
  history: GenerationStats[];
}
export interface TransformerSearchResult extends Base { mode: 'budget'; maxLatency: number; best: ScoredTransformer; front: ScoredTransformer[] }
export interface TransformerParetoResult extends Base { mode: 'pareto'; maxLatency: number | null; front: ScoredTransformer[] }

const kFastestSalt = 0x5a17;

export class TransformerEvolutionFinder {
  readonly options: Required<SearchOptions>;
  private readonly cache = new Map<string, ScoredTransformer>();

  constructor(readonly space: TransformerSpace, readonly fitness: TransformerFitness, options: Omit<SearchOptions, 'quant'> = {}) {
    this.options = resolveSearchOptions({ ...options, quant: 'fp32' });
  }

  /** Configs scored so far (each distinct config once). */
  get scored(): number {
    return this.cache.size;
  }

  /** The most accurate SubTransformer within `maxLatency`. Rejects with InfeasibleBudgetError on an impossible budget. */
  async search(maxLatency: number, hooks: SearchHooks = {}): Promise<TransformerSearchResult> {
    checkBudget(maxLatency);
    const o = this.options;
    const rng = new Rng(o.seed);
    const accept = (s: ScoredTransformer) => s.latency <= maxLatency && Number.isFinite(s.accuracy);
    let population = await this.initial(rng, accept, maxLatency);
    const history: GenerationStats[] = [];
    for (let g = 1; g <= o.generations; g++) {
      const parents = byAccuracy(population).slice(0, o.parentsSize);
      population = dedupe([...parents, ...(await this.offspring(accept, () => rng.pick(parents).config, rng))]);
      const best = byAccuracy(population)[0];
      report(hooks, history, { generation: g, generations: o.generations, bestAccuracy: best.accuracy, bestLatency: best.latency, frontSize: 1, scored: this.scored });
    }
    const within = [...this.cache.values()].filter(accept);
    const front = paretoFront2d(within.map((s) => s.latency), within.map((s) => s.accuracy)).map((i) => within[i]);
    return { mode: 'budget', ...this.base(history), maxLatency, best: byAccuracy(population)[0], front };
  }

  /** The Pareto front of predicted accuracy vs latency, optionally within `maxLatency`. */
  async pareto(maxLatency?: number, hooks: SearchHooks = {}): Promise<TransformerParetoResult> {
    if (maxLatency !== undefined) checkBudget(maxLatency);
    const max = maxLatency ?? Infinity;
    const o = this.options;
    const rng = new Rng(o.seed);
    const accept = (s: ScoredTransformer) => s.latency <= max && Number.isFinite(s.accuracy);
    let population = await this.initial(rng, accept, max);
    const history: GenerationStats[] = [];
    for (let g = 1; g <= o.generations; g++) {
      const ranking = rankPopulation(objectives(population));
      const combined = dedupe([...population, ...(await this.offspring(accept, () => population[tournament(ranking, rng)].config, rng))]);
      population = selectSurvivors(objectives(combined), o.populationSize).map((i) => combined[i]);
      const front = frontOf(population);
      const best = front[front.length - 1];
      report(hooks, history, { generation: g, generations: o.generations, bestAccuracy: best.accuracy, bestLatency: best.latency, frontSize: front.length, scored: this.scored });
    }
    return { mode: 'pareto', ...this.base(history), maxLatency: maxLatency ?? null, front: frontOf(population) };
  }

  /** Scores `configs` (each distinct config once over the finder's life). */
  private async evaluate(configs: readonly TransformerConfig[]): Promise<ScoredTransformer[]> {
    const fresh = new Map<string, TransformerConfig>();
    for (const c of configs) if (!this.cache.has(transformerConfigKey(c))) fresh.set(transformerConfigKey(c), c);
    if (fresh.size > 0) {
      const list = [...fresh.values()];
      const { accuracy, latency } = await this.fitness.score(list);
      list.forEach((config, i) => this.cache.set(transformerConfigKey(config), { config, accuracy: accuracy[i], latency: latency[i] }));
    }
    return configs.map((c) => this.cache.get(transformerConfigKey(c)) as ScoredTransformer);
  }

  /** Up to `needed` accepted candidates of `make`, drawing at most resampleLimit x needed. */
  private async draw(needed: number, make: () => TransformerConfig, accept: (s: ScoredTransformer) => boolean): Promise<ScoredTransformer[]> {
    const out: ScoredTransformer[] = [];
    let drawn = 0;
    const limit = this.options.resampleLimit * needed;
    while (out.length < needed && drawn < limit) {
      const batch = Array.from({ length: Math.min(needed - out.length, limit - drawn) }, make);
      drawn += batch.length;
      out.push(...(await this.evaluate(batch)).filter(accept));
    }
    return out;
  }

  private async offspring(accept: (s: ScoredTransformer) => boolean, pick: () => TransformerConfig, rng: Rng): Promise<ScoredTransformer[]> {
    const o = this.options;
    const mutants = await this.draw(o.mutationSize, () => mutateTransformer(this.space, pick(), rng, o.mutationProbability), accept);
    const crosses = await this.draw(o.crossoverSize, () => crossoverTransformer(pick(), pick(), rng), accept);
    return [...mutants, ...crosses];
  }

  private async initial(rng: Rng, accept: (s: ScoredTransformer) => boolean, max: number): Promise<ScoredTransformer[]> {
    const found = await this.draw(this.options.populationSize, () => sampleTransformerGenome(this.space, rng), accept);
    if (found.length > 0) return dedupe(found);
    const fastest = await this.fastest();
    if (!(fastest[0].latency <= max)) {
      const t = this.fitness.target;
      throw new InfeasibleBudgetError<TransformerConfig>(t.name, t.unit, max, fastest[0].latency, fastest[0].config);
    }
    const within = fastest.filter(accept).slice(0, this.options.populationSize);
    if (within.length === 0) throw new Error(`the accuracy predictor gave no finite accuracy for the SubTransformers within the budget on ${this.fitness.target.name}: check the predictor file`);
    return within;
  }

  /** A min-latency evolution seeded with the smallest SubTransformer; fastest first. */
  private async fastest(): Promise<ScoredTransformer[]> {
    const o = this.options;
    const rng = new Rng(o.seed ^ kFastestSalt);
    const finite = (s: ScoredTransformer) => Number.isFinite(s.latency);
    const byLatency = (list: ScoredTransformer[]) => [...list].sort((a, b) => a.latency - b.latency);
    let population = dedupe([
      ...(await this.evaluate(fastTransformerSeeds(this.space))).filter(finite),
      ...(await this.draw(o.populationSize, () => sampleTransformerGenome(this.space, rng), finite)),
    ]);
    if (population.length === 0) throw new Error(`target ${this.fitness.target.name} gave no finite latency for any SubTransformer: its latency model cannot score this space`);
    for (let g = 1; g <= o.fastestGenerations; g++) {
      const parents = byLatency(population).slice(0, o.parentsSize);
      population = dedupe([...parents, ...(await this.offspring(finite, () => rng.pick(parents).config, rng))]);
    }
    return byLatency(population);
  }

  private base(history: GenerationStats[]): Base {
    const { name, unit } = this.fitness.target;
    return { target: name, unit, seed: this.options.seed, generations: this.options.generations, scored: this.scored, history };
  }
}

function checkBudget(max: number): void {
  if (!Number.isFinite(max) || max <= 0) throw new RangeError(`a latency budget must be a positive number (got ${max})`);
}

function report(hooks: SearchHooks, history: GenerationStats[], stats: GenerationStats): void {
  history.push(stats);
  hooks.onGeneration?.(stats);
}

/** Most accurate first; ties by lower latency, then by key (a total order: the same seed, the same result). */
function byAccuracy(list: readonly ScoredTransformer[]): ScoredTransformer[] {
  return [...list].sort((a, b) => b.accuracy - a.accuracy || a.latency - b.latency || transformerConfigKey(a.config).localeCompare(transformerConfigKey(b.config)));
}

function dedupe(list: readonly ScoredTransformer[]): ScoredTransformer[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const key = transformerConfigKey(s.config);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function objectives(list: readonly ScoredTransformer[]): Float64Array[] {
  return [Float64Array.from(list, (s) => -s.accuracy), Float64Array.from(list, (s) => s.latency)];
}

function frontOf(population: readonly ScoredTransformer[]): ScoredTransformer[] {
  return paretoFront2d(population.map((s) => s.latency), population.map((s) => s.accuracy)).map((i) => population[i]);
}
