/**
 * conv_direct(xp, w, out, M, HoWo, Wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, N, packed):
 * a dense convolution over an input that is already zero-padded (NHWC, `xp`), with no bounds
 * checks: out[m, co] = sum over ky < kh, j < kwc of xp[base(m) + ky*tapRow + j] * w[ky, j, co],
 * where base(m) = b*image + oy*row + ox*col for output pixel m = (b, oy, ox) and j runs over
 * (kx, ci), which is contiguous in both the padded input row and the filter `[kh, kw*Cin, N]`.
 * Offsets are in bytes. An implicit GEMM: the patch matrix is never written.
 *
 * Register tiles of ROWS output pixels x COLUMNS output channels accumulate one (kx, ci) step
 * at a time (ROWS broadcast loads, VECS vector loads of the filter); the inner loop is unrolled
 * by four with immediate load offsets. Those tiles read the filter from `packed`, its first
 * floor(N / COLUMNS) column blocks laid out `[block][kh*kw*Cin][COLUMNS]`, contiguously. Tails
 * use 1-pixel tiles, and 4-channel and scalar tiles on `w`.
 */
import { FunctionBuilder, f32, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

/** Output pixels per register tile. */
export const CONV_ROWS = 6;
/** f32x4 vectors of output channels per register tile. */
export const CONV_VECS = 2;
/** Output channels per register tile (the filter's packed column blocks). */
export const CONV_COLUMNS = CONV_VECS * 4;
const UNROLL = 4;

export function convDirectKernel(rows = CONV_ROWS, vecs = CONV_VECS): FunctionBuilder {
  const f = new FunctionBuilder('conv_direct', Array.from({ length: 14 }, () => 'i32' as const));
  const [xp, w, out, m, hw, wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, n, packed] = f.params;
  const [nBytes, kwcBytes, kwcMain, mMain, nMain, n4, mt, co, ky, o, pw, pix, rem, oy] =
    Array.from({ length: 14 }, () => f.local('i32'));
  const base = Array.from({ length: rows }, () => f.local('i32'));
  const q = Array.from({ length: rows }, () => f.local('i32'));
  const colWidth = vecs * 4;
  f.set(nBytes, i32.shl(get(n), i32.const(2)));
  f.set(kwcBytes, i32.shl(get(kwc), i32.const(2)));
  f.set(kwcMain, i32.and(get(kwcBytes), i32.const(-4 * UNROLL)));
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
   * One (kx, ci) step at byte offset `o + offset` of the pixel rows. Packed main tiles read the
   * filter block at pw + u * VECS*16 (advanced per unrolled block); others advance pw by a row.
   */
  const step = (R: number, L: Lanes, C: number, acc: Local[], offset: number, pack: boolean) => {
    const right = L.type === 'v128' ? wVecs : [wScalar];
    const wOff = pack ? (offset / 4) * C * 16 : 0;
    for (let c = 0; c < C; c++) f.set(right[c], L.load(get(pw), wOff + c * L.width));
    const left = L.type === 'v128' ? splat : scalar;
    for (let r = 0; r < R; r++) {
      const addr = i32.add(get(q[r]), get(o));
      f.set(left, L.type === 'v128' ? f32x4.loadSplat(addr, offset) : f32.load(addr, offset));
      for (let c = 0; c < C; c++) f.set(acc[r * C + c], L.fma(get(left), get(right[c]), get(acc[r * C + c])));
    }
    if (!pack) f.set(pw, i32.add(get(pw), get(nBytes)));
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
      f.forRange(o, i32.const(0), get(kwcMain), 4 * UNROLL, () => {
        for (let u = 0; u < UNROLL; u++) step(R, L, C, acc, u * 4, pack);
        if (pack) f.set(pw, i32.add(get(pw), i32.const(UNROLL * C * 16)));
      });
      f.forRange(o, get(kwcMain), get(kwcBytes), 4, () => {
        step(R, L, C, acc, 0, pack);
        if (pack) f.set(pw, i32.add(get(pw), i32.const(C * 16)));
      });
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
