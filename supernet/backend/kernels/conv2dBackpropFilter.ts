/**
 * Conv2DBackpropFilter for wasm (which has none), by the shape of the convolution:
 * - 1x1 stride 1 (pointwise): the matmul x^T dy over all pixels (SIMD GEMM in place);
 * - small patches (kh*kw*Cin <= PATCH_LIMIT, e.g. a stem on few input channels): im2col of x
 *   (SIMD copy loop), then patches^T dy;
 * - otherwise one stride-1 XNNPACK convolution: pad x as the forward pass did, put the batch
 *   where the channels are (x -> [Cin, H, W, B], dy -> [Ho, Wo, B, Cout]) and correlate with
 *   dilation = stride; the batch is the summed channel.
 * On wasm every non-pointwise convolution (unless switched off, see directConv.ts) runs the SIMD
 * patches^T dy GEMM over a zero-padded copy of x without writing the patches (directConv.ts).
 */
import { tf } from '../tf.js';
import type { Tensor, Tensor2D, Tensor4D } from '../tf.js';
import { convInfo, type Conv2DInfo, type ConvGradAttrs } from './convUtil.js';
import type { ProjectKernel } from './composite.js';
import { PROJECT_KERNELS } from './names.js';
import { denseConvKernels, directFilterGrad, forwardPlacement } from './directConv.js';

const KERNEL = 'Conv2DBackpropFilter';
/** Largest kh*kw*Cin for the im2col path (its matrix is that many times the pixels). */
export const PATCH_LIMIT = 64;

const matMulAtB = (a: Tensor, b: Tensor): Tensor =>
  tf.engine().runKernel(PROJECT_KERNELS.matMulAtB, { a, b }) as Tensor;

export const conv2dBackpropFilter: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ x, dy }, attrs, backend) {
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = convInfo(KERNEL, x.shape, filterShape, attrs as unknown as ConvGradAttrs, false);
    if (isPointwise(info) || !denseConvKernels()) return undefined;
    if (info.padInfo.top < 0 || info.padInfo.left < 0) return undefined;
    const dw = backend.makeOutput(filterShape, 'float32');
    directFilterGrad(backend, {
      x, place: forwardPlacement(info), dy, dw,
      kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    });
    return dw;
  },
  composedBackends: ['wasm'],
  composed(inputs, attrs) {
    const x = inputs.x as Tensor4D;
    const dy = inputs.dy as Tensor4D;
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = convInfo(KERNEL, x.shape, filterShape, attrs as unknown as ConvGradAttrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: cin } = info;
    const cout = info.outChannels;
    const pixels = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const dy2 = tf.reshape(dy, [pixels, cout]) as Tensor2D;
    if (isPointwise(info)) {
      return tf.reshape(matMulAtB(tf.reshape(x, [pixels, cin]), dy2), filterShape);
    }
    if (kh * kw * cin <= PATCH_LIMIT) {
      const cols = tf.engine().runKernel(PROJECT_KERNELS.im2col, { x }, { ...attrs, filterShape } as tf.NamedAttrMap) as Tensor;
      return tf.reshape(matMulAtB(tf.reshape(cols, [pixels, kh * kw * cin]), dy2), filterShape);
    }
    const { top, bottom, left, right } = info.padInfo;
    const xp = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]);
    const dyt = tf.transpose(dy, [1, 2, 0, 3]);
    const full = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [sh, sw]);
    const cut = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return tf.transpose(cut, [1, 2, 0, 3]);
  },
};

/** 1x1 kernel, stride 1, no padding: the convolution is a matmul over all pixels. */
function isPointwise(info: Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1
    && top + bottom + left + right === 0;
}
