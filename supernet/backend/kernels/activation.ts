/** act(x), elementwise (linear, relu, relu6, hswish). */
import { ptr, simdFor } from '../simd/simdModule.js';
import { activate, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const activation: ProjectKernel = {
  kernelName: PROJECT_KERNELS.activation,
  wasm({ x }, attrs, backend) {
    const act = checkActivation(attrs.activation);
    const y = backend.makeOutput(x.shape, 'float32');
    simdFor(backend)[`act_fwd_${act}`](ptr(backend, x), x.shape.reduce((a, b) => a * b, 1), ptr(backend, y));
    return y;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ x }, attrs) {
    return activate(x, checkActivation(attrs.activation));
  },
};
