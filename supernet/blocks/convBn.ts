/**
 * A convolution's weights in the two forms a subnet holds them: with its BatchNorm (as
 * extracted from the supernet, run in inference mode) or with BatchNorm folded into a bias
 * (the deployed form: w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps)).
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor1D } from '../backend/tf.js';
import { batchNormInfer, kDefaultBatchNormEpsilon } from '../ops/batchNorm.js';

/** Inference BatchNorm parameters, `[C]` each. */
export interface BnTensors {
  gamma: Tensor1D;
  beta: Tensor1D;
  mean: Tensor1D;
  variance: Tensor1D;
}

/**
 * A convolution followed by BatchNorm: `w` is `[k,k,Cin,Cout]` (dense), `[k,k,C,1]`
 * (depthwise) or `[Cin,Cout]` (1x1).
 */
export interface ConvBn<W extends Tensor = Tensor> {
  w: W;
  bn: BnTensors;
}

/** A convolution with bias (BatchNorm folded in, or a plain linear layer). */
export interface FoldedConv<W extends Tensor = Tensor> {
  w: W;
  b: Tensor1D;
}

/** 'bn': convolutions with their BatchNorm; 'folded': BatchNorm folded into a bias. */
export type WeightForm = 'bn' | 'folded';

/** A convolution with filter `W` in form `F`. */
export type Conv<F extends WeightForm, W extends Tensor> = F extends 'bn' ? ConvBn<W> : FoldedConv<W>;

/** Inference-mode BatchNorm of `x` with `p`, the operation the supernet runs with given statistics. */
export function batchNorm<T extends Tensor>(x: T, p: BnTensors): T {
  return batchNormInfer(x, p.mean, p.variance, p.gamma, p.beta);
}

/** Folds BatchNorm into a weight whose last axis (or axis 2 for depthwise) is the output channel. */
export function foldConvBn<W extends Tensor>(c: ConvBn<W>, depthwiseFilter: boolean): FoldedConv<W> {
  return tf.tidy(() => {
    const scale = tf.div(c.bn.gamma, tf.sqrt(tf.add(c.bn.variance, kDefaultBatchNormEpsilon))) as Tensor1D;
    const w = depthwiseFilter ? tf.mul(c.w, tf.reshape(scale, [1, 1, -1, 1])) : tf.mul(c.w, scale);
    const b = tf.sub(c.bn.beta, tf.mul(c.bn.mean, scale));
    return { w, b } as unknown as tf.TensorContainerObject;
  }) as unknown as FoldedConv<W>;
}

/** The tensors of a convolution in either form. */
export function convTensors(c: ConvBn | FoldedConv): Tensor[] {
  return 'bn' in c ? [c.w, c.bn.gamma, c.bn.beta, c.bn.mean, c.bn.variance] : [c.w, c.b];
}
