/**
 * DepthwiseConv2dNativeBackpropFilter for wasm (which has none). Two implementations:
 * - SIMD loop over (batch, output row, tap) with stride and padding by index arithmetic;
 * - composed: ONE dilated depthwise convolution, x -> [1, Hp, Wp, C*B] (channel x batch as
 *   channels) correlated with dy -> [Ho, Wo, C*B, 1] as the filter (dilation = stride), then a
 *   sum over the batch.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, type ConvGradAttrs } from './convUtil.js';
import { UNROLLED_WIDTHS } from '../simd/convLoops.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

const KERNEL = 'DepthwiseConv2dNativeBackpropFilter';
/** Output widths up to this use the pixel-major filter gradient (measured faster there). */
const PIXEL_MAJOR_MAX_WIDTH = 8;

export const depthwiseConv2dNativeBackpropFilter: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ x, dy }, attrs, backend) {
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = convInfo(KERNEL, x.shape, filterShape, attrs as unknown as ConvGradAttrs, true);
    if (info.outChannels !== info.inChannels) {
      throw new Error(`${KERNEL} on wasm supports channel multiplier 1 only (got ${filterShape[3]})`);
    }
    const dw = backend.makeOutput(filterShape, 'float32');
    // Small outputs: image-by-image, pixel-major; wider ones: row loops (taps unrolled for k 3/5/7).
    const fn = info.outWidth <= PIXEL_MAJOR_MAX_WIDTH ? 'dw_filter_grad_px'
      : UNROLLED_WIDTHS.includes(info.filterWidth) ? `dw_filter_grad_k${info.filterWidth}` : 'dw_filter_grad';
    simdFor(backend)[fn](
      ptr(backend, x), ptr(backend, dy), ptr(backend, dw), info.batchSize, info.inHeight, info.inWidth,
      info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    );
    return dw;
  },
  composedBackends: ['wasm'],
  composed(inputs, attrs) {
    const x = inputs.x as Tensor4D;
    const dy = inputs.dy as Tensor4D;
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = convInfo(KERNEL, x.shape, filterShape, attrs as unknown as ConvGradAttrs, true);
    if (info.outChannels !== info.inChannels) {
      throw new Error(`${KERNEL} on wasm supports channel multiplier 1 only (got ${filterShape[3]})`);
    }
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const [b, , , c] = x.shape;
    const xp = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const [, hp, wp] = xp.shape;
    const xt = tf.reshape(tf.transpose(xp, [1, 2, 3, 0]), [1, hp, wp, c * b]);
    const dyt = tf.reshape(tf.transpose(dy, [1, 2, 3, 0]), [dy.shape[1], dy.shape[2], c * b, 1]);
    const full = tf.depthwiseConv2d(xt as Tensor4D, dyt as Tensor4D, 1, 'valid', 'NHWC', [sh, sw]);
    const cut = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [1, kh, kw, c * b]);
    return tf.reshape(tf.sum(tf.reshape(cut, [kh, kw, c, b]), 3), filterShape);
  },
};
