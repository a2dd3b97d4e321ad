/**
 * Conv2D on wasm (NHWC, dilation 1):
 * - 1x1 stride-1 unpadded: the matmul x W over all pixels, run by the SIMD GEMM (about 20%
 *   faster than XNNPACK's convolution here, which also repacks the changing weights every
 *   training step);
 * - every other size, stride and padding: the SIMD implicit GEMM over a zero-padded copy of x
 *   (directConv.ts), unless switched off.
 * Other cases (NCHW, dilation) go to wasm's own kernel.
 */
import { tf } from '../tf.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import type { ConvGradAttrs } from './convUtil.js';
import { denseConvKernels, directConv, forwardPlacement } from './directConv.js';

export const conv2d: ProjectKernel = {
  kernelName: 'Conv2D',
  wasm({ x, filter }, attrs, backend) {
    const a = attrs as unknown as ConvGradAttrs;
    if (x.dtype !== 'float32' || (a.dataFormat !== undefined && a.dataFormat !== 'NHWC')) return undefined;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast',
    );
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && top + bottom + left + right === 0;
    if (!pointwise && !denseConvKernels()) return undefined;
    if (info.outHeight <= 0 || info.outWidth <= 0 || top < 0 || left < 0) return undefined;
    const y = backend.makeOutput(info.outShape, 'float32');
    if (pointwise) {
      const m = info.batchSize * info.outHeight * info.outWidth;
      simdFor(backend).gemm_ab(ptr(backend, x), ptr(backend, filter), ptr(backend, y), m, info.inChannels, info.outChannels);
      return y;
    }
    directConv(backend, { x, place: forwardPlacement(info), filter: ptr(backend, filter), kh, kw, sh, sw, out: y });
    return y;
  },
  composedBackends: [],
};
