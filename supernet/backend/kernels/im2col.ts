/**
 * im2col patches of a convolution's input, `[B, Ho, Wo, kh*kw*Cin]` in the filter's (ky, kx, ci)
 * order: a SIMD copy loop on wasm (wasm's Slice and Concat are slow on narrow tensors), plain
 * slices of stride phases elsewhere.
 */
import { ptr, simdFor } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';
import { convInfo, patches, type ConvGradAttrs } from './convUtil.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';
import type { Tensor4D } from '../tf.js';

const KERNEL = PROJECT_KERNELS.im2col;

export const im2col: ProjectKernel = {
  kernelName: KERNEL,
  wasm({ x }, attrs, backend) {
    const info = convInfo(KERNEL, x.shape, attrs.filterShape as number[], attrs as unknown as ConvGradAttrs, false);
    const { filterHeight: kh, filterWidth: kw, inChannels: c } = info;
    const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, kh * kw * c], 'float32');
    simdFor(backend).im2col(
      ptr(backend, x), ptr(backend, out), info.batchSize, info.inHeight, info.inWidth, c, info.outHeight,
      info.outWidth, kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    );
    return out;
  },
  composedBackends: [...COMPOSED_BACKENDS, 'wasm'],
  composed({ x }, attrs) {
    const info = convInfo(KERNEL, x.shape, attrs.filterShape as number[], attrs as unknown as ConvGradAttrs, false);
    return patches(x as Tensor4D, info);
  },
};
