/**
 * The tensor operations every model in hwnas is built from (supernet, extracted subnet):
 * 1x1 convolutions as matmuls, depthwise and dense convolutions with TensorFlow 'same'
 * padding, activations and squeeze-and-excitation. Kept in one place so the supernet and
 * the extracted subnet compute the same function.
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '../backend/tf.js';
import { hsigmoid, hswish } from '../ops/hswish.js';

export type ActivationName = 'relu' | 'hswish' | 'none';

/** A 1x1 convolution `[B,H,W,Cin] x [Cin,Cout]` as one matmul. */
export function pointwise(x: Tensor4D, w: Tensor2D, bias?: Tensor1D): Tensor4D {
  const [b, h, wd, c] = x.shape;
  let y: Tensor2D = tf.matMul(tf.reshape(x, [b * h * wd, c]) as Tensor2D, w);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [b, h, wd, w.shape[1]]) as Tensor4D;
}

/** Depthwise convolution, filter `[k,k,C,1]`, 'same' padding. */
export function depthwise(x: Tensor4D, w: Tensor4D, stride: number, bias?: Tensor1D): Tensor4D {
  const y = tf.depthwiseConv2d(x, w, stride, 'same');
  return bias ? tf.add(y, bias) : y;
}

/** Dense convolution, filter `[k,k,Cin,Cout]`, 'same' padding. */
export function conv(x: Tensor4D, w: Tensor4D, stride: number, bias?: Tensor1D): Tensor4D {
  const y = tf.conv2d(x, w, stride, 'same');
  return bias ? tf.add(y, bias) : y;
}

export function activation<T extends Tensor>(x: T, act: ActivationName): T {
  switch (act) {
    case 'relu':
      return tf.relu(x);
    case 'hswish':
      return hswish(x);
    case 'none':
      return x;
  }
}

export interface SeWeights {
  w1: Tensor2D;
  b1: Tensor1D;
  w2: Tensor2D;
  b2: Tensor1D;
}

/** Squeeze-and-excitation: pool, FC + ReLU, FC + h-sigmoid, rescale the channels. */
export function squeezeExcite(x: Tensor4D, se: SeWeights): Tensor4D {
  const [b, , , c] = x.shape;
  const pooled = tf.mean(x, [1, 2]) as Tensor2D;
  const squeezed = tf.relu(tf.add(tf.matMul(pooled, se.w1), se.b1));
  const gate = hsigmoid(tf.add(tf.matMul(squeezed, se.w2), se.b2));
  return tf.mul(x, tf.reshape(gate, [b, 1, 1, c])) as Tensor4D;
}

/** Global average pool `[B,H,W,C] -> [B,C]`. */
export function globalPool(x: Tensor4D): Tensor2D {
  return tf.mean(x, [1, 2]) as Tensor2D;
}
