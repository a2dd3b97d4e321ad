/**
 * Instantiates the project's SIMD kernels against the wasm backend's own memory, so they read
 * and write tensors in place (pointers are the backend's `memoryOffset`s). One instance per
 * backend instance.
 */
import type { TensorInfo } from '../tf.js';
import v8 from 'node:v8';
import { FunctionBuilder, assembleModule, f32x4, get } from './assembler.js';
import { setRelaxedSimd } from './lanes.js';
import { bnActFunctions } from './bnActKernels.js';
import { depthwiseFilterGradKernel, depthwiseFilterGradUnrolledKernels } from './depthwiseFilterGrad.js';
import {
  depthwisePixelFilterGradKernel, depthwisePixelForwardKernel, depthwisePixelInputGradKernel,
} from './depthwisePixel.js';
import { im2colKernel } from './im2col.js';
import { convDirectKernel } from './convDirect.js';
import { padDilateKernel } from './padDilate.js';
import { col2imKernel } from './col2im.js';
import { convFilterGradKernel } from './convFilterGrad.js';
import { gemmAbKernel, gemmAtBKernel } from './gemmKernels.js';

/** The slice of the WebAssembly JS API used here (the project's lib settings omit its types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { _malloc(bytes: number): number; _free(ptr: number): void; asm: { memory: { buffer: ArrayBuffer } } };
}

export type SimdFunction = (...args: number[]) => void;
export type SimdExports = Readonly<Record<string, SimdFunction>>;

let compiled: object | undefined;
const instances = new WeakMap<object, SimdExports>();
let relaxedSimd: boolean | undefined;

/**
 * Whether the engine accepts relaxed SIMD (fused multiply-add). Node 20's V8 has it behind
 * --experimental-wasm-relaxed-simd, which is switched on here unless HWNAS_WASM_RELAXED_SIMD=0;
 * without it the kernels use a multiply and an add.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  const probe = new FunctionBuilder('probe', ['i32']);
  const [p] = probe.params;
  probe.store('v128', get(p), f32x4.relaxedMadd(f32x4.load(get(p)), f32x4.load(get(p)), f32x4.load(get(p))));
  const bytes = assembleModule([probe]);
  relaxedSimd = WA.validate(bytes);
  if (!relaxedSimd && process.env.HWNAS_WASM_RELAXED_SIMD !== '0') {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedSimd = WA.validate(bytes);
  }
  if (process.env.HWNAS_WASM_RELAXED_SIMD === '0') relaxedSimd = false;
  return relaxedSimd;
}

export function simdModuleBytes(): Uint8Array {
  setRelaxedSimd(relaxedSimdAvailable());
  return assembleModule([...bnActFunctions(), depthwiseFilterGradKernel(), ...depthwiseFilterGradUnrolledKernels(), gemmAtBKernel(), gemmAbKernel(), im2colKernel(),
    depthwisePixelForwardKernel(), depthwisePixelFilterGradKernel(),
    depthwisePixelInputGradKernel(), convDirectKernel(), padDilateKernel(), col2imKernel(),
    convFilterGradKernel()]);
}

/** The SIMD kernels bound to `backend`'s memory. */
export function simdFor(backend: WasmBackendLike): SimdExports {
  let exports = instances.get(backend);
  if (!exports) {
    compiled ??= new WA.Module(simdModuleBytes());
    const instance = new WA.Instance(compiled, { env: { memory: backend.wasm.asm.memory } });
    exports = instance.exports as unknown as SimdExports;
    instances.set(backend, exports);
  }
  return exports;
}

/** Heap address of a tensor's data. */
export function ptr(backend: WasmBackendLike, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('tensor data is not on the wasm backend');
  return data.memoryOffset;
}

/**
 * Runs `f` with `bytes` of scratch heap memory. The allocator returns the address as a signed
 * 32-bit integer: above 2 GiB of heap it is negative, and JS-side indexing of the heap with it
 * (`heap[address / 4]`) silently reads and writes nothing. `>>> 0` makes it the unsigned address.
 */
export function withScratch<T>(backend: WasmBackendLike, bytes: number, f: (scratch: number) => T): T {
  const raw = backend.wasm._malloc(bytes);
  if (raw === 0) throw new Error(`the wasm heap cannot allocate ${bytes} bytes of scratch memory (it is at its 4 GiB limit): use a smaller batch`);
  const scratch = raw >>> 0;
  try {
    return f(scratch);
  } finally {
    backend.wasm._free(raw);
  }
}
