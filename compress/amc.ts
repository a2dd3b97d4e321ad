/**
 * AMC (He et al., "AMC: AutoML for Model Compression and Acceleration on Mobile Devices",
 * ECCV 2018): a DDPG agent walks the prunable layers and picks each one's keep ratio.
 *
 * State (10 features): index, kind (stage/mid), in channels, out channels, stride, kernel,
 * weight count (min-max normalised over the layers), then the latency removed so far and the
 * latency the later layers can still remove (fractions of the unpruned latency; AMC counts
 * FLOPs, this uses the problem's latency model), and the previous action.
 * Action: keep ratio in [minKeep, 1], snapped to the layer's keeps, then limited by the action
 * wall: if the budget could not be met with every later layer at its smallest keep, the keep
 * drops to the largest one that still lets it. Every episode thus ends within the budget.
 * Reward: AMC's resource-constrained one, the policy's accuracy (-1 past the budget, which
 * the wall rules out). Pruning only: every block stays float.
 */
import { BudgetedEvaluator } from './budgetedEvaluator.js';
import { checkMethodOptions } from './methodOptions.js';
import { allowedKeeps, LayerWalk, layerFeatureRows, nearest, normaliseColumns } from './layerState.js';
import { checkAgentSearchOptions, kDefaultAgentSearchOptions, runAgentSearch, type AgentSearchOptions, type LayerwiseEnv } from './rlSearch.js';
import type { CompressMethod, CompressMethodOptions, CompressOutcome, CompressPolicy, CompressProblem, PolicyResult } from './types.js';

export type AmcOptions = AgentSearchOptions;
export const kDefaultAmcOptions: Readonly<Required<AmcOptions>> = kDefaultAgentSearchOptions;

/** Reward of a policy past the budget (accuracies are fractions, so below any within it). */
const kOverBudgetReward = -1;

class AmcEnv implements LayerwiseEnv {
  readonly stateDim = 10;
  readonly actionDim = 1;
  readonly steps: number;
  private readonly features: number[][];
  private readonly keeps: number[][];
  private readonly walk: LayerWalk;
  private previous = 1;

  constructor(private readonly problem: CompressProblem, private readonly maxLatencyMs: number, private readonly minKeep: number) {
    this.steps = problem.layers.length;
    this.features = normaliseColumns(layerFeatureRows(problem.layers).map((r) => r.slice(0, 7)));
    this.keeps = problem.layers.map((l) => allowedKeeps(l, minKeep));
    const floor: CompressPolicy = { ...problem.identity(), keep: this.keeps.map((k) => k[0]) };
    // Bits stay float throughout, so the walk needs no block -> layer map.
    this.walk = new LayerWalk(problem, floor, []);
    const lowest = problem.latencyMs(floor);
    if (lowest > maxLatencyMs) {
      throw new RangeError(`options.maxLatencyMs ${maxLatencyMs} ms cannot be met by pruning: every layer at its smallest keep >= ${minKeep} gives ${lowest.toFixed(4)} ms (unpruned ${problem.original.latencyMs.toFixed(4)} ms); raise the budget or lower options.minKeep`);
    }
  }

  reset(): void {
    this.walk.reset();
    this.previous = 1;
  }

  state(t: number): number[] {
    return [...this.features[t], ...this.walk.latencyFeatures(t), this.previous];
  }

  act(t: number, proposed: readonly number[]): number[] {
    const keeps = this.keeps[t];
    let keep = nearest(keeps, this.minKeep + (1 - this.minKeep) * proposed[0]);
    // The action wall: the largest keep up to the proposed one that leaves the budget reachable.
    const fits = (k: number): boolean => this.problem.latencyMs(this.walk.floorFrom(t + 1, this.walk.withKeep(t, k))) <= this.maxLatencyMs;
    if (!fits(keep)) {
      const below = keeps.filter((k) => k < keep && fits(k));
      if (below.length === 0) throw new Error(`unreachable: no keep of ${this.problem.layers[t].name} keeps the budget reachable`);
      keep = below[below.length - 1];
    }
    this.walk.current.keep[t] = keep;
    this.previous = this.minKeep < 1 ? Math.min(1, Math.max(0, (keep - this.minKeep) / (1 - this.minKeep))) : 1;
    return [this.previous];
  }

  policy(): CompressPolicy {
    return this.problem.snap(this.walk.current);
  }

  reward(result: PolicyResult): number {
    return result.latencyMs <= this.maxLatencyMs ? result.accuracy : kOverBudgetReward;
  }
}

export class AmcMethod implements CompressMethod {
  readonly name = 'amc' as const;
  readonly options: Readonly<Required<AmcOptions>>;

  constructor(options: AmcOptions = {}) {
    const o = { ...kDefaultAmcOptions, ...options };
    checkAgentSearchOptions(o);
    this.options = Object.freeze(o);
  }

  async run(problem: CompressProblem, options: CompressMethodOptions): Promise<CompressOutcome> {
    checkMethodOptions(options);
    const env = new AmcEnv(problem, options.maxLatencyMs, this.options.minKeep);
    const evaluator = new BudgetedEvaluator(problem, options);
    await runAgentSearch(env, evaluator, options, this.options);
    return evaluator.outcome(this.name);
  }
}
