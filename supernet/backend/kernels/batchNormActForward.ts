/** act(x * scale + shift) with per-channel scale and shift (BatchNorm folded into an affine map). */
import { tf } from '../tf.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import { activate, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const batchNormActForward: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormActForward,
  wasm({ x, scale, shift }, attrs, backend) {
    const act = checkActivation(attrs.activation);
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const y = backend.makeOutput(x.shape, 'float32');
    simdFor(backend)[`bn_fwd_${act}`](ptr(backend, x), m, c, ptr(backend, scale), ptr(backend, shift), ptr(backend, y));
    return y;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ x, scale, shift }, attrs) {
    return activate(tf.add(tf.mul(x, scale), shift), checkActivation(attrs.activation));
  },
};
