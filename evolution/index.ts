/**
 * The evolutionary search. Groups:
 * - the finder: EvolutionFinder, SearchOptions, kDefaultSearchOptions, InfeasibleBudgetError, and
 *   what it varies: fullGenome, bitsGenome (the bits of a fixed architecture)
 * - strategies behind one interface: SearchStrategy, SearchProblem, getStrategy, kStrategyNames,
 *   defaultStrategyName (evolution, nsga2, random; one file each under strategies/)
 * - baselines: randomSearch, handMadeFamily, bestWithin
 * - fitness on workers: FitnessPool, FitnessPoolOptions, loadFitnessModels, loadPredictor, scoreConfigs
 * - genome operators: geneLayout, encodeConfigs, decodeConfigs, geneIndex, setGeneIndex, mutate, crossover
 * - NSGA-II: nonDominatedSort, crowdingDistance, selectSurvivors, paretoFront2d
 * - plain-data types: Fitness, FitnessSpec, ScoredConfig, SearchResult, ParetoResult, ...
 */
export { EvolutionFinder } from './EvolutionFinder.js';
export { fullGenome, bitsGenome, type SearchGenome } from './searchGenome.js';
export type { SearchStrategy, SearchProblem } from './SearchStrategy.js';
export { getStrategy, defaultStrategyName, kStrategyNames, isStrategyName, type StrategyName } from './strategies.js';
export { randomSearch, type RandomSearchOptions } from './randomSearch.js';
export { handMadeFamily, type FamilyOptions, type UniformBits } from './handMadeFamily.js';
export { bestWithin } from './bestWithin.js';
export { kDefaultSearchOptions, resolveSearchOptions, type SearchOptions } from './searchOptions.js';
export { InfeasibleBudgetError, ceilSignificant } from './errors.js';
export { FitnessPool, kDefaultFitnessPoolOptions, type FitnessPoolOptions } from './FitnessPool.js';
export { loadFitnessModels, loadPredictor, type FitnessModels, type PredictorLoader } from './fitnessModels.js';
export { scoreConfigs } from './scoreConfigs.js';
export { fitnessTask, type FitnessTask } from './fitnessTask.js';
export {
  geneLayout, encodeConfigs, decodeConfigs, geneIndex, setGeneIndex, geneValue, type Gene, type GeneField, type GeneLayout, type GeneValue,
} from '../space/genome.js';
export { mutate } from './mutate.js';
export { crossover } from './crossover.js';
export {
  nonDominatedSort, crowdingDistance, rankPopulation, selectSurvivors, tournament, dominates, paretoFront2d,
  type Objectives, type Nsga2Ranking,
} from './nsga2.js';
export { Evaluator, type Individual } from './Evaluator.js';
export type * from './types.js';
