/**
 * The episode loop AMC and Galen share. An episode walks the problem's layers; at each the
 * agent proposes actions (uniformly random during the warm-up episodes, then the actor's
 * actions plus truncated-normal noise whose sigma decays per episode), the method's
 * environment turns them into keep ratios and bits, and the finished policy is evaluated.
 * Every step of the episode is stored with the episode's final reward (as AMC does); after the
 * warm-up the agent trains `updatesPerStep` times per step.
 *
 * Evaluations are the budget, not episodes: an episode whose policy was evaluated before costs
 * nothing and is discarded (not stored, not trained on, no noise decay), and the agent proposes
 * again with fresh noise. AMC evaluates every episode, so its per-episode schedule (noise decay,
 * training) is applied here per distinct evaluation. The loop ends when the budget is spent or
 * after `episodesPerEvaluation * evaluations` episodes (a converged agent may keep proposing
 * evaluated policies; the outcome then holds fewer evaluations than the budget).
 */
import { Rng } from '../space/rng.js';
import type { BudgetedEvaluator } from './budgetedEvaluator.js';
import { checkDdpgOptions, DdpgAgent, kDefaultDdpgOptions, type DdpgOptions } from './ddpg.js';
import type { CompressMethodOptions, CompressPolicy, PolicyResult } from './types.js';

export interface AgentSearchOptions {
  /** Smallest keep ratio an action maps to (AMC: 0.2). */
  minKeep?: number;
  /** Warm-up episodes with random actions: this share of the evaluation budget... */
  warmupFraction?: number;
  /** ...and at least this many. */
  minWarmupEpisodes?: number;
  /** Initial sigma of the exploration noise (actions are in [0, 1]). */
  noiseSigma?: number;
  /** Factor on sigma per episode after the warm-up. */
  noiseDecay?: number;
  /** Agent updates per step of an episode (AMC: 1). */
  updatesPerStep?: number;
  /** Episodes of transitions the replay memory keeps (AMC: 100). */
  bufferEpisodes?: number;
  /** Bound on the episodes, per evaluation of the budget. */
  episodesPerEvaluation?: number;
  /** The DDPG agent's settings. */
  ddpg?: DdpgOptions;
}

export const kDefaultAgentSearchOptions: Readonly<Required<AgentSearchOptions>> = Object.freeze({
  minKeep: 0.2,
  warmupFraction: 0.1,
  minWarmupEpisodes: 5,
  noiseSigma: 0.5,
  noiseDecay: 0.95,
  updatesPerStep: 1,
  bufferEpisodes: 100,
  episodesPerEvaluation: 20,
  ddpg: Object.freeze({}),
});

/** Throws naming the first bad option. */
export function checkAgentSearchOptions(o: Required<AgentSearchOptions>): void {
  const inRange = (name: string, v: number, lo: number, hi: number, integer = false): void => {
    if (!(v >= lo && v <= hi && (!integer || Number.isInteger(v)))) {
      throw new RangeError(`options.${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}] (got ${v})`);
    }
  };
  inRange('minKeep', o.minKeep, 0, 1);
  inRange('warmupFraction', o.warmupFraction, 0, 1);
  inRange('minWarmupEpisodes', o.minWarmupEpisodes, 0, Number.MAX_SAFE_INTEGER, true);
  inRange('noiseSigma', o.noiseSigma, 0, 1);
  inRange('noiseDecay', o.noiseDecay, 0, 1);
  inRange('updatesPerStep', o.updatesPerStep, 0, Number.MAX_SAFE_INTEGER, true);
  inRange('bufferEpisodes', o.bufferEpisodes, 1, Number.MAX_SAFE_INTEGER, true);
  inRange('episodesPerEvaluation', o.episodesPerEvaluation, 1, Number.MAX_SAFE_INTEGER, true);
  checkDdpgOptions({ ...kDefaultDdpgOptions, ...o.ddpg }, 'options.ddpg.');
}

/** A method's side of an episode. */
export interface LayerwiseEnv {
  readonly stateDim: number;
  readonly actionDim: number;
  readonly steps: number;
  /** Starts an episode from the unchanged network. */
  reset(): void;
  /** The state at step t, given the actions taken before it. */
  state(t: number): number[];
  /** Applies the proposed actions at step t; returns the actions as executed, each in [0, 1]. */
  act(t: number, proposed: readonly number[]): number[];
  /** The finished episode's policy, snapped. */
  policy(): CompressPolicy;
  reward(result: PolicyResult): number;
}

const kTruncatedNormalDraws = 1000;

/** A normal sample around mu in [0, 1] truncated to [0, 1] (by rejection). */
export function truncatedNormal(mu: number, sigma: number, rng: Rng): number {
  if (sigma === 0) return Math.min(1, Math.max(0, mu));
  for (let i = 0; i < kTruncatedNormalDraws; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  throw new Error(`truncated normal around ${mu} with sigma ${sigma} gave no sample in [0, 1] in ${kTruncatedNormalDraws} draws`);
}

/** Runs episodes until the budget or the episode bound is reached; disposes the agent. */
export async function runAgentSearch(
  env: LayerwiseEnv, evaluator: BudgetedEvaluator, options: CompressMethodOptions, search: Required<AgentSearchOptions>,
): Promise<void> {
  const root = new Rng(options.seed);
  const agent = new DdpgAgent(env.stateDim, env.actionDim, root.nextU32(), { bufferSize: search.bufferEpisodes * env.steps, ...search.ddpg });
  const explore = root.fork();
  const warmup = Math.max(search.minWarmupEpisodes, Math.round(search.warmupFraction * options.evaluations));
  const maxEpisodes = search.episodesPerEvaluation * options.evaluations;
  try {
    // Distinct policies evaluated after the warm-up: the noise decays per one of these.
    let explored = 0;
    for (let episode = 0; episode < maxEpisodes && !evaluator.exhausted; episode++) {
      const sigma = search.noiseSigma * search.noiseDecay ** explored;
      env.reset();
      const steps: { state: number[]; action: number[]; nextState: number[]; terminal: boolean }[] = [];
      let state = env.state(0);
      for (let t = 0; t < env.steps; t++) {
        const proposed = episode < warmup
          ? Array.from({ length: env.actionDim }, () => explore.next())
          : agent.act(state).map((mu) => truncatedNormal(mu, sigma, explore));
        const action = env.act(t, proposed);
        const last = t + 1 === env.steps;
        const nextState = last ? state : env.state(t + 1);
        steps.push({ state, action, nextState, terminal: last });
        state = nextState;
      }
      const used = evaluator.used;
      const result = await evaluator.evaluate(env.policy());
      if (!result) break;
      // A repeated policy cost nothing and teaches nothing new: propose again with fresh noise.
      if (evaluator.used === used) continue;
      if (episode >= warmup) explored++;
      const reward = env.reward(result);
      for (const s of steps) agent.observe({ ...s, reward });
      if (episode >= warmup) {
        for (let u = 0; u < search.updatesPerStep * env.steps; u++) agent.update();
      }
    }
  } finally {
    agent.dispose();
  }
}
