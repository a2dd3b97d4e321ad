/**
 * Compressing one trained network: the plain-data types shared by the methods (AMC, Galen,
 * Condensa, evolution, the l1/l2 surrogate) and the problem that evaluates their policies.
 *
 * A method sees only a `CompressProblem`: the network's prunable layers in walk order (with
 * the features AMC's state is made of), the bit choices, a latency model and an evaluator. It
 * returns the policies it evaluated and the best one within the latency budget. Methods are
 * deterministic given their seed and the problem's answers: a resumed run replays the
 * evaluations it journaled (the problem answers them from its journal without recomputing), so
 * a method keeps no state of its own across runs.
 */
import type { ActBits, BlockFamily, WeightBits } from '../space/types.js';

/** The compression methods, as `hwnas compress --method` names them. */
export const kCompressMethods = Object.freeze(['amc', 'galen', 'condensa', 'l1l2', 'evolution'] as const);
export type CompressMethodName = (typeof kCompressMethods)[number];

/**
 * A layer (or a group of layers coupled by residual sums) whose output channels a policy
 * narrows. `stage`: the output channels of every block of a stage (and the stem for stage 0),
 * which residual additions tie together. `mid`: the middle channels of one block (its first
 * convolution's output), free of any coupling. `depth`: the blocks of a stage of two or more,
 * its keep ratio the share kept (the first ones; the stage's first block always runs).
 */
export interface PrunableLayer {
  /** e.g. 'stage1.out', 'block3.mid'. */
  name: string;
  kind: 'stage' | 'mid' | 'depth';
  /** Stage index of the layer. */
  stage: number;
  /** Block slot (in the network's running blocks, 0-based) of a `mid` layer; -1 for `stage` and `depth`. */
  block: number;
  family: BlockFamily;
  /** Input and output channels of the (first) convolution this keep ratio narrows, unpruned (a `depth` layer: the stage's). */
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** Weights of the convolutions whose channels this layer's keep ratio scales (or that it removes), unpruned. */
  weights: number;
  /** Multiply-accumulates of those convolutions per image, unpruned. */
  macs: number;
  /** The keep ratios this layer may take, ascending, ending at 1 (each a distinct channel count). */
  keeps: readonly number[];
  /** Output channels at each keep ratio (same order as `keeps`); a `depth` layer: blocks kept. */
  channels: readonly number[];
}

/** Per-layer settings: the plain JSON a method proposes and a results file records. */
export interface CompressPolicy {
  /** Keep ratio per prunable layer (`CompressProblem.layers` order), each one of that layer's `keeps`. */
  keep: number[];
  /** Weight bits per running block (`CompressProblem.blocks` entries); 32 = float. */
  wBits: WeightBits[];
  /** Activation bits per running block; 32 = float. */
  aBits: ActBits[];
}

/** One evaluated policy. */
export interface PolicyResult {
  policy: CompressPolicy;
  /** Top-1 val accuracy of the applied policy (pruned, BatchNorm recalibrated, quantization simulated), a fraction. */
  accuracy: number;
  /** Predicted latency on the problem's target, ms. */
  latencyMs: number;
  /** Multiply-accumulates per image. */
  macs: number;
}

export interface CompressProblem {
  /** Prunable layers in walk order (input to output). */
  readonly layers: readonly PrunableLayer[];
  /** Running blocks, in order: each takes its own weight and activation bits. */
  readonly blocks: number;
  /** Bit choices of a block, ascending (32 = float, always offered). */
  readonly weightBits: readonly WeightBits[];
  readonly actBits: readonly ActBits[];
  /** The unpruned float network: its val accuracy, predicted latency and MACs. */
  readonly original: PolicyResult;
  /** The policy that changes nothing (every keep 1, every block float). */
  identity(): CompressPolicy;
  /** Snaps each keep ratio to the nearest of its layer's `keeps` (and checks lengths and bit choices). */
  snap(policy: CompressPolicy): CompressPolicy;
  /** Predicted latency of the applied policy on the target, ms (pure arithmetic: cheap). */
  latencyMs(policy: CompressPolicy): number;
  /** Multiply-accumulates per image of the applied policy. */
  macs(policy: CompressPolicy): number;
  /**
   * Val accuracy of the applied policy (a fraction). Costly (seconds): every distinct policy
   * evaluated counts against a method's budget; a repeated policy is answered from the cache
   * and does not count. Rejects on a policy that `snap` would change.
   */
  evaluate(policy: CompressPolicy): Promise<PolicyResult>;
  /** Distinct policies evaluated so far (journaled ones included). */
  readonly evaluations: number;
}

export interface CompressMethodOptions {
  /** Latency budget on the problem's target, ms. */
  maxLatencyMs: number;
  /** Distinct policies the method may evaluate (equal cost across methods). */
  evaluations: number;
  /** Seed of every random choice the method makes. */
  seed: number;
  /** Called after each evaluation the method makes. */
  onProgress?: (done: number, total: number, best: PolicyResult | undefined) => void;
}

export interface CompressOutcome {
  method: CompressMethodName;
  /** The most accurate evaluated policy within the budget; undefined when none was. */
  best: PolicyResult | undefined;
  /** Every policy the method evaluated, in order. */
  history: PolicyResult[];
}

export interface CompressMethod {
  readonly name: CompressMethodName;
  run(problem: CompressProblem, options: CompressMethodOptions): Promise<CompressOutcome>;
}
