/**
 * Conv2DBackpropFilter for wasm (which has none).
 * - 1x1 stride 1: the gradient is the matmul x^T dy; the SIMD variant computes it in place
 *   (no transpose, no packing), the composed one as transpose + matmul.
 * - Otherwise one stride-1 XNNPACK convolution: pad x as the forward pass did, put the batch
 *   where the channels are (x -> [Cin, H, W, B], dy -> [Ho, Wo, B, Cout]) and correlate with
 *   dilation = stride; the batch is the summed channel.
 */
import { tf } from '../tf.js';
import type { Tensor, Tensor4D } from '../tf.js';
import { convInfo, type Conv2DInfo, type ConvGradAttrs } from './convUtil.js';
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

const KERNEL = 'Conv2DBackpropFilter';

export const conv2dBackpropFilter: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ x, dy }, attrs, backend) {
    const filterShape = attrs.filterShape as [number, number, number, number];
    const info = convInfo(KERNEL, x.shape, filterShape, attrs as unknown as ConvGradAttrs, false);
    if (!isPointwise(info)) return undefined;
    const dw = backend.makeOutput(filterShape, 'float32');
    const m = x.shape[0] * x.shape[1] * x.shape[2];
    simdFor(backend).gemm_at_b(ptr(backend, x), ptr(backend, dy), ptr(backend, dw), m, info.inChannels, info.outChannels);
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
    const { top, bottom, left, right } = info.padInfo;
    if (isPointwise(info)) {
      const m = x.shape[0] * x.shape[1] * x.shape[2];
      return tf.reshape(matMulTransposeA(tf.reshape(x, [m, cin]), tf.reshape(dy, [m, cout])), filterShape);
    }
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

/** a^T b for a: [M, K], b: [M, N], as an explicit transpose and a matmul. */
function matMulTransposeA(a: Tensor, b: Tensor): Tensor {
  return tf.matMul(tf.transpose(a), b);
}
