/**
 * Kernels composed from other tfjs ops. The engine accepts a Tensor as a kernel's output, so a
 * composed kernel runs ordinary ops inside `tf.tidy` and returns the result. While a profile
 * is recording, the records of the inner kernels are tagged with the outer kernel's name so a
 * breakdown can count each millisecond once (see `nestedIn`).
 */
import { tf } from '../tf.js';
import type { Tensor, TensorInfo } from '../tf.js';

export interface CompositeKernel {
  kernelName: string;
  backendName: string;
  run(inputs: Record<string, Tensor>, attrs: Record<string, unknown>): Tensor;
}

interface ProfileRecord {
  name: string;
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

/** Builds a tfjs KernelConfig for a composed kernel. */
export function compositeKernelConfig(kernel: CompositeKernel): tf.KernelConfig {
  return {
    kernelName: kernel.kernelName,
    backendName: kernel.backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const records = activeProfileKernels();
      const first = records?.length ?? 0;
      const out = tf.tidy(() => {
        const wrapped: Record<string, Tensor> = {};
        for (const [key, info] of Object.entries(inputs)) {
          if (info) wrapped[key] = asTensor(info);
        }
        return kernel.run(wrapped, attrs as Record<string, unknown>);
      });
      if (records) {
        for (let i = first; i < records.length; i++) records[i].nestedIn ??= kernel.kernelName;
      }
      return out as unknown as TensorInfo;
    },
  };
}
