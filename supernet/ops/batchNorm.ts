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

const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}): Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as Tensor;
const run2 = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}): [Tensor1D, Tensor1D] =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as unknown as [Tensor1D, Tensor1D];

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
    const xs = xIn as Tensor;
    const [mean, variance] = run2(PROJECT_KERNELS.batchNormStats, { x: xs });
    // The forward function runs inside a tidy: keep the statistics, hand out clones below.
    stats = [tf.keep(mean), tf.keep(variance)];
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as Tensor1D;
    return affineWithGrad(xs, gIn as Tensor1D, bIn as Tensor1D, mean, invStd, activation, saveArg as tf.GradSaveFunc);
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
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as Tensor1D;
    return affineWithGrad(xIn as Tensor, gIn as Tensor1D, bIn as Tensor1D, mean, invStd, activation,
      saveArg as tf.GradSaveFunc, true);
  });
  return op(x, gamma, beta) as T;
}

/**
 * y = act(x * scale + shift) with scale = gamma invStd, shift = beta - mean scale, and its
 * gradient. With batch statistics (`fixedStats` false) the gradient also flows through the
 * mean and variance:  dx = scale (g - mean(g) - xhat mean(g xhat)).
 */
function affineWithGrad(
  x: Tensor,
  gamma: Tensor1D,
  beta: Tensor1D,
  mean: Tensor1D,
  invStd: Tensor1D,
  activation: Activation,
  save: tf.GradSaveFunc,
  fixedStats = false,
): { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor[] } {
  const scale = tf.mul(gamma, invStd) as Tensor1D;
  const shift = tf.sub(beta, tf.mul(mean, scale)) as Tensor1D;
  const y = run(PROJECT_KERNELS.batchNormActForward, { x, scale, shift }, { activation });
  save([x, mean, invStd, scale, shift]);
  return {
    value: y,
    gradFunc: (dy, [xs, mu, inv, sc, sh]) => {
      const m = xs.size / xs.shape[xs.rank - 1];
      const [sumG, sumGCentred] = run2(PROJECT_KERNELS.batchNormActBackwardReduce,
        { dy, x: xs, scale: sc, shift: sh, mean: mu }, { activation });
      const dGamma = tf.mul(sumGCentred, inv);
      const b = fixedStats ? tf.zerosLike(sc) : tf.mul(sc, tf.mul(tf.square(inv), tf.mul(sumGCentred, -1 / m)));
      const c = fixedStats ? tf.zerosLike(sc) : tf.mul(sc, tf.mul(sumG, -1 / m));
      const coef = tf.stack([sc, b, c]);
      const dx = run(PROJECT_KERNELS.batchNormActBackwardApply, { dy, x: xs, scale: sc, shift: sh, mean: mu, coef }, { activation });
      return [dx, dGamma, sumG];
    },
  };
}
