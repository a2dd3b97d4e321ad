/**
 * BatchMatMul for wasm: its own kernel is fast (XNNPACK GEMM) only without transposes; with
 * `transposeA` or `transposeB` - which every matmul gradient uses - it runs ~10x slower
 * (measured: 0.7-0.85 vs 6-8.6 GMAC/s on [3136x96]x[96x480]). Here a transposed operand is
 * transposed explicitly (one fast Transpose kernel) and wasm's own kernel runs without flags.
 * Float32 products go to the project's SIMD GEMMs instead, which read the operands in place
 * (no weight packing per call): a b, a^T b (the weight gradient, no transpose at all) and a b^T
 * (b transposed first). Batched products whose operands have the same batch shape (attention's
 * `[B, heads, T, d]` products) run one GEMM per matrix: wasm's own kernel reached 0.7 GMAC/s
 * on `[64,4,16,16] x [64,4,16,32]`.
 */
import { tf } from '../tf.js';
import type { TensorInfo } from '../tf.js';
import { ptr, simdFor, type WasmBackendLike } from '../simd/simdModule.js';
import type { ProjectKernel } from './composite.js';

let originalConfig: tf.KernelConfig | undefined;
/** Backend instances whose wasm bindings for the original kernel are set up. */
const setUp = new WeakSet<object>();

function transposeLast2(x: TensorInfo): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.engine().runKernel('Transpose', { x } as unknown as tf.NamedTensorMap, { perm }) as tf.Tensor;
}

/** wasm's own kernel, its bindings set up on first use (its setupFunc runs at backend start otherwise). */
function original(backend: object): tf.KernelFunc {
  if (!originalConfig) throw new Error('wasm BatchMatMul replacement registered without the original kernel');
  if (!setUp.has(backend)) {
    originalConfig.setupFunc?.(backend as never);
    setUp.add(backend);
  }
  return originalConfig.kernelFunc;
}

/** Batch size of an operand (product of its leading dimensions). */
function batchOf(t: TensorInfo): number {
  return t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

/** Whether both operands hold the same batch of matrices (no broadcasting). */
function sameBatch(a: TensorInfo, b: TensorInfo): boolean {
  if (batchOf(a) === 1 && batchOf(b) === 1) return true;
  return a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
}

/** The SIMD GEMMs, one per matrix of the batch; undefined when they do not apply. */
function simdMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean,
  backend: WasmBackendLike): TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !sameBatch(a, b)) return undefined;
  if (transposeA && transposeB) return undefined;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const batch = batchOf(a);
  const rank = Math.max(a.shape.length, b.shape.length);
  const lead = batch === 1 ? new Array<number>(rank - 2).fill(1) : a.shape.slice(0, -2);
  const simd = simdFor(backend);
  const [rows, cols] = transposeA ? [ac, bc] : [ar, transposeB ? br : bc];
  const out = backend.makeOutput([...lead, rows, cols], 'float32');
  const bt = transposeB ? transposeLast2(b) : undefined;
  const pa = ptr(backend, a);
  const pb = ptr(backend, bt ?? b);
  const po = ptr(backend, out);
  const [aBytes, bBytes, outBytes] = [ar * ac * 4, br * bc * 4, rows * cols * 4];
  for (let i = 0; i < batch; i++) {
    if (transposeA) simd.gemm_at_b(pa + i * aBytes, pb + i * bBytes, po + i * outBytes, ar, ac, bc);
    else simd.gemm_ab(pa + i * aBytes, pb + i * bBytes, po + i * outBytes, ar, ac, cols);
  }
  bt?.dispose();
  return out;
}

export const batchMatMul: ProjectKernel = {
  kernelName: 'BatchMatMul',
  wasm(inputs, attrs, backend) {
    const run = original(backend);
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const direct = simdMatMul(a, b, transposeA, transposeB, backend);
    if (direct) return direct;
    if (!transposeA && !transposeB) {
      return run({ inputs, attrs: attrs as tf.NamedAttrMap, backend: backend as never }) as TensorInfo;
    }
    const temps: tf.Tensor[] = [];
    const aa = transposeA ? transposeLast2(a) : a;
    const bb = transposeB ? transposeLast2(b) : b;
    if (aa instanceof tf.Tensor && aa !== a) temps.push(aa);
    if (bb instanceof tf.Tensor && bb !== b) temps.push(bb);
    const out = run({
      inputs: { a: aa, b: bb },
      attrs: { ...(attrs as tf.NamedAttrMap), transposeA: false, transposeB: false },
      backend: backend as never,
    }) as TensorInfo;
    tf.dispose(temps);
    return out;
  },
  composedBackends: [],
  onReplace(existing: tf.KernelConfig) {
    if (existing.backendName === 'wasm') originalConfig = existing;
  },
};
