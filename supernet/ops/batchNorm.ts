/**
 * BatchNorm over the last (channel) axis, optionally fused with its activation, with its own
 * gradient. The stock tfjs BatchNorm gradient broadcasts with Tile, slow on wasm; here BN is an
 * affine map per channel (scale = gamma / sqrt(var + eps), shift = beta - mean * scale) and the
 * project's kernels do each direction in few passes: statistics + one fused pass forward,
 * one reduction + one fused pass backward (SIMD loops on wasm, tfjs ops elsewhere).
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor1D } from '../backend/tf.js';
import { ensureProjectKernels } from '../backend/kernels/index.js';
import { PROJECT_KERNELS } from '../backend/kernels/names.js';
import type { Activation } from './activation.js';

export interface BatchNormOptions {
  /** Added to the variance; default 1e-5. */
  epsilon?: number;
  /** Activation applied to the normalised output; default 'linear'. */
  activation?: Activation;
}

export const kDefaultBatchNormEpsilon = 1e-5;

export const kDefaultBatchNormOptions: Required<BatchNormOptions> = Object.freeze({
  epsilon: kDefaultBatchNormEpsilon,
  activation: 'linear',
});

export interface BatchNormTrainOutput<T extends Tensor> {
  /** act(gamma * (x - mean) / sqrt(var + eps) + beta). */
  y: T;
  /** Batch mean per channel, `[C]` (no gradient flows through it). */
  mean: Tensor1D;
  /** Biased batch variance per channel, `[C]` (no gradient flows through it). */
  variance: Tensor1D;
}

function runMany(name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown>): Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as unknown as Tensor[];
}

/**
 * Training-mode BatchNorm (+ activation) with the batch mean and biased variance over every
 * axis but the last. `gamma` and `beta` may be slices of larger variables; their gradients
 * flow back through the slice. Also returns the batch statistics for running averages.
 */
export function batchNormTrain<T extends Tensor>(
  x: T,
  gamma: Tensor1D,
  beta: Tensor1D,
  options: BatchNormOptions = {},
): BatchNormTrainOutput<T> {
  const { epsilon, activation } = { ...kDefaultBatchNormOptions, ...options };
  ensureProjectKernels();
  let stats: Tensor1D[] = [];
  const op = tf.customGrad((xIn, gIn, bIn, saveArg) => {
    const [y, mean, variance, invStd] = runMany(PROJECT_KERNELS.batchNormAct,
      { x: xIn as Tensor, gamma: gIn as Tensor, beta: bIn as Tensor }, { activation, epsilon, training: true });
    // The forward function runs inside a tidy: keep the statistics, hand out clones below.
    stats = [tf.keep(mean as Tensor1D), tf.keep(variance as Tensor1D)];
    return withGradient(y, [xIn as Tensor, gIn as Tensor, bIn as Tensor, mean, invStd], activation, true,
      saveArg as tf.GradSaveFunc);
  });
  const y = op(x, gamma, beta) as T;
  const [mean, variance] = stats.map((t) => tf.clone(t));
  tf.dispose(stats);
  return { y, mean, variance };
}

/** Inference-mode BatchNorm (+ activation) with given statistics; differentiable in x, gamma, beta. */
export function batchNormInfer<T extends Tensor>(
  x: T,
  mean: Tensor1D,
  variance: Tensor1D,
  gamma: Tensor1D,
  beta: Tensor1D,
  options: BatchNormOptions = {},
): T {
  const { epsilon, activation } = { ...kDefaultBatchNormOptions, ...options };
  ensureProjectKernels();
  const op = tf.customGrad((xIn, gIn, bIn, saveArg) => {
    const [y, mu, , invStd] = runMany(PROJECT_KERNELS.batchNormAct,
      { x: xIn as Tensor, gamma: gIn as Tensor, beta: bIn as Tensor, mean, variance }, { activation, epsilon, training: false });
    return withGradient(y, [xIn as Tensor, gIn as Tensor, bIn as Tensor, mu, invStd], activation, false,
      saveArg as tf.GradSaveFunc);
  });
  return op(x, gamma, beta) as T;
}

/** The customGrad result: y, and the fused gradient kernel over the saved [x, gamma, beta, mean, invStd]. */
function withGradient(
  y: Tensor,
  saved: Tensor[],
  activation: Activation,
  training: boolean,
  save: tf.GradSaveFunc,
): { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor[] } {
  save(saved);
  return {
    value: y,
    gradFunc: (dy, [x, gamma, beta, mean, invStd]) =>
      runMany(PROJECT_KERNELS.batchNormActGrad, { dy, x, gamma, beta, mean, invStd }, { activation, training }),
  };
}
