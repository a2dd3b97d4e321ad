/**
 * Sum over leading axes on wasm: the bias and LayerNorm gradients of a transformer (a
 * `[tokens, D]` gradient summed over its rows). wasm's own Sum reduces innermost axes only, so
 * it first transposes the input: 2 ms for `[1024, 128]`, a quarter of a SubTransformer's
 * training step. Here the column sums are one SIMD GEMM, ones^T x, reading x in place. Other
 * reductions go to wasm's own kernel.
 */
import { tf } from '../tf.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

export const sum: ProjectKernel = {
  kernelName: 'Sum',
  wasm({ x }, attrs, backend) {
    if (x.dtype !== 'float32') return undefined;
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const k = axes.length;
    if (k === 0 || k >= x.shape.length || axes.some((a, i) => a !== i)) return undefined;
    const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const rest = x.shape.slice(k);
    const cols = rest.reduce((p, d) => p * d, 1);
    if (rows * cols === 0) return undefined;
    const out = backend.makeOutput(keepDims ? [...new Array<number>(k).fill(1), ...rest] : rest, 'float32');
    withScratch(backend, rows * 4, (ones) => {
      new Float32Array(backend.wasm.asm.memory.buffer, ones, rows).fill(1);
      simdFor(backend).gemm_at_b(ones, ptr(backend, x), ptr(backend, out), rows, 1, cols);
    });
    return out;
  },
  composedBackends: [],
};
