/** NSGA-II as a strategy: the Pareto front of predicted accuracy vs latency, within the budget if one is given (EvolutionFinder.pareto). */
import { EvolutionFinder } from '../EvolutionFinder.js';
import type { SearchStrategy } from '../SearchStrategy.js';

export const nsga2Strategy: SearchStrategy = {
  name: 'nsga2',
  description: 'NSGA-II: the Pareto front of predicted accuracy vs latency (within the budget, if given)',
  async search(problem, options = {}, hooks = {}) {
    const finder = new EvolutionFinder(problem.space, problem.fitness, options, problem.genome);
    return finder.pareto(problem.target, problem.maxLatency, hooks);
  },
};
