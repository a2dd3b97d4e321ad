/**
 * DepthwiseConv2dNativeBackpropInput for wasm (which has none). Two implementations:
 * - SIMD, pixel-major: for each input pixel, 16 channels accumulate in registers over the taps
 *   that reach it (any stride; ~2x the per-tap scatter loop it replaced);
 * - composed: a stride-1 XNNPACK depthwise convolution of the zero-dilated dy with the
 *   spatially flipped filter.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, dilatedForInputGrad, type ConvGradAttrs } from './convUtil.js';
import { ptr, simdFor } from '../simd/simdModule.js';
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
    simdFor(backend).dw_input_grad_px(
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
