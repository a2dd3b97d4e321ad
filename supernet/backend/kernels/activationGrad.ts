/** dy * act'(x), elementwise. */
import { ptr, simdFor } from '../simd/simdModule.js';
import { activationGrad as composedGrad, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const activationGrad: ProjectKernel = {
  kernelName: PROJECT_KERNELS.activationGrad,
  wasm({ dy, x }, attrs, backend) {
    const act = checkActivation(attrs.activation);
    const dx = backend.makeOutput(x.shape, 'float32');
    const n = x.shape.reduce((a, b) => a * b, 1);
    simdFor(backend)[`act_bwd_${act}`](ptr(backend, dy), ptr(backend, x), n, ptr(backend, dx));
    return dx;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ dy, x }, attrs) {
    return composedGrad(dy, x, checkActivation(attrs.activation));
  },
};
