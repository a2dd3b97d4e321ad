/**
 * gemm_at_b(a, b, out, M, K, N):  out[K, N] = a^T b  for a `[M, K]`, b `[M, N]` (row-major).
 * The filter gradient of a 1x1 stride-1 convolution (x^T dy) without transposing or packing
 * either operand: register tiles of 4 output rows x 8 output columns accumulate outer products
 * row by row, over chunks of rows that stay in cache. Tails use 1-row and 4/1-column tiles.
 */
import { FunctionBuilder, f32, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

/** Rows of a and b per chunk (a chunk of both stays in L2 for K, N <= 320). */
const CHUNK_ROWS = 128;
/** Output rows per register tile (of gemm_at_b: rows of a^T; of gemm_ab: rows of a). */
const TILE_ROWS = 4;

export function gemmAtBKernel(): FunctionBuilder {
  const f = new FunctionBuilder('gemm_at_b', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [a, b, out, m, k, n] = f.params;
  const kBytes = f.local('i32');
  const nBytes = f.local('i32');
  const m0 = f.local('i32');
  const m1 = f.local('i32');
  const row = f.local('i32');
  const ci = f.local('i32');
  const co = f.local('i32');
  const pa = f.local('i32');
  const pb = f.local('i32');
  const i = f.local('i32');
  const k4 = f.local('i32');
  const n8 = f.local('i32');
  const n4 = f.local('i32');
  f.set(kBytes, i32.shl(get(k), i32.const(2)));
  f.set(nBytes, i32.shl(get(n), i32.const(2)));
  f.set(k4, i32.mul(i32.div(get(k), i32.const(TILE_ROWS)), i32.const(TILE_ROWS)));
  f.set(n8, i32.and(get(n), i32.const(-8)));
  f.set(n4, i32.and(get(n), i32.const(-4)));
  f.forRange(i, i32.const(0), i32.mul(get(k), get(nBytes)), 4, () =>
    f.store('f32', i32.add(get(out), get(i)), f32.const(0)));

  // Accumulator registers, allocated once per shape of tile and reused.
  const accs = new Map<string, Local[]>();
  const accFor = (L: Lanes, count: number): Local[] => {
    const key = `${L.type}${count}`;
    let locals = accs.get(key);
    if (!locals) {
      locals = Array.from({ length: count }, () => f.local(L.type));
      accs.set(key, locals);
    }
    return locals;
  };
  const splats = Array.from({ length: TILE_ROWS }, () => f.local('v128'));
  const scalars = Array.from({ length: TILE_ROWS }, () => f.local('f32'));
  const bVecs = Array.from({ length: 2 }, () => f.local('v128'));
  const bScalar = f.local('f32');

  /** One tile of `rows` output rows x `cols` lanes-wide column groups at (ci, co). */
  const tile = (rows: number, L: Lanes, cols: number) => {
    const acc = accFor(L, rows * cols);
    const outAt = (r: number, c: number): Expr =>
      i32.add(get(out), i32.add(i32.mul(i32.add(get(ci), i32.const(r)), get(nBytes)),
        i32.add(i32.shl(get(co), i32.const(2)), i32.const(c * L.width))));
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f.set(acc[r * cols + c], L.load(outAt(r, c)));
    f.set(pa, i32.add(get(a), i32.add(i32.mul(get(m0), get(kBytes)), i32.shl(get(ci), i32.const(2)))));
    f.set(pb, i32.add(get(b), i32.add(i32.mul(get(m0), get(nBytes)), i32.shl(get(co), i32.const(2)))));
    f.forRange(row, get(m0), get(m1), 1, () => {
      const left = L.type === 'v128' ? splats : scalars;
      const right = L.type === 'v128' ? bVecs : [bScalar];
      for (let c = 0; c < cols; c++) f.set(right[c], L.load(i32.add(get(pb), i32.const(c * L.width))));
      for (let r = 0; r < rows; r++) {
        f.set(left[0], L.type === 'v128' ? f32x4.loadSplat(get(pa), r * 4) : f32.load(get(pa), r * 4));
        for (let c = 0; c < cols; c++) {
          const t = acc[r * cols + c];
          f.set(t, L.fma(get(left[0]), get(right[c]), get(t)));
        }
      }
      f.set(pa, i32.add(get(pa), get(kBytes)));
      f.set(pb, i32.add(get(pb), get(nBytes)));
    });
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) L.store(f, outAt(r, c), get(acc[r * cols + c]));
  };

  /** Every column tile for the current output rows. */
  const columns = (rows: number) => {
    f.forRange(co, i32.const(0), get(n8), 8, () => tile(rows, VEC, 2));
    f.forRange(co, get(n8), get(n4), 4, () => tile(rows, VEC, 1));
    f.forRange(co, get(n4), get(n), 1, () => tile(rows, SCALAR, 1));
  };

  f.forRange(m0, i32.const(0), get(m), CHUNK_ROWS, () => {
    f.set(m1, i32.add(get(m0), i32.const(CHUNK_ROWS)));
    f.ifElse(i32.gt(get(m1), get(m)), () => f.set(m1, get(m)));
    f.forRange(ci, i32.const(0), get(k4), TILE_ROWS, () => columns(TILE_ROWS));
    f.forRange(ci, get(k4), get(k), 1, () => columns(1));
  });
  return f;
}

/**
 * gemm_ab(a, b, out, M, K, N):  out[M, N] = a b  for a `[M, K]`, b `[K, N]` (row-major): a 1x1
 * stride-1 convolution over all pixels (b = the filter as `[Cin, Cout]`; for the input gradient
 * b = its transpose). Register tiles of 4 rows x 8 columns; b stays in cache across row tiles.
 */
export function gemmAbKernel(): FunctionBuilder {
  const f = new FunctionBuilder('gemm_ab', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [a, b, out, m, k, n] = f.params;
  const [kBytes, nBytes, row, col, kk, pa, pb, m4, n8, n4] = Array.from({ length: 10 }, () => f.local('i32'));
  f.set(kBytes, i32.shl(get(k), i32.const(2)));
  f.set(nBytes, i32.shl(get(n), i32.const(2)));
  f.set(m4, i32.mul(i32.div(get(m), i32.const(TILE_ROWS)), i32.const(TILE_ROWS)));
  f.set(n8, i32.and(get(n), i32.const(-8)));
  f.set(n4, i32.and(get(n), i32.const(-4)));
  const accs = new Map<string, Local[]>();
  const accFor = (L: Lanes, count: number): Local[] => {
    const key = `${L.type}${count}`;
    let locals = accs.get(key);
    if (!locals) {
      locals = Array.from({ length: count }, () => f.local(L.type));
      accs.set(key, locals);
    }
    return locals;
  };
  const splats = Array.from({ length: TILE_ROWS }, () => f.local('v128'));
  const scalars = Array.from({ length: TILE_ROWS }, () => f.local('f32'));
  const bVecs = Array.from({ length: 2 }, () => f.local('v128'));
  const bScalar = f.local('f32');

  const tile = (rows: number, L: Lanes, cols: number) => {
    const acc = accFor(L, rows * cols);
    for (const t of acc) f.set(t, L.num(0));
    f.set(pa, i32.add(get(a), i32.mul(get(row), get(kBytes))));
    f.set(pb, i32.add(get(b), i32.shl(get(col), i32.const(2))));
    f.forRange(kk, i32.const(0), get(k), 1, () => {
      const left = L.type === 'v128' ? splats : scalars;
      for (let r = 0; r < rows; r++) {
        const at = i32.add(get(pa), i32.mul(i32.const(r), get(kBytes)));
        f.set(left[r], L.type === 'v128' ? f32x4.loadSplat(at) : f32.load(at));
      }
      const right = L.type === 'v128' ? bVecs : [bScalar];
      for (let c = 0; c < cols; c++) f.set(right[c], L.load(i32.add(get(pb), i32.const(c * L.width))));
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const t = acc[r * cols + c];
          f.set(t, L.fma(get(left[r]), get(right[c]), get(t)));
        }
      }
      f.set(pa, i32.add(get(pa), i32.const(4)));
      f.set(pb, i32.add(get(pb), get(nBytes)));
    });
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const at = i32.add(get(out), i32.add(i32.mul(i32.add(get(row), i32.const(r)), get(nBytes)),
          i32.add(i32.shl(get(col), i32.const(2)), i32.const(c * L.width))));
        L.store(f, at, get(acc[r * cols + c]));
      }
    }
  };
  const columns = (rows: number) => {
    f.forRange(col, i32.const(0), get(n8), 8, () => tile(rows, VEC, 2));
    f.forRange(col, get(n8), get(n4), 4, () => tile(rows, VEC, 1));
    f.forRange(col, get(n4), get(n), 1, () => tile(rows, SCALAR, 1));
  };
  f.forRange(row, i32.const(0), get(m4), TILE_ROWS, () => columns(TILE_ROWS));
  f.forRange(row, get(m4), get(m), 1, () => columns(1));
  return f;
}
