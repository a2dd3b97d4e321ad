/**
 * Fake quantization with straight-through gradients, for fine-tuning a quantized subnet:
 * the forward pass rounds exactly as the deployed graph does; the backward pass treats the
 * rounding as identity (activations: zero gradient where the value was clipped).
 */
import { tf } from '../backend/tf.js';
import type { Tensor } from '../backend/tf.js';
import { fakeQuant, kActQMax, kActQMin, type ActQuant } from './fakeQuant.js';

/** `fakeQuant(x, qp)` forward; gradient passes where x lies inside the grid's range. */
export function fakeQuantSte<T extends Tensor>(x: T, qp: ActQuant): T {
  const lo = (kActQMin - qp.zeroPoint) * qp.scale;
  const hi = (kActQMax - qp.zeroPoint) * qp.scale;
  const op = tf.customGrad((input, save) => {
    (save as tf.GradSaveFunc)([input as Tensor]);
    return {
      value: fakeQuant(input as Tensor, qp),
      gradFunc: (dy: Tensor, [xs]: Tensor[]) => tf.mul(dy, tf.cast(tf.logicalAnd(tf.greaterEqual(xs, lo), tf.lessEqual(xs, hi)), 'float32')),
    };
  });
  return op(x) as T;
}

/**
 * Symmetric per-channel weight fake quantization at `bits` along output-channel `axis`
 * (scales from the current weights, held constant for the gradient); identity gradient.
 */
export function fakeQuantWeightSte<T extends Tensor>(w: T, axis: number, bits: number): T {
  const qmax = 2 ** (bits - 1) - 1;
  const reduce = w.shape.map((_, i) => i).filter((i) => i !== axis);
  const op = tf.customGrad((input) => {
    const x = input as Tensor;
    const maxAbs = tf.max(tf.abs(x), reduce, true);
    const scale = tf.where(tf.greater(maxAbs, 0), tf.div(maxAbs, qmax), tf.onesLike(maxAbs));
    const q = tf.clipByValue(tf.round(tf.div(x, scale)), -qmax, qmax);
    return { value: tf.mul(q, scale), gradFunc: (dy: Tensor) => dy };
  });
  return op(w) as T;
}
