/**
 * Random search as a strategy, the baseline every NAS method must beat: candidates drawn from
 * the genome as a search draws its first population (for the full genome, sampleMember with its
 * float share), as many as an evolution run of the same options draws - `populationSize`, then
 * `mutationSize + crossoverSize` per generation - one generation at a time, each scored by the
 * same fitness. With a budget the most accurate config within it wins (a budget result);
 * without one, the result is the front of everything scored. (`randomSearch` in
 * randomSearch.ts draws a given number of distinct configs instead, to compare at equal
 * scoring cost.)
 */
import { Rng } from '../../space/rng.js';
import { byAccuracy, Evaluator, scoredConfig, targetIndex, type Individual } from '../Evaluator.js';
import { ceilSignificant } from '../errors.js';
import { paretoFront2d } from '../nsga2.js';
import type { SearchStrategy } from '../SearchStrategy.js';
import { fullGenome } from '../searchGenome.js';
import { resolveSearchOptions } from '../searchOptions.js';
import type { GenerationStats } from '../types.js';

export const randomStrategy: SearchStrategy = {
  name: 'random',
  description: 'random search: the most accurate of as many random configs as an evolution run draws (or their front, without a budget)',
  async search(problem, options = {}, hooks = {}) {
    const { space, fitness, maxLatency } = problem;
    const o = resolveSearchOptions(options);
    const genome = problem.genome ?? fullGenome(space, o.quant);
    if (genome.layout.space !== space) throw new RangeError(`the genome is of space '${genome.layout.space.name}', not of the problem's space '${space.name}'`);
    if (genome.layout.quant !== o.quant) throw new RangeError(`options.quant is '${o.quant}' but the genome is '${genome.layout.quant}': give the genome's quant mode`);
    const t = targetIndex(fitness, problem.target);
    if (maxLatency !== undefined && !(Number.isFinite(maxLatency) && maxLatency > 0)) throw new RangeError(`a latency budget must be a positive number (got ${maxLatency})`);
    const max = maxLatency ?? Infinity;
    const evaluator = new Evaluator(genome.layout, fitness, maxLatency === undefined ? {} : { budget: { target: t, max } });
    const accept = (ind: Individual): boolean => ind.latencies[t] <= max && Number.isFinite(ind.accuracy);
    const rng = new Rng(o.seed);
    const frontOf = (list: Individual[]): Individual[] => paretoFront2d(list.map((ind) => ind.latencies[t]), list.map((ind) => ind.accuracy)).map((i) => list[i]);
    const history: GenerationStats[] = [];
    for (let g = 0; g <= o.generations; g++) {
      const n = g === 0 ? o.populationSize : o.mutationSize + o.crossoverSize;
      await evaluator.evaluate(Array.from({ length: n }, () => genome.sample(rng)));
      if (g === 0) continue;
      const front = frontOf(evaluator.all().filter(accept));
      const best = front[front.length - 1];
      const stats: GenerationStats = {
        generation: g, generations: o.generations, bestAccuracy: best?.accuracy ?? NaN, bestLatency: best?.latencies[t] ?? NaN,
        frontSize: maxLatency === undefined ? front.length : 1, scored: evaluator.scored,
      };
      history.push(stats);
      hooks.onGeneration?.(stats);
    }
    const all = evaluator.all();
    const within = all.filter(accept);
    const info = fitness.targets[t];
    if (within.length === 0) {
      const fastest = Math.min(...all.map((ind) => ind.latencies[t]));
      throw new RangeError(
        `none of the ${all.length} random configs meets the budget on ${info.name} (latency <= ${maxLatency} ${info.unit}; the fastest drawn: ${ceilSignificant(fastest)} ${info.unit}): ` +
          'raise the budget, or use the evolution strategy, which searches for the fastest config the space reaches',
      );
    }
    const units: Record<string, string> = {};
    for (const target of fitness.targets) units[target.name] = target.unit;
    const base = { target: info.name, unit: info.unit, units, seed: o.seed, generations: o.generations, scored: evaluator.scored, history };
    const front = frontOf(within).map((ind) => scoredConfig(space, fitness.targets, ind, t));
    if (maxLatency === undefined) return { mode: 'pareto', ...base, maxLatency: null, front };
    return { mode: 'budget', ...base, maxLatency, best: scoredConfig(space, fitness.targets, byAccuracy(within, t)[0], t), front };
  },
};
