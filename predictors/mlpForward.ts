/**
 * The forward pass of a ReLU MLP over many rows, without tfjs: the project's WebAssembly SIMD
 * GEMM (`gemm_ab` from supernet/backend/simd, 4x8 register tiles) on a private wasm heap that
 * holds the weights, or plain typed-array loops where wasm SIMD is unavailable. Both compute
 * `relu(x W + b)` per hidden layer in float32 and a linear last layer.
 */
import { assembleModule } from '../supernet/backend/simd/assembler.js';
import { gemmAbKernel } from '../supernet/backend/simd/gemmKernels.js';

/** A dense layer: `out[o] = bias[o] + sum_i in[i] * weights[i * outputs + o]`. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** Outputs `[n, lastWidth]` for inputs `[n, firstWidth]` (row-major). */
export type MlpForward = (x: Float32Array, n: number) => Float32Array;

/** The slice of the WebAssembly JS API used here (the project's lib settings omit its types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let gemmModule: object | null | undefined;

/** The compiled GEMM module, or null when this runtime has no wasm SIMD. */
function compiledGemm(): object | null {
  if (gemmModule === undefined) {
    const bytes = assembleModule([gemmAbKernel()]);
    gemmModule = WA && WA.validate(bytes) ? new WA.Module(bytes) : null;
  }
  return gemmModule;
}

/** Whether the SIMD forward pass is available here. */
export function simdAvailable(): boolean {
  return compiledGemm() !== null;
}

function biasAct(y: Float32Array, n: number, bias: Float32Array, relu: boolean): void {
  const width = bias.length;
  for (let r = 0; r < n; r++) {
    const o0 = r * width;
    for (let o = 0; o < width; o++) {
      const v = y[o0 + o] + bias[o];
      y[o0 + o] = relu && v < 0 ? 0 : v;
    }
  }
}

/** One layer in plain loops; zero inputs (one-hots, ReLU outputs) are skipped. */
function jsDense(x: Float32Array, n: number, layer: DenseLayer, relu: boolean): Float32Array {
  const { inputs, outputs, weights } = layer;
  const out = new Float32Array(n * outputs);
  const acc = new Float64Array(outputs);
  for (let r = 0; r < n; r++) {
    acc.fill(0);
    const xo = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const v = x[xo + i];
      if (v === 0) continue;
      const wo = i * outputs;
      for (let o = 0; o < outputs; o++) acc[o] += v * weights[wo + o];
    }
    out.set(acc, r * outputs);
  }
  biasAct(out, n, layer.bias, relu);
  return out;
}

/** The plain typed-array forward pass. */
export function jsForward(layers: readonly DenseLayer[]): MlpForward {
  return (x, n) => {
    let h = x;
    layers.forEach((l, i) => {
      h = jsDense(h, n, l, i < layers.length - 1);
    });
    return h;
  };
}

/** Rows per GEMM call: bounds the heap to a few MB whatever the batch. */
const kChunkRows = 512;

/** The SIMD forward pass, or undefined when wasm SIMD is unavailable. */
export function simdForward(layers: readonly DenseLayer[]): MlpForward | undefined {
  const module = compiledGemm();
  if (!module || !WA) return undefined;
  const widest = Math.max(layers[0].inputs, ...layers.map((l) => l.outputs));
  const weightFloats = layers.reduce((s, l) => s + l.weights.length, 0);
  const floats = weightFloats + 2 * kChunkRows * widest;
  const memory = new WA.Memory({ initial: Math.ceil((floats * 4) / 65536) });
  const gemm = new WA.Instance(module, { env: { memory } }).exports.gemm_ab as (...args: number[]) => void;
  const heap = new Float32Array(memory.buffer);
  const offsets: number[] = [];
  let at = 0;
  for (const l of layers) {
    offsets.push(at);
    heap.set(l.weights, at);
    at += l.weights.length;
  }
  const buffers = [at, at + kChunkRows * widest];
  const lastWidth = layers[layers.length - 1].outputs;
  return (x, n) => {
    const out = new Float32Array(n * lastWidth);
    for (let start = 0; start < n; start += kChunkRows) {
      const m = Math.min(kChunkRows, n - start);
      heap.set(x.subarray(start * layers[0].inputs, (start + m) * layers[0].inputs), buffers[0]);
      let src = 0;
      layers.forEach((l, i) => {
        const dst = 1 - src;
        gemm(buffers[src] * 4, offsets[i] * 4, buffers[dst] * 4, m, l.inputs, l.outputs);
        biasAct(heap.subarray(buffers[dst], buffers[dst] + m * l.outputs), m, l.bias, i < layers.length - 1);
        src = dst;
      });
      out.set(heap.subarray(buffers[src], buffers[src] + m * lastWidth), start * lastWidth);
    }
    return out;
  };
}

/** The fastest forward pass available: SIMD when the runtime has it, else plain loops. */
export function mlpForward(layers: readonly DenseLayer[], options: { simd?: boolean } = {}): MlpForward {
  return (options.simd !== false ? simdForward(layers) : undefined) ?? jsForward(layers);
}
