/**
 * The kernels this project registers with tfjs, registered in one loop. wasm lacks the filter
 * and depthwise input gradients and its own Conv2DBackpropInput is slow; each replacement is
 * composed from kernels wasm runs fast (XNNPACK convolutions, pad, transpose, reshape, matmul).
 */
import { tf } from '../tf.js';
import { compositeKernelConfig, type CompositeKernel } from './composite.js';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { depthwiseConv2dNativeBackpropFilter } from './depthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInput } from './depthwiseConv2dNativeBackpropInput.js';

export const WASM_KERNELS: readonly CompositeKernel[] = Object.freeze([
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
]);

let registered = false;

/** Registers (or replaces) the composed wasm kernels; safe to call repeatedly. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const kernel of WASM_KERNELS) {
    if (tf.getKernel(kernel.kernelName, kernel.backendName)) {
      tf.unregisterKernel(kernel.kernelName, kernel.backendName);
    }
    tf.registerKernel(compositeKernelConfig(kernel));
  }
  registered = true;
}
