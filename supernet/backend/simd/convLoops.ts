/**
 * Loop scaffolding shared by the SIMD convolution kernels (NHWC, pointers are byte offsets into
 * the wasm heap). Every depthwise kernel takes the same parameters:
 *   (p0, p1, p2, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 * with H x W the convolution's input and Ho x Wo its output.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR } from './lanes.js';

export const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;

/** Kernel widths with unrolled row filter-gradient loops (others use per-tap loops). */
export const UNROLLED_WIDTHS = Object.freeze([3, 5, 7]);

export interface Geometry {
  b: Local; h: Local; w: Local; c: Local; ho: Local; wo: Local;
  kh: Local; kw: Local; sh: Local; sw: Local; padTop: Local; padLeft: Local;
}

export interface RowVars { iy: Local; oy: Local; bi: Local; ky: Local; cBytes: Local }

/** For each (b, oy, ky) whose input row iy = oy*sh + ky - padTop is inside the image. */
export function rowLoops(f: FunctionBuilder, g: Geometry, body: (v: RowVars) => void): void {
  const cBytes = f.local('i32');
  const bi = f.local('i32');
  const oy = f.local('i32');
  const ky = f.local('i32');
  const iy = f.local('i32');
  f.set(cBytes, i32.shl(get(g.c), i32.const(2)));
  f.forRange(bi, i32.const(0), get(g.b), 1, () => {
    f.forRange(oy, i32.const(0), get(g.ho), 1, () => {
      f.forRange(ky, i32.const(0), get(g.kh), 1, () => {
        f.set(iy, i32.sub(i32.add(i32.mul(get(oy), get(g.sh)), get(ky)), get(g.padTop)));
        f.ifElse(i32.and(i32.ge(get(iy), i32.const(0)), i32.lt(get(iy), get(g.h))), () =>
          body({ iy, oy, bi, ky, cBytes }));
      });
    });
  });
}

/** Sets [lo, hi) to the output columns ox whose input column ox*sw + kx - padLeft is inside. */
export function columnRange(f: FunctionBuilder, g: Geometry, kx: Expr, lo: Local, hi: Local, num: Local): void {
  f.set(num, i32.sub(get(g.padLeft), kx));
  f.set(lo, i32.const(0));
  f.ifElse(i32.gt(get(num), i32.const(0)), () =>
    f.set(lo, i32.div(i32.add(get(num), i32.sub(get(g.sw), i32.const(1))), get(g.sw))));
  f.set(num, i32.sub(i32.add(i32.sub(get(g.w), i32.const(1)), get(g.padLeft)), kx));
  f.set(hi, i32.const(0));
  f.ifElse(i32.ge(get(num), i32.const(0)), () => f.set(hi, i32.add(i32.div(get(num), get(g.sw)), i32.const(1))));
  f.ifElse(i32.gt(get(hi), get(g.wo)), () => f.set(hi, get(g.wo)));
}

/**
 * Shared loop nest: for each (b, oy, ky) with a valid input row iy and each kx, the range of
 * ox whose input column is inside the image; `tap` emits the channel loops for one (row, kx).
 */
export function tapLoops(
  f: FunctionBuilder,
  g: Geometry,
  tap: (v: RowVars & { kx: Local; oxLo: Local; oxHi: Local }) => void,
): void {
  const kx = f.local('i32');
  const num = f.local('i32');
  const oxLo = f.local('i32');
  const oxHi = f.local('i32');
  rowLoops(f, g, (row) => {
    f.forRange(kx, i32.const(0), get(g.kw), 1, () => {
      columnRange(f, g, get(kx), oxLo, oxHi, num);
      tap({ ...row, kx, oxLo, oxHi });
    });
  });
}

export function geometry(f: FunctionBuilder): { ptrs: Local[]; g: Geometry } {
  const [p0, p1, p2, b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft] = f.params;
  return { ptrs: [p0, p1, p2], g: { b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft } };
}

/** Zeroes `count` bytes (a multiple of 4) at `base`. */
export function zero(f: FunctionBuilder, base: Local, count: Expr): void {
  const i = f.local('i32');
  f.forRange(i, i32.const(0), count, 4, () => SCALAR.store(f, i32.add(get(base), get(i)), SCALAR.num(0)));
}

/** Byte offset of pixel (bi, row, col) in an NHWC tensor of `rows x cols` images. */
export function pixel(bi: Local, row: Expr, rows: Local, col: Expr, cols: Local, cBytes: Local): Expr {
  return i32.mul(i32.add(i32.mul(i32.add(i32.mul(get(bi), get(rows)), row), get(cols)), col), get(cBytes));
}
