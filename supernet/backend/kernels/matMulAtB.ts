/**
 * a^T b for a `[M, K]`, b `[M, N]` with large M (a filter gradient: pixels are summed). On wasm
 * a SIMD GEMM reads both operands in place; elsewhere (and in the composed variant) an explicit
 * transpose and a plain matmul (wasm's transposed GEMM is slow).
 */
import { tf } from '../tf.js';
import type { Tensor2D } from '../tf.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const matMulAtB: ProjectKernel = {
  kernelName: PROJECT_KERNELS.matMulAtB,
  wasm({ a, b }, _attrs, backend) {
    const [m, k] = a.shape;
    const n = b.shape[1];
    const out = backend.makeOutput([k, n], 'float32');
    simdFor(backend).gemm_at_b(ptr(backend, a), ptr(backend, b), ptr(backend, out), m, k, n);
    return out;
  },
  composedBackends: [...COMPOSED_BACKENDS, 'wasm'],
  composed({ a, b }) {
    return tf.matMul(tf.transpose(a as Tensor2D), b as Tensor2D);
  },
};
