/**
 * The shape of the project's kernels and how they become tfjs KernelConfigs. A kernel may have
 * a raw wasm implementation (SIMD loops on the backend's heap) and/or a version composed from
 * other tfjs ops, registered for the listed backends. The engine accepts a Tensor as a kernel's
 * output, so a composed kernel runs ordinary ops inside `tf.tidy` and returns the result.
 * While a profile is recording, the records of a composed kernel's inner kernels are tagged
 * with its name (`nestedIn`) so a breakdown can count each millisecond once.
 */
import { tf } from '../tf.js';
import type { Tensor, TensorInfo } from '../tf.js';
import type { WasmBackendLike } from '../simd/simdModule.js';

export interface ProjectKernel {
  kernelName: string;
  /**
   * Raw implementation for the wasm backend. Returning undefined hands the call to the
   * composed implementation (for cases the raw one does not cover).
   */
  wasm?: (inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>, backend: WasmBackendLike) => TensorInfo | TensorInfo[] | undefined;
  /** Implementation composed from tfjs ops. */
  composed?: (inputs: Record<string, Tensor>, attrs: Record<string, unknown>) => Tensor | Tensor[];
  /** Backends that get the composed implementation. */
  composedBackends: readonly string[];
  /** Called with a backend's own kernel just before this one replaces it (to delegate to it). */
  onReplace?: (existing: tf.KernelConfig) => void;
}

/** A profile record as tfjs-core keeps it, with the tag added here. */
export interface ProfileRecord {
  name: string;
  kernelTimeMs: number | { error: string };
  nestedIn?: string;
}

/**
 * Inputs normally arrive as the caller's Tensors; a bare TensorInfo is wrapped as a Tensor that
 * shares its data (with an extra reference, released when the surrounding tidy disposes it).
 */
function asTensor(info: TensorInfo): Tensor {
  if (info instanceof tf.Tensor) return info;
  tf.backend().incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

function activeProfileKernels(): ProfileRecord[] | undefined {
  const state = tf.engine().state as unknown as { activeProfile?: { kernels?: ProfileRecord[] }; profiling?: boolean };
  return state.profiling ? state.activeProfile?.kernels : undefined;
}

/**
 * Which implementation wasm gets when a kernel has both: 'simd' (the default, fastest) or
 * 'composed' (for comparisons in benchmarks and tests).
 */
export type WasmKernelVariant = 'simd' | 'composed';

/**
 * KernelConfigs for every backend the kernel supports. `original` is the backend's own kernel
 * this one replaces on wasm (if any): the fallback when the raw implementation declines, and
 * what the 'composed' variant restores when the kernel has no composed wasm version.
 */
export function kernelConfigs(
  kernel: ProjectKernel,
  variant: WasmKernelVariant = 'simd',
  original?: tf.KernelConfig,
): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  const composed = kernel.composed;
  const composedOnWasm = composed !== undefined && kernel.composedBackends.includes('wasm');
  const raw = variant === 'composed' && (composedOnWasm || original) ? undefined : kernel.wasm;
  if (raw) {
    const fallback = composedOnWasm ? composedKernelFunc(kernel.kernelName, composed) : original?.kernelFunc;
    configs.push({
      kernelName: kernel.kernelName,
      backendName: 'wasm',
      setupFunc: original?.setupFunc,
      disposeFunc: original?.disposeFunc,
      kernelFunc: (args) => {
        const out = raw(args.inputs as Record<string, TensorInfo>, args.attrs as Record<string, unknown>,
          args.backend as unknown as WasmBackendLike);
        if (out) return out as TensorInfo;
        if (!fallback) throw new Error(`${kernel.kernelName}: no implementation for these arguments on wasm`);
        return fallback(args);
      },
    });
  } else if (kernel.wasm && !composedOnWasm && original) {
    configs.push(original);
  }
  if (composed) {
    for (const backendName of kernel.composedBackends) {
      if (raw && backendName === 'wasm') continue;
      configs.push({ kernelName: kernel.kernelName, backendName, kernelFunc: composedKernelFunc(kernel.kernelName, composed) });
    }
  }
  return configs;
}

function composedKernelFunc(
  kernelName: string,
  run: NonNullable<ProjectKernel['composed']>,
): tf.KernelFunc {
  return ({ inputs, attrs }) => {
    const records = activeProfileKernels();
    const first = records?.length ?? 0;
    const out = tf.tidy(() => {
      const wrapped: Record<string, Tensor> = {};
      for (const [key, info] of Object.entries(inputs)) {
        if (info) wrapped[key] = asTensor(info);
      }
      return run(wrapped, attrs as Record<string, unknown>);
    });
    if (records) {
      for (let i = first; i < records.length; i++) records[i].nestedIn ??= kernelName;
    }
    return out as unknown as TensorInfo;
  };
}
