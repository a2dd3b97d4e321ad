/**
 * Galen (Balaskas et al., "Hardware-Aware DNN Compression via Diverse Pruning and
 * Mixed-Precision Quantization", 2023): one DDPG agent walks the prunable layers and picks,
 * per layer, a keep ratio, activation bits and weight bits.
 *
 * Actions (each in [0, 1]): keep ratio in [minKeep, 1] snapped to the layer's keeps; activation
 * and weight bits, the action's share of the ascending bit list (a in [i/n, (i+1)/n) -> the
 * i-th of n choices). Bits belong to blocks: a block takes the bits proposed at its `mid`
 * layer; the bit actions at `stage` layers have no effect.
 * State (15 features): index, kind, in, out, stride, kernel, weights, MACs, pruning and
 * quantization sensitivity (min-max normalised over the layers; a stage layer's quantization
 * sensitivity is 0), latency removed so far, latency the later layers can still remove, and
 * the previous step's three actions.
 * Reward (Galen's default, "r6"): accuracy + beta * |latency / target - 1|, beta -5, which
 * also penalises ending under the target; `penaliseUnderTarget: false` gives Galen's "r7"
 * (accuracy alone within the target). There is no action wall: policies may exceed the budget.
 * Sensitivity probes cost (layers + blocks) evaluations of the budget and are measured only
 * when they take at most `sensitivityShare` of it; otherwise the sensitivity features are 0.
 */
import { BudgetedEvaluator } from './budgetedEvaluator.js';
import { checkMethodOptions } from './methodOptions.js';
import { measureSensitivity, sensitivityProbes } from './galenSensitivity.js';
import { allowedKeeps, blockMidLayers, LayerWalk, layerFeatureRows, nearest, normaliseColumns } from './layerState.js';
import { checkAgentSearchOptions, kDefaultAgentSearchOptions, runAgentSearch, type AgentSearchOptions, type LayerwiseEnv } from './rlSearch.js';
import type { ActBits, WeightBits } from '../space/types.js';
import type { CompressMethod, CompressMethodOptions, CompressOutcome, CompressPolicy, CompressProblem, PolicyResult } from './types.js';

export interface GalenOptions extends AgentSearchOptions {
  /** Weight of the latency term of the reward (negative). */
  beta?: number;
  /** Penalise ending under the target too (Galen's r6); false rewards accuracy alone there (r7). */
  penaliseUnderTarget?: boolean;
  /** Largest share of the evaluation budget the sensitivity probes may take; 0 skips them. */
  sensitivityShare?: number;
  /** Keep ratio of the pruning sensitivity probe. */
  sensitivityKeep?: number;
}

export const kDefaultGalenOptions: Readonly<Required<GalenOptions>> = Object.freeze({
  ...kDefaultAgentSearchOptions,
  beta: -5,
  penaliseUnderTarget: true,
  sensitivityShare: 0.5,
  sensitivityKeep: 0.5,
});

/** The i-th of n ascending choices for an action a in [i/n, (i+1)/n). */
export function pickBits<T extends number>(choices: readonly T[], action: number): T {
  return choices[Math.min(choices.length - 1, Math.max(0, Math.floor(action * choices.length)))];
}

/** accuracy + beta * |latency / target - 1| (Galen's r6); with `penaliseUnderTarget` false, accuracy alone within the target (r7). */
export function galenReward(result: PolicyResult, targetMs: number, beta: number, penaliseUnderTarget: boolean): number {
  const ratio = result.latencyMs / targetMs;
  return result.accuracy + (ratio > 1 || penaliseUnderTarget ? beta * Math.abs(ratio - 1) : 0);
}

class GalenEnv implements LayerwiseEnv {
  readonly stateDim = 15;
  readonly actionDim = 3;
  readonly steps: number;
  private readonly keeps: number[][];
  private readonly walk: LayerWalk;
  private features: number[][] = [];
  private previous: number[] = [1, 1, 1];

