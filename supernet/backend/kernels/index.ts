/**
 * The kernels this project registers with tfjs, registered in one loop. On wasm most run SIMD
 * loops from a module assembled at start-up (../simd) on the backend's own heap; each keeps a
 * composed (tfjs-op) version where one is useful, selectable with HWNAS_WASM_KERNELS=composed.
 * - Gradients wasm lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input) and
 *   wasm's slow Conv2DBackpropInput: SIMD GEMMs for 1x1 convolutions, SIMD im2col + GEMM for
 *   small patches, SIMD depthwise loops; composed recipes (XNNPACK convolutions of transposed
 *   or zero-dilated operands) otherwise.
 * - Conv2D (1x1), DepthwiseConv2dNative, BatchMatMul (unbatched): SIMD, faster than XNNPACK's
 *   here; wasm's own kernels for the cases they do not cover.
 * - BatchNorm fused with its activation (forward, gradient) and activations: SIMD on wasm,
 *   composed on other backends (see names.ts).
 * - Identity on wasm shares data instead of copying it.
 * - Sum over leading axes (bias and LayerNorm gradients) on wasm: a SIMD GEMM with a ones
 *   vector instead of wasm's transpose-then-sum.
 */
import { tf } from '../tf.js';
import { activation } from './activation.js';
import { activationGrad } from './activationGrad.js';
import { batchMatMul } from './batchMatMul.js';
import { batchNormAct } from './batchNormAct.js';
import { batchNormActGrad } from './batchNormActGrad.js';
import { kernelConfigs, type ProjectKernel, type WasmKernelVariant } from './composite.js';
import { conv2d } from './conv2d.js';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { depthwiseConv2dNative } from './depthwiseConv2dNative.js';
import { depthwiseConv2dNativeBackpropFilter } from './depthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInput } from './depthwiseConv2dNativeBackpropInput.js';
import { identity } from './identity.js';
import { im2col } from './im2col.js';
import { matMulAtB } from './matMulAtB.js';
import { sum } from './sum.js';

export const PROJECT_KERNEL_LIST: readonly ProjectKernel[] = Object.freeze([
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2dNative,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
  matMulAtB,
  im2col,
  batchNormAct,
  batchNormActGrad,
  activation,
  activationGrad,
  identity,
  batchMatMul,
  sum,
]);

const ours = new WeakSet<object>();
/** Backend kernels replaced by ours, by 'backend/kernel' (fallbacks, and restored by variants). */
const originals = new Map<string, tf.KernelConfig>();
let registered = false;
let variant: WasmKernelVariant = variantFromEnv();

/** HWNAS_WASM_KERNELS=composed selects the composed variants (worker threads inherit it). */
function variantFromEnv(): WasmKernelVariant {
  const raw = process.env.HWNAS_WASM_KERNELS ?? 'simd';
  if (raw !== 'simd' && raw !== 'composed') {
    throw new Error(`HWNAS_WASM_KERNELS must be 'simd' or 'composed' (got '${raw}')`);
  }
  return raw;
}

/**
 * Selects the wasm implementation of kernels that have both a SIMD and a composed version and
 * re-registers them; 'simd' is the default.
 */
export function setWasmKernelVariant(next: WasmKernelVariant): void {
  if (next === variant) return;
  variant = next;
  for (const kernel of PROJECT_KERNEL_LIST) {
    if (kernel.wasm && tf.getKernel(kernel.kernelName, 'wasm')) tf.unregisterKernel(kernel.kernelName, 'wasm');
  }
  registerProjectKernels();
}

export function wasmKernelVariant(): WasmKernelVariant {
  return variant;
}

/**
 * Registers the project's kernels for every backend, replacing a backend's own kernel of the
 * same name. Backend packages register their kernels when they load, so this runs again after
 * a backend package is imported; kernels already ours are left alone.
 */
export function registerProjectKernels(): void {
  const wasmLoaded = Boolean(tf.findBackendFactory('wasm'));
  for (const kernel of PROJECT_KERNEL_LIST) {
    const current = wasmLoaded ? tf.getKernel(kernel.kernelName, 'wasm') : undefined;
    if (current && !ours.has(current.kernelFunc) && !originals.has(`wasm/${kernel.kernelName}`)) {
      originals.set(`wasm/${kernel.kernelName}`, current);
    }
    for (const config of kernelConfigs(kernel, variant, originals.get(`wasm/${kernel.kernelName}`))) {
      // Until the wasm package is loaded its own registrations would override ours.
      if (config.backendName === 'wasm' && !wasmLoaded) continue;
      const existing = tf.getKernel(config.kernelName, config.backendName);
      if (existing && (ours.has(existing.kernelFunc) || existing === config)) continue;
      if (existing) {
        kernel.onReplace?.(existing);
        tf.unregisterKernel(config.kernelName, config.backendName);
      }
      tf.registerKernel(config);
      if (config !== originals.get(`${config.backendName}/${config.kernelName}`)) ours.add(config.kernelFunc);
    }
  }
  registered = registered || wasmLoaded;
}

/** Registers the project's kernels unless that has been done (cheap; ops call it). */
export function ensureProjectKernels(): void {
  if (!registered) registerProjectKernels();
}
