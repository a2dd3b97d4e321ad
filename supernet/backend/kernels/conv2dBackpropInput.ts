/**
 * Conv2DBackpropInput for wasm, replacing wasm's own slow kernel:
 * - 1x1 stride 1 unpadded: the SIMD GEMM dy W^T (W^T transposed into scratch memory);
 * - otherwise, unless switched off (see directConv.ts): at stride 1 the SIMD implicit GEMM of
 *   dy, padded by kh-1-padTop / kw-1-padLeft, with the spatially flipped, in/out-transposed
 *   filter (built in scratch memory); strided, the patch gradients dy W^T (SIMD GEMM) summed
 *   back into the image by SIMD col2im (a dilated dy would multiply zeros: 4x the work at
 *   stride 2);
 * - composed: a stride-1 XNNPACK convolution of the same dilated dy and filter.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, dilatedForInputGrad, type Conv2DInfo, type ConvGradAttrs } from './convUtil.js';
import { ptr, simdFor, withScratch, type WasmBackendLike } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import { denseConvKernels, directConv } from './directConv.js';
import type { TensorInfo } from '../tf.js';

const KERNEL = 'Conv2DBackpropInput';

export const conv2dBackpropInput: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ dy, filter }, attrs, backend) {
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = convInfo(KERNEL, inputShape, filter.shape, attrs as unknown as ConvGradAttrs, false);
    const { top, bottom, left, right } = info.padInfo;
    const pointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1
      && info.strideWidth === 1 && top + bottom + left + right === 0;
    if (!pointwise) {
      if (!denseConvKernels()) return undefined;
      const strided = info.strideHeight > 1 || info.strideWidth > 1;
      return strided ? patchGrad(backend, dy, filter, info, inputShape) : flippedConv(backend, dy, filter, info, inputShape);
    }
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

/** dx as a stride-1 convolution of the dilated, padded dy with the flipped filter; undefined for pads it cannot place. */
function flippedConv(backend: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo,
  inputShape: [number, number, number, number]): TensorInfo | undefined {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: cin, outChannels: cout } = info;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const [, ho, wo] = dy.shape;
  const hp = info.inHeight + kh - 1;
  const wp = info.inWidth + kw - 1;
  if (top < 0 || left < 0 || top + (ho - 1) * sh >= hp || left + (wo - 1) * sw >= wp) return undefined;
  if (sh !== sw) return undefined;
  const dx = backend.makeOutput(inputShape, 'float32');
  withScratch(backend, kh * kw * cin * cout * 4, (wt) => {
    const heap = new Float32Array(backend.wasm.asm.memory.buffer);
    const w = ptr(backend, filter) / 4;
    const t = wt / 4;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const src = w + ((kh - 1 - ky) * kw + (kw - 1 - kx)) * cin * cout;
        const dst = t + (ky * kw + kx) * cout * cin;
        for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) heap[dst + o * cin + i] = heap[src + i * cout + o];
      }
    }
    directConv(backend, { x: dy, place: { top, left, dil: sh, hp, wp }, filter: wt, kh, kw, sh: 1, sw: 1, out: dx });
  });
  return dx;
}

/** dx = col2im(dy W^T): every multiply-add useful at any stride. */
function patchGrad(backend: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo,
  inputShape: [number, number, number, number]): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, outChannels: n } = info;
  const k = kh * kw * info.inChannels;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const dx = backend.makeOutput(inputShape, 'float32');
  withScratch(backend, (n + m) * k * 4, (wt) => {
    const heap = new Float32Array(backend.wasm.asm.memory.buffer);
    const w = ptr(backend, filter) / 4;
    const t = wt / 4;
    for (let i = 0; i < k; i++) for (let o = 0; o < n; o++) heap[t + o * k + i] = heap[w + i * n + o];
    const cols = wt + n * k * 4;
    const simd = simdFor(backend);
    simd.gemm_ab(ptr(backend, dy), wt, cols, m, n, k);
    simd.col2im(cols, ptr(backend, dx), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight,
      info.outWidth, kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  });
  return dx;
}
