/**
 * Activations and their derivatives composed from tfjs ops: the reference the SIMD loops
 * match, and the implementation on backends without them. Derivatives at the kinks follow
 * tfjs's stock gradients (relu6' = 1 on (0, 6], hswish' = 0 for x <= -3, 1 for x > 3).
 */
import { tf } from '../tf.js';
import type { Tensor } from '../tf.js';
import { ACTIVATIONS, type Activation } from '../simd/bnActKernels.js';

export function checkActivation(value: unknown): Activation {
  if (!ACTIVATIONS.includes(value as Activation)) {
    throw new Error(`activation must be one of ${ACTIVATIONS.join(', ')} (got '${String(value)}')`);
  }
  return value as Activation;
}

export function activate(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'hswish':
      return tf.mul(x, tf.mul(tf.relu6(tf.add(x, 3)), 1 / 6));
  }
}

/** dy * act'(u). */
export function activationGrad(dy: Tensor, u: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(u));
    case 'relu6':
      return tf.mul(dy, tf.mul(tf.step(u), tf.cast(tf.lessEqual(u, 6), 'float32')));
    case 'hswish': {
      const inner = tf.add(tf.mul(u, 1 / 3), 0.5);
      const upper = tf.where(tf.greater(u, 3), tf.onesLike(u), inner);
      return tf.mul(dy, tf.where(tf.lessEqual(u, -3), tf.zerosLike(u), upper));
    }
  }
}
