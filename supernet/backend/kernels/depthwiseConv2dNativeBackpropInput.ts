/**
 * DepthwiseConv2dNativeBackpropInput for wasm (which has none). Two implementations:
 * - SIMD: at stride 1 the forward depthwise kernel on dy with the flipped filter and 'full'
 *   padding; otherwise a scatter loop over (batch, output row, tap), stride and padding by
 *   index arithmetic;
 * - composed: a stride-1 XNNPACK depthwise convolution of the zero-dilated dy with the
 *   spatially flipped filter.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, dilatedForInputGrad, type ConvGradAttrs } from './convUtil.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

const KERNEL = 'DepthwiseConv2dNativeBackpropInput';

export const depthwiseConv2dNativeBackpropInput: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ dy, filter }, attrs, backend) {
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = convInfo(KERNEL, inputShape, filter.shape, attrs as unknown as ConvGradAttrs, true);
    if (filter.shape[3] !== 1) {
      throw new Error(`${KERNEL} on wasm supports channel multiplier 1 only (got ${filter.shape[3]})`);
    }
    const dx = backend.makeOutput(inputShape, 'float32');
    const { filterHeight: kh, filterWidth: kw, padInfo } = info;
    const fullTop = kh - 1 - padInfo.top;
    const fullLeft = kw - 1 - padInfo.left;
    if (info.strideHeight === 1 && info.strideWidth === 1 && fullTop >= 0 && fullLeft >= 0) {
      // Stride 1: the correlation of dy with the spatially flipped filter, i.e. the forward
      // kernel with 'full' padding.
      const c = info.inChannels;
      withScratch(backend, kh * kw * c * 4, (flipped) => {
        const heap = new Float32Array(backend.wasm.asm.memory.buffer);
        const src = ptr(backend, filter) / 4;
        for (let t = 0; t < kh * kw; t++) {
          heap.copyWithin(flipped / 4 + (kh * kw - 1 - t) * c, src + t * c, src + (t + 1) * c);
        }
        simdFor(backend).dw_forward_px(
          ptr(backend, dy), flipped, ptr(backend, dx), info.batchSize, info.outHeight, info.outWidth, c,
          info.inHeight, info.inWidth, kh, kw, 1, 1, fullTop, fullLeft,
        );
      });
      return dx;
    }
    simdFor(backend).dw_input_grad(
      ptr(backend, dy), ptr(backend, filter), ptr(backend, dx), info.batchSize, info.inHeight, info.inWidth,
      info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    );
    return dx;
  },
  composedBackends: ['wasm'],
  composed(inputs, attrs) {
    const dy = inputs.dy as Tensor4D;
    const filter = inputs.filter as Tensor4D;
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = convInfo(KERNEL, inputShape, filter.shape, attrs as unknown as ConvGradAttrs, true);
    if (filter.shape[3] !== 1) {
      throw new Error(`${KERNEL} on wasm supports channel multiplier 1 only (got ${filter.shape[3]})`);
    }
    const { dyd, pad } = dilatedForInputGrad(dy, info);
    const spatial = info.filterHeight > 1 || info.filterWidth > 1;
    const flipped = spatial ? tf.reverse(filter, [0, 1]) : filter;
    return tf.depthwiseConv2d(dyd, flipped as Tensor4D, 1, pad);
  },
};
