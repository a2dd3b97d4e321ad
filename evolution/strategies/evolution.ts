/** OFA's evolutionary search as a strategy: the most accurate config within the budget (EvolutionFinder.search). */
import { EvolutionFinder } from '../EvolutionFinder.js';
import type { SearchStrategy } from '../SearchStrategy.js';

export const evolutionStrategy: SearchStrategy = {
  name: 'evolution',
  description: 'OFA evolution: the most accurate config within a latency budget',
  async search(problem, options = {}, hooks = {}) {
    if (problem.maxLatency === undefined) {
      throw new RangeError(`the evolution strategy searches within a latency budget on ${problem.target}: give one, or use nsga2 for the Pareto front`);
    }
    const finder = new EvolutionFinder(problem.space, problem.fitness, options, problem.genome);
    return finder.search({ target: problem.target, max: problem.maxLatency }, hooks);
  },
};
