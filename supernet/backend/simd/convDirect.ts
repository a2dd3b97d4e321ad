/**
 * conv_direct(xp, w, out, M, HoWo, Wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, N, packed):
 * a dense convolution over an input that is already zero-padded (NHWC, `xp`), with no bounds
 * checks: out[m, co] = sum over ky < kh, j < kwc of xp[base(m) + ky*tapRow + j] * w[ky, j, co],
 * where base(m) = b*image + oy*row + ox*col for output pixel m = (b, oy, ox) and j runs over
 * (kx, ci), which is contiguous in both the padded input row and the filter `[kh, kw*Cin, N]`.
 * Offsets are in bytes. An implicit GEMM: the patch matrix is never written.
 *
 * Register tiles of ROWS output pixels x COLUMNS output channels accumulate one (kx, ci) step
 * at a time (ROWS broadcast loads, VECS vector loads of the filter). The loop is not unrolled
 * and the tile is 4 x 8: V8 (TurboFan) maps wasm to the 16 xmm registers of x64 and hoists the
 * loads of every unrolled step, so a 6 x 8 tile unrolled by four (12 accumulators + 6
 * broadcasts + 2 filter vectors live) spilled to the stack on every step and ran at ~15 GMAC/s,
 * and this one (8 + 4 + 2) stays in registers at ~25. Those tiles read the filter from
 * `packed`, its first floor(N / COLUMNS) column blocks laid out `[block][kh*kw*Cin][COLUMNS]`,
 * contiguously. Tails use 1-pixel tiles, and 4-channel and scalar tiles on `w`.
 */
import { FunctionBuilder, f32, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

/** Output pixels per register tile. */
export const CONV_ROWS = 4;
/** f32x4 vectors of output channels per register tile. */
export const CONV_VECS = 2;
/** Output channels per register tile (the filter's packed column blocks). */
export const CONV_COLUMNS = CONV_VECS * 4;

export function convDirectKernel(rows = CONV_ROWS, vecs = CONV_VECS): FunctionBuilder {
  const f = new FunctionBuilder('conv_direct', Array.from({ length: 14 }, () => 'i32' as const));
  const [xp, w, out, m, hw, wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, n, packed] = f.params;
  const [nBytes, kwcBytes, mMain, nMain, n4, mt, co, ky, o, pw, pix, rem, oy] =
    Array.from({ length: 14 }, () => f.local('i32'));
  const base = Array.from({ length: rows }, () => f.local('i32'));
  const q = Array.from({ length: rows }, () => f.local('i32'));
  const colWidth = vecs * 4;
  f.set(nBytes, i32.shl(get(n), i32.const(2)));
  f.set(kwcBytes, i32.shl(get(kwc), i32.const(2)));
  f.set(mMain, i32.mul(i32.div(get(m), i32.const(rows)), i32.const(rows)));
  f.set(nMain, i32.mul(i32.div(get(n), i32.const(colWidth)), i32.const(colWidth)));
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
  const splat = f.local('v128');
  const scalar = f.local('f32');
  const wVecs = Array.from({ length: vecs }, () => f.local('v128'));
  const wScalar = f.local('f32');

  /**
   * One (kx, ci) step at byte offset `o` of the pixel rows. Packed main tiles read the filter
   * block row at pw and advance it by COLUMNS floats; others advance pw by a filter row.
   */
  const step = (R: number, L: Lanes, C: number, acc: Local[], pack: boolean) => {
    const right = L.type === 'v128' ? wVecs : [wScalar];
    for (let c = 0; c < C; c++) f.set(right[c], L.load(get(pw), c * L.width));
    const left = L.type === 'v128' ? splat : scalar;
    for (let r = 0; r < R; r++) {
      const addr = i32.add(get(q[r]), get(o));
      f.set(left, L.type === 'v128' ? f32x4.loadSplat(addr) : f32.load(addr));
      for (let c = 0; c < C; c++) f.set(acc[r * C + c], L.fma(get(left), get(right[c]), get(acc[r * C + c])));
    }
    f.set(pw, i32.add(get(pw), pack ? i32.const(C * 16) : get(nBytes)));
  };

  /** A tile of R pixels (bases already set) x C lanes-wide column groups at column `co`. */
  const tile = (R: number, L: Lanes, C: number, pack = false) => {
    const acc = accFor(L, R * C);
    for (const t of acc) f.set(t, L.num(0));
    for (let r = 0; r < R; r++) f.set(q[r], get(base[r]));
    f.set(pw, pack
      ? i32.add(get(packed), i32.mul(get(co), i32.mul(get(kh), get(kwcBytes))))
      : i32.add(get(w), i32.shl(get(co), i32.const(2))));
    f.forRange(ky, i32.const(0), get(kh), 1, () => {
      f.forRange(o, i32.const(0), get(kwcBytes), 4, () => step(R, L, C, acc, pack));
      for (let r = 0; r < R; r++) f.set(q[r], i32.add(get(q[r]), get(tapRowBytes)));
    });
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        const at: Expr = i32.add(get(out), i32.add(i32.mul(i32.add(get(mt), i32.const(r)), get(nBytes)),
          i32.add(i32.shl(get(co), i32.const(2)), i32.const(c * L.width))));
        L.store(f, at, get(acc[r * C + c]));
      }
    }
  };

  /** Sets base[r] for pixels mt .. mt+R-1. */
  const bases = (R: number) => {
    for (let r = 0; r < R; r++) {
      f.set(pix, i32.add(get(mt), i32.const(r)));
      f.set(rem, i32.div(get(pix), get(hw)));
      f.set(base[r], i32.add(get(xp), i32.mul(get(rem), get(imageBytes))));
      f.set(rem, i32.sub(get(pix), i32.mul(get(rem), get(hw))));
      f.set(oy, i32.div(get(rem), get(wo)));
      f.set(base[r], i32.add(get(base[r]), i32.add(i32.mul(get(oy), get(rowBytes)),
        i32.mul(i32.sub(get(rem), i32.mul(get(oy), get(wo))), get(colBytes)))));
    }
  };

  const pixels = (R: number) => {
    bases(R);
    f.forRange(co, i32.const(0), get(nMain), colWidth, () => tile(R, VEC, vecs, true));
    f.forRange(co, get(nMain), get(n4), 4, () => tile(R, VEC, 1));
    f.forRange(co, get(n4), get(n), 1, () => tile(R, SCALAR, 1));
  };
  f.forRange(mt, i32.const(0), get(mMain), rows, () => pixels(rows));
  f.forRange(mt, get(mMain), get(m), 1, () => pixels(1));
  return f;
}