  constructor(private readonly problem: CompressProblem, private readonly options: CompressMethodOptions, private readonly galen: Required<GalenOptions>) {
    this.steps = problem.layers.length;
    this.keeps = problem.layers.map((l) => allowedKeeps(l, galen.minKeep));
    // The fastest corner: every keep at its smallest, every block at the uniform bits that run
    // fastest - not necessarily the fewest (int8 runs slower than float on some CPUs).
    const minKeeps = this.keeps.map((k) => k[0]);
    const corners: CompressPolicy[] = problem.weightBits.flatMap((w) => problem.actBits.map((a) => ({
      keep: minKeeps, wBits: new Array<WeightBits>(problem.blocks).fill(w), aBits: new Array<ActBits>(problem.blocks).fill(a),
    })));
    const floor = corners.reduce((best, p) => (problem.latencyMs(p) < problem.latencyMs(best) ? p : best));
    this.walk = new LayerWalk(problem, floor, blockMidLayers(problem));
    const lowest = problem.latencyMs(floor);
    if (lowest > options.maxLatencyMs) {
      throw new RangeError(`options.maxLatencyMs ${options.maxLatencyMs} ms cannot be met: every layer at its smallest keep >= ${galen.minKeep} and every block at its fastest uniform bits gives ${lowest.toFixed(4)} ms (unpruned ${problem.original.latencyMs.toFixed(4)} ms); raise the budget or lower options.minKeep`);
    }
    this.setSensitivity(new Array<number>(this.steps).fill(0), new Array<number>(problem.blocks).fill(0));
  }

  /** Sets the static features, with the measured sensitivities. */
  setSensitivity(prune: readonly number[], quant: readonly number[]): void {
    this.features = normaliseColumns(layerFeatureRows(this.problem.layers).map((r, i) => {
      const l = this.problem.layers[i];
      return [...r, prune[i], l.kind === 'mid' ? quant[l.block] : 0];
    }));
  }

  reset(): void {
    this.walk.reset();
    this.previous = [1, 1, 1];
  }

  state(t: number): number[] {
    return [...this.features[t], ...this.walk.latencyFeatures(t), ...this.previous];
  }

  act(t: number, proposed: readonly number[]): number[] {
    const minKeep = this.galen.minKeep;
    const keep = nearest(this.keeps[t], minKeep + (1 - minKeep) * proposed[0]);
    const p = this.walk.current;
    p.keep[t] = keep;
    const layer = this.problem.layers[t];
    if (layer.kind === 'mid') {
      p.aBits[layer.block] = pickBits(this.problem.actBits, proposed[1]);
      p.wBits[layer.block] = pickBits(this.problem.weightBits, proposed[2]);
    }
    const keepAction = minKeep < 1 ? Math.min(1, Math.max(0, (keep - minKeep) / (1 - minKeep))) : 1;
    this.previous = [keepAction, proposed[1], proposed[2]];
    return [...this.previous];
  }

  policy(): CompressPolicy {
    return this.problem.snap(this.walk.current);
  }

  reward(result: PolicyResult): number {
    return galenReward(result, this.options.maxLatencyMs, this.galen.beta, this.galen.penaliseUnderTarget);
  }
}

export class GalenMethod implements CompressMethod {
  readonly name = 'galen' as const;
  readonly options: Readonly<Required<GalenOptions>>;

  constructor(options: GalenOptions = {}) {
    const o = { ...kDefaultGalenOptions, ...options };
    checkAgentSearchOptions(o);
    if (!(Number.isFinite(o.beta) && o.beta <= 0)) throw new RangeError(`options.beta must be a number <= 0 (got ${o.beta})`);
    if (!(o.sensitivityShare >= 0 && o.sensitivityShare <= 1)) throw new RangeError(`options.sensitivityShare must be in [0, 1] (got ${o.sensitivityShare})`);
    if (!(o.sensitivityKeep > 0 && o.sensitivityKeep < 1)) throw new RangeError(`options.sensitivityKeep must be in (0, 1) (got ${o.sensitivityKeep})`);
    this.options = Object.freeze(o);
  }

  async run(problem: CompressProblem, options: CompressMethodOptions): Promise<CompressOutcome> {
    checkMethodOptions(options);
    const env = new GalenEnv(problem, options, this.options);
    const evaluator = new BudgetedEvaluator(problem, options);
    const probes = sensitivityProbes(problem, this.options.sensitivityKeep, this.options.minKeep);
    const sensitivity = await measureSensitivity(problem, evaluator, probes, Math.floor(this.options.sensitivityShare * options.evaluations));
    env.setSensitivity(sensitivity.prune, sensitivity.quant);
    await runAgentSearch(env, evaluator, options, this.options);
    return evaluator.outcome(this.name);
  }
}
