/**
 * Conv2DBackpropInput for wasm, replacing wasm's own slow kernel: a stride-1 XNNPACK
 * convolution of the zero-dilated dy with the spatially flipped, in/out-transposed filter.
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';
import { convInfo, dilatedForInputGrad, type ConvGradAttrs } from './convUtil.js';
import type { ProjectKernel } from './composite.js';

const KERNEL = 'Conv2DBackpropInput';

export const conv2dBackpropInput: ProjectKernel = {
  kernelName: KERNEL,
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
