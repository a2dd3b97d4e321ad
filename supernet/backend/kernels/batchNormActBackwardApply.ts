/**
 * Second half of the fused BatchNorm + activation gradient: with g = dy * act'(x * scale + shift),
 * dx = a g + b (x - mean) + c for per-channel `coef = [a, b, c]` (`[3, C]`).
 */
import { tf } from '../tf.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import { activationGrad, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const batchNormActBackwardApply: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormActBackwardApply,
  wasm({ dy, x, scale, shift, mean, coef }, attrs, backend) {
    const act = checkActivation(attrs.activation);
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const dx = backend.makeOutput(x.shape, 'float32');
    simdFor(backend)[`bn_bwd_apply_${act}`](
      ptr(backend, dy), ptr(backend, x), m, c, ptr(backend, scale), ptr(backend, shift),
      ptr(backend, mean), ptr(backend, coef), ptr(backend, dx),
    );
    return dx;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ dy, x, scale, shift, mean, coef }, attrs) {
    const g = activationGrad(dy, tf.add(tf.mul(x, scale), shift), checkActivation(attrs.activation));
    const [a, b, c] = tf.unstack(coef);
    return tf.add(tf.add(tf.mul(g, a), tf.mul(tf.sub(x, mean), b)), c);
  },
};
