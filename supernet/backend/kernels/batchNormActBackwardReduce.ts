/**
 * First half of the fused BatchNorm + activation gradient: with g = dy * act'(x * scale + shift),
 * the per-channel sums `sum g` and `sum g (x - mean)`: two `[C]` outputs.
 */
import { tf } from '../tf.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import { activationGrad, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const batchNormActBackwardReduce: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormActBackwardReduce,
  wasm({ dy, x, scale, shift, mean }, attrs, backend) {
    const act = checkActivation(attrs.activation);
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const sumG = backend.makeOutput([c], 'float32');
    const sumGCentred = backend.makeOutput([c], 'float32');
    withScratch(backend, 2 * c * 4, (scratch) =>
      simdFor(backend)[`bn_bwd_reduce_${act}`](
        ptr(backend, dy), ptr(backend, x), m, c, ptr(backend, scale), ptr(backend, shift),
        ptr(backend, mean), ptr(backend, sumG), ptr(backend, sumGCentred), scratch,
      ));
    return [sumG, sumGCentred];
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ dy, x, scale, shift, mean }, attrs) {
    const c = x.shape[x.rank - 1];
    const g = activationGrad(dy, tf.add(tf.mul(x, scale), shift), checkActivation(attrs.activation));
    const g2 = tf.reshape(g, [-1, c]);
    const centred = tf.reshape(tf.sub(x, mean), [-1, c]);
    return [tf.sum(g2, 0), tf.sum(tf.mul(g2, centred), 0)];
  },
};
