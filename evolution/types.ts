/**
 * Plain-data contracts of the search: what a fitness function scores, what a search returns.
 * Everything here is JSON (configs, numbers, strings) or typed arrays, so it crosses worker
 * threads and files unchanged. Nothing in evolution/ imports tfjs or onnxruntime.
 */
import type { SearchSpace, SubnetConfig } from '../space/types.js';

/** One latency target a fitness function predicts, as its worker reports it. */
export interface TargetInfo {
  /** The target spec as given, e.g. 'rpi4' or 'ort-cpu:1'; results are keyed by it. */
  name: string;
  /** Unit of its predictions: 'ms' for devices, e.g. 'MMAC' for proxies. */
  unit: string;
  /** 'measured', 'estimate' or 'proxy' (see latency/target.ts). */
  kind: string;
}

/** A latency budget: predicted latency on `target` (a spec of the fitness) at most `max`. */
export interface LatencyBudget {
  target: string;
  /** In the target's unit. */
  max: number;
}

/**
 * Scores of a batch of configs. `latency` is row-major `[n, targets]`. A value the fitness did
 * not compute is NaN: the accuracy of configs over the budget it was given, and the other
 * targets' latencies of those configs.
 */
export interface Scores {
  accuracy: Float64Array;
  latency: Float64Array;
}

export interface ScoreOptions {
  /** Predict accuracy (and the other targets' latencies) only within this budget. */
  budget?: { target: number; max: number };
  /** Predict only this target's latency, nothing else (a min-latency search). */
  latencyOnly?: number;
}

/** Scores configs; the same configs always get the same scores (a pure function). */
export interface Fitness {
  readonly targets: readonly TargetInfo[];
  /** Rejects on failure. */
  score(configs: readonly SubnetConfig[], options?: ScoreOptions): Promise<Scores>;
}

/** Which accuracy predictor a fitness worker loads. */
export interface PredictorSpec {
  /** Path of the predictor file (`hwnas fit` output). */
  file: string;
}

/** Everything a fitness worker needs to build its models, as plain data. */
export interface FitnessSpec {
  space: SearchSpace;
  predictor: PredictorSpec;
  /** Target specs ('rpi4', 'ort-cpu:1', 'macs'), in the order of `Scores.latency` columns. */
  targets: string[];
  /** Latency profile file per measured target spec; a spec not listed uses its shipped profile. */
  profiles?: Record<string, string>;
}

/** A config with its predictions. */
export interface ScoredConfig {
  config: SubnetConfig;
  /** Predicted accuracy, a fraction. */
  accuracy: number;
  /** Predicted latency on the searched target, in its unit. */
  latency: number;
  /** Predicted latency on every target of the fitness, keyed by target spec. */
  latencies: Record<string, number>;
}

/** Progress of one generation (also reported to `onGeneration`). */
export interface GenerationStats {
  /** 1-based. */
  generation: number;
  generations: number;
  /** Best accuracy in the population (budget mode) or on its front (Pareto mode). */
  bestAccuracy: number;
  /** Latency of that config on the searched target. */
  bestLatency: number;
  /** Size of the population's first front (Pareto mode) or 1. */
  frontSize: number;
  /** Distinct configs scored so far. */
  scored: number;
}

export interface SearchHooks {
  onGeneration?(stats: GenerationStats): void;
}

interface ResultBase {
  target: string;
  unit: string;
  /** Units of every target in `latencies`, keyed by target spec. */
  units: Record<string, string>;
  seed: number;
  generations: number;
  /** Distinct configs scored, including the ones rejected as over budget. */
  scored: number;
  history: GenerationStats[];
}

/** Budget mode: the most accurate config found within the budget. */
export interface SearchResult extends ResultBase {
  mode: 'budget';
  maxLatency: number;
  best: ScoredConfig;
  /** Non-dominated configs among everything scored within the budget, by latency. */
  front: ScoredConfig[];
}

/** Pareto mode: the final population's non-dominated front, by latency. */
export interface ParetoResult extends ResultBase {
  mode: 'pareto';
  /** The budget the front was kept under, or null for none. */
  maxLatency: number | null;
  front: ScoredConfig[];
}

/** The fastest config a min-latency search found on one target. */
export interface FastestResult {
  target: string;
  unit: string;
  latency: number;
  config: SubnetConfig;
}

/** The outcome of a non-evolutionary baseline (random search, a fixed family of configs). */
export interface BaselineResult {
  target: string;
  unit: string;
  maxLatency: number;
  /** The most accurate config within the budget, or null when none of those scored meets it. */
  best: ScoredConfig | null;
  /** Distinct configs scored, including the ones over the budget. */
  scored: number;
  /** How many of them met the budget. */
  within: number;
  /** Non-dominated configs (predicted accuracy vs latency) among those within the budget, by latency. */
  front: ScoredConfig[];
}
