/**
 * Conv2D on wasm: a 1x1 stride-1 unpadded convolution is the matmul x W over all pixels, run by
 * the SIMD GEMM (about 20% faster than XNNPACK's convolution here, which also repacks the
 * changing weights every training step). Every other convolution goes to wasm's own kernel.
 */
import { tf } from '../tf.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import type { ConvGradAttrs } from './convUtil.js';

export const conv2d: ProjectKernel = {
  kernelName: 'Conv2D',
  wasm({ x, filter }, attrs, backend) {
    const a = attrs as unknown as ConvGradAttrs;
    if (filter.shape[0] !== 1 || filter.shape[1] !== 1 || x.dtype !== 'float32') return undefined;
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return undefined;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast',
    );
    const { top, bottom, left, right } = info.padInfo;
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || top + bottom + left + right !== 0) return undefined;
    const y = backend.makeOutput(info.outShape, 'float32');
    const m = info.batchSize * info.outHeight * info.outWidth;
    simdFor(backend).gemm_ab(ptr(backend, x), ptr(backend, filter), ptr(backend, y), m, info.inChannels, info.outChannels);
    return y;
  },
  composedBackends: [],
};
