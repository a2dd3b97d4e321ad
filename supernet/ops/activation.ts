/**
 * Activations with their own gradients, run by the project's activation kernels (SIMD loops on
 * wasm, tfjs ops elsewhere): one pass forward, one pass backward.
 * hswish(x) = x * relu6(x + 3) / 6, hsigmoid(x) = relu6(x + 3) / 6.
 */
import { tf } from '../backend/tf.js';
import type { Tensor } from '../backend/tf.js';
import { ensureProjectKernels } from '../backend/kernels/index.js';
import { PROJECT_KERNELS } from '../backend/kernels/names.js';
import type { Activation } from '../backend/simd/bnActKernels.js';

export type { Activation } from '../backend/simd/bnActKernels.js';
export { ACTIVATIONS } from '../backend/simd/bnActKernels.js';

const ops = new Map<Activation, (x: Tensor) => Tensor>();

function activationOp(act: Activation): (x: Tensor) => Tensor {
  let op = ops.get(act);
  if (!op) {
    op = tf.customGrad((x, save) => {
      (save as tf.GradSaveFunc)([x as Tensor]);
      const y = tf.engine().runKernel(PROJECT_KERNELS.activation, { x: x as Tensor }, { activation: act }) as Tensor;
      return {
        value: y,
        gradFunc: (dy: Tensor, [xs]: Tensor[]) =>
          tf.engine().runKernel(PROJECT_KERNELS.activationGrad, { dy, x: xs }, { activation: act }) as Tensor,
      };
    }) as (x: Tensor) => Tensor;
    ops.set(act, op);
  }
  return op;
}

/** act(x) for 'linear', 'relu', 'relu6' or 'hswish'. */
export function activation<T extends Tensor>(x: T, act: Activation): T {
  if (act === 'linear') return x;
  ensureProjectKernels();
  return activationOp(act)(x) as T;
}

/** x * relu6(x + 3) / 6. */
export function hswish<T extends Tensor>(x: T): T {
  return activation(x, 'hswish');
}

/** min(max(x, 0), 6). */
export function relu6<T extends Tensor>(x: T): T {
  return activation(x, 'relu6');
}

/** relu6(x + 3) / 6 (stock ops; used on small squeeze-and-excitation tensors). */
export function hsigmoid<T extends Tensor>(x: T): T {
  return tf.mul(tf.relu6(tf.add(x, 3)), 1 / 6) as T;
}
