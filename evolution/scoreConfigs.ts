/**
 * Scoring a batch of configs with loaded models: a pure function of its input, so any split of
 * a batch across workers gives the same numbers. With a budget, the budget target's latency
 * comes first and only configs within the budget get an accuracy and the other targets'
 * latencies (the rest stay NaN): rejected configs cost one latency prediction. `latencyOnly`
 * works as a budget nothing meets. Each config is scored as the model it deploys as
 * (deployedConfig: the all-32-bit member of the joint genome is the float model).
 */
import { deployedConfig } from '../space/bits.js';
import type { SubnetConfig } from '../space/types.js';
import type { FitnessModels } from './fitnessModels.js';
import type { ScoreOptions, Scores } from './types.js';

export function scoreConfigs(models: FitnessModels, genomes: SubnetConfig[], options: ScoreOptions = {}): Scores {
  const configs = genomes.map((cfg) => deployedConfig(models.space, cfg));
  const n = configs.length;
  const targets = models.latency.length;
  const latency = new Float64Array(n * targets).fill(NaN);
  const accuracy = new Float64Array(n).fill(NaN);
  const budget = options.latencyOnly === undefined ? options.budget : { target: options.latencyOnly, max: -Infinity };
  let kept = configs;
  let index = configs.map((_, i) => i);
  if (budget !== undefined) {
    if (!(budget.target >= 0 && budget.target < targets)) {
      throw new RangeError(`budget target ${budget.target} is out of range: the fitness has ${targets} targets`);
    }
    const first = models.latency[budget.target].predict(configs);
    for (let i = 0; i < n; i++) latency[i * targets + budget.target] = first[i];
    index = index.filter((i) => first[i] <= budget.max);
    kept = index.map((i) => configs[i]);
  }
  if (kept.length === 0) return { accuracy, latency };
  for (let t = 0; t < targets; t++) {
    if (budget !== undefined && t === budget.target) continue;
    const values = models.latency[t].predict(kept);
    index.forEach((i, k) => (latency[i * targets + t] = values[k]));
  }
  const values = models.predictor.predict(kept);
  index.forEach((i, k) => (accuracy[i] = values[k]));
  return { accuracy, latency };
}
