/**
 * The search strategy registry (as latency/targets.ts is for hardware targets): one file per
 * strategy under evolution/strategies/, registered in one loop below, names from the frozen
 * table in strategyNames.ts. Registered: evolution (OFA, the best config within a budget),
 * nsga2 (the Pareto front of accuracy vs latency) and random (the baseline).
 *
 * Adding a strategy:
 *   1. add its name to kStrategyNames in strategyNames.ts;
 *   2. write evolution/strategies/<name>.ts exporting a `SearchStrategy`;
 *   3. import it here and append it to kBuiltinStrategies.
 * Loading this module throws if the table and the files disagree.
 */
import type { SearchStrategy } from './SearchStrategy.js';
import { isStrategyName, kStrategyNames, type StrategyName } from './strategyNames.js';
import { evolutionStrategy } from './strategies/evolution.js';
import { nsga2Strategy } from './strategies/nsga2.js';
import { randomStrategy } from './strategies/random.js';

export { isStrategyName, kStrategyNames, type StrategyName };

const kBuiltinStrategies: readonly SearchStrategy[] = [evolutionStrategy, nsga2Strategy, randomStrategy];

const registry = new Map<StrategyName, SearchStrategy>();

for (const strategy of kBuiltinStrategies) {
  if (!isStrategyName(strategy.name)) throw new Error(`strategy '${strategy.name}' is not in kStrategyNames (evolution/strategyNames.ts): add it there first`);
  if (registry.has(strategy.name)) throw new Error(`strategy '${strategy.name}' is registered twice`);
  registry.set(strategy.name, strategy);
}
for (const name of kStrategyNames) {
  if (!registry.has(name)) throw new Error(`strategy '${name}' is in kStrategyNames but no file under evolution/strategies/ registers it`);
}

/** The strategy called `name`; throws with the valid names for an unknown one. */
export function getStrategy(name: string): SearchStrategy {
  if (!isStrategyName(name)) throw new RangeError(`unknown search strategy '${name}': use one of ${kStrategyNames.join(', ')}`);
  return registry.get(name) as SearchStrategy;
}

/** The strategy a search runs when none is named: NSGA-II for a front, else the budget evolution. */
export function defaultStrategyName(pareto: boolean): StrategyName {
  return pareto ? 'nsga2' : 'evolution';
}
