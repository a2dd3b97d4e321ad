/**
 * Conv2DBackpropInput for wasm, replacing wasm's own slow kernel:
 * - 1x1 stride 1 unpadded: the SIMD GEMM dy W^T (W^T transposed into scratch memory);
 * - otherwise a stride-1 XNNPACK convolution of the zero-dilated dy with the spatially flipped,
 *   in/out-transposed filter.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, dilatedForInputGrad, type ConvGradAttrs } from './convUtil.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

const KERNEL = 'Conv2DBackpropInput';

export const conv2dBackpropInput: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ dy, filter }, attrs, backend) {
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = convInfo(KERNEL, inputShape, filter.shape, attrs as unknown as ConvGradAttrs, false);
    const { top, bottom, left, right } = info.padInfo;
    const pointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1
      && info.strideWidth === 1 && top + bottom + left + right === 0;
    if (!pointwise) return undefined;
    const { inChannels: cin, outChannels: cout } = info;
    const dx = backend.makeOutput(inputShape, 'float32');
    withScratch(backend, cin * cout * 4, (wt) => {
      const heap = new Float32Array(backend.wasm.asm.memory.buffer);
      const w = ptr(backend, filter) / 4;
      const t = wt / 4;
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) heap[t + o * cin + i] = heap[w + i * cout + o];
      simdFor(backend).gemm_ab(ptr(backend, dy), wt, ptr(backend, dx), inputShape[0] * inputShape[1] * inputShape[2], cout, cin);
    });
    return dx;
  },
  composedBackends: ['wasm'],
  composed(inputs, attrs) {
    const dy = inputs.dy as Tensor4D;
    const filter = inputs.filter as Tensor4D;
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = convInfo(KERNEL, inputShape, filter.shape, attrs as unknown as ConvGradAttrs, false);
    const { dyd, pad } = dilatedForInputGrad(dy, info);
    const spatial = info.filterHeight > 1 || info.filterWidth > 1;
    const flipped = spatial ? tf.reverse(filter, [0, 1]) : filter;
    const w = tf.transpose(flipped, [0, 1, 3, 2]);
    return tf.conv2d(dyd, w as Tensor4D, 1, pad);
  },
};
