/** Per-channel batch mean and biased variance of a channels-last tensor: two `[C]` outputs. */
import { tf } from '../tf.js';
import type { Tensor2D } from '../tf.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const batchNormStats: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormStats,
  wasm({ x }, _attrs, backend) {
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const mean = backend.makeOutput([c], 'float32');
    const variance = backend.makeOutput([c], 'float32');
    withScratch(backend, 2 * c * 4, (scratch) =>
      simdFor(backend).bn_stats(ptr(backend, x), m, c, 1 / m, ptr(backend, mean), ptr(backend, variance), scratch));
    return [mean, variance];
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ x }) {
    const c = x.shape[x.rank - 1];
    const x2 = tf.reshape(x, [-1, c]) as Tensor2D;
    const mean = tf.mean(x2, 0);
    return [mean, tf.mean(tf.squaredDifference(x2, mean), 0)];
  },
};
