/**
 * SIMD loops for the depthwise convolution and its two gradients (channel multiplier 1, NHWC), with the
 * stride and padding handled by index arithmetic: no padded copy, no zero-dilated dy, no
 * multiplications by inserted zeros. Pointers are byte offsets into the wasm backend's heap.
 *
 *   dw_filter_grad(x, dy, dw, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dw[ky, kx, c] = sum_{b, oy, ox} x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c] dy[b, oy, ox, c]
 *   dw_input_grad(dy, w, dx, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dx[b, iy, ix, c] = sum over taps hitting (iy, ix) of w[ky, kx, c] dy[b, oy, ox, c]
 *   dw_forward(x, w, y, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        y[b, oy, ox, c] = sum_{ky, kx} x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c] w[ky, kx, c]
 * All overwrite their output.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;

/** Kernel widths with unrolled forward and filter-gradient loops (others use per-tap loops). */
export const UNROLLED_WIDTHS = Object.freeze([3, 5, 7]);

interface Geometry {
  b: Local; h: Local; w: Local; c: Local; ho: Local; wo: Local;
  kh: Local; kw: Local; sh: Local; sw: Local; padTop: Local; padLeft: Local;
}

interface RowVars { iy: Local; oy: Local; bi: Local; ky: Local; cBytes: Local }

/** For each (b, oy, ky) whose input row iy = oy*sh + ky - padTop is inside the image. */
function rowLoops(f: FunctionBuilder, g: Geometry, body: (v: RowVars) => void): void {
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
function columnRange(f: FunctionBuilder, g: Geometry, kx: Expr, lo: Local, hi: Local, num: Local): void {
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
function tapLoops(
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

function geometry(f: FunctionBuilder): { ptrs: Local[]; g: Geometry } {
  const [p0, p1, p2, b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft] = f.params;
  return { ptrs: [p0, p1, p2], g: { b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft } };
}

/** Zeroes `count` bytes (a multiple of 4) at `base`. */
function zero(f: FunctionBuilder, base: Local, count: Expr): void {
  const i = f.local('i32');
  f.forRange(i, i32.const(0), count, 4, () => SCALAR.store(f, i32.add(get(base), get(i)), SCALAR.num(0)));
}

/** Byte offset of pixel (bi, row, col) in an NHWC tensor of `rows x cols` images. */
function pixel(bi: Local, row: Expr, rows: Local, col: Expr, cols: Local, cBytes: Local): Expr {
  return i32.mul(i32.add(i32.mul(i32.add(i32.mul(get(bi), get(rows)), row), get(cols)), col), get(cBytes));
}

/** Locals of the per-tap filter-gradient loop (accumulator in a register over ox). */
class FilterTap {
  private readonly xRow: Local;
  private readonly dyRow: Local;
  private readonly acc: Local;
  private readonly px: Local;
  private readonly pd: Local;
  private readonly stepX: Local;
  private readonly ch: Local;
  private readonly ox: Local;
  private readonly vAcc: Local;
  private readonly sAcc: Local;

  constructor(private readonly f: FunctionBuilder, private readonly g: Geometry) {
    [this.xRow, this.dyRow, this.acc, this.px, this.pd, this.stepX, this.ch, this.ox] =
      Array.from({ length: 8 }, () => f.local('i32'));
    this.vAcc = f.local('v128');
    this.sAcc = f.local('f32');
  }

  /** dw[ky, kx, :] += sum over ox in [from, to) of x[.., ox*sw + kx - padLeft, :] dy[.., ox, :]. */
  emit(x: Local, dy: Local, dw: Local, v: RowVars & { kx: Local }, from: Expr, fromLocal: Local, to: Expr): void {
    const { f, g } = this;
    const { iy, oy, bi, ky, kx, cBytes } = v;
    f.set(this.stepX, i32.mul(get(g.sw), get(cBytes)));
    f.set(this.xRow, i32.add(get(x), pixel(bi, get(iy), g.h,
      i32.sub(i32.add(i32.mul(get(fromLocal), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes)));
    f.set(this.dyRow, i32.add(get(dy), pixel(bi, get(oy), g.ho, get(fromLocal), g.wo, cBytes)));
    f.set(this.acc, i32.add(get(dw), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
    const channelLoop = (L: Lanes, reg: Local, chFrom: Expr, chTo: Expr) => {
      f.forRange(this.ch, chFrom, chTo, L.width, () => {
        f.set(reg, L.load(i32.add(get(this.acc), get(this.ch))));
        f.set(this.px, i32.add(get(this.xRow), get(this.ch)));
        f.set(this.pd, i32.add(get(this.dyRow), get(this.ch)));
        f.forRange(this.ox, from, to, 1, () => {
          f.set(reg, L.add(get(reg), L.mul(L.load(get(this.px)), L.load(get(this.pd)))));
          f.set(this.px, i32.add(get(this.px), get(this.stepX)));
          f.set(this.pd, i32.add(get(this.pd), get(cBytes)));
        });
        L.store(f, i32.add(get(this.acc), get(this.ch)), get(reg));
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, this.vAcc, i32.const(0), vecBytes);
    channelLoop(SCALAR, this.sAcc, vecBytes, get(cBytes));
  }
}

function filterBytes(g: Geometry): Expr {
  return i32.shl(i32.mul(i32.mul(get(g.kh), get(g.kw)), get(g.c)), i32.const(2));
}

export function depthwiseFilterGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_filter_grad', [...PARAMS]);
  const { ptrs: [x, dy, dw], g } = geometry(f);
  const tap = new FilterTap(f, g);
  zero(f, dw, filterBytes(g));
  tapLoops(f, g, (v) => tap.emit(x, dy, dw, v, get(v.oxLo), v.oxLo, get(v.oxHi)));
  return f;
}

/**
 * The filter gradient for kernel width `k`: in the interior columns the k taps of a row
 * accumulate in k registers (dy loaded once per column for all of them), added to dw once per
 * row; the edge columns use the per-tap loop.
 */
function unrolledFilterGradKernel(k: number): FunctionBuilder {
  const f = new FunctionBuilder(`dw_filter_grad_k${k}`, [...PARAMS]);
  const { ptrs: [x, dy, dw], g } = geometry(f);
  const tap = new FilterTap(f, g);
  const [interiorLo, interiorHi, lo, hi, num, unused] = Array.from({ length: 6 }, () => f.local('i32'));
  const [dyRow, xRow, wRow, pd, px, q, ch, ox, strided, edgeTo, kx] = Array.from({ length: 11 }, () => f.local('i32'));
  const regs = {
    v128: { acc: Array.from({ length: k }, () => f.local('v128')), d: f.local('v128') },
    f32: { acc: Array.from({ length: k }, () => f.local('f32')), d: f.local('f32') },
  };
  zero(f, dw, filterBytes(g));
  rowLoops(f, g, (v) => {
    const { iy, oy, bi, ky, cBytes } = v;
    f.set(strided, i32.mul(get(g.sw), get(cBytes)));
    columnRange(f, g, i32.const(0), interiorLo, unused, num);
    columnRange(f, g, i32.const(k - 1), unused, interiorHi, num);
    f.ifElse(i32.lt(get(interiorHi), get(interiorLo)), () => f.set(interiorHi, get(interiorLo)));
    f.set(dyRow, i32.add(get(dy), pixel(bi, get(oy), g.ho, get(interiorLo), g.wo, cBytes)));
    f.set(xRow, i32.add(get(x), pixel(bi, get(iy), g.h,
      i32.sub(i32.mul(get(interiorLo), get(g.sw)), get(g.padLeft)), g.w, cBytes)));
    f.set(wRow, i32.add(get(dw), i32.mul(i32.mul(get(ky), i32.const(k)), get(cBytes))));
    const channelLoop = (L: Lanes, r: { acc: Local[]; d: Local }, chFrom: Expr, chTo: Expr) => {
      f.forRange(ch, chFrom, chTo, L.width, () => {
        for (const a of r.acc) f.set(a, L.num(0));
        f.set(pd, i32.add(get(dyRow), get(ch)));
        f.set(px, i32.add(get(xRow), get(ch)));
        f.forRange(ox, get(interiorLo), get(interiorHi), 1, () => {
          f.set(r.d, L.load(get(pd)));
          f.set(q, get(px));
          r.acc.forEach((a, j) => {
            f.set(a, L.add(get(a), L.mul(get(r.d), L.load(get(q)))));
            if (j < k - 1) f.set(q, i32.add(get(q), get(cBytes)));
          });
          f.set(pd, i32.add(get(pd), get(cBytes)));
          f.set(px, i32.add(get(px), get(strided)));
        });
        f.set(q, i32.add(get(wRow), get(ch)));
        r.acc.forEach((a, j) => {
          L.store(f, get(q), L.add(L.load(get(q)), get(a)));
          if (j < k - 1) f.set(q, i32.add(get(q), get(cBytes)));
        });
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, regs.v128, i32.const(0), vecBytes);
    channelLoop(SCALAR, regs.f32, vecBytes, get(cBytes));
    f.forRange(kx, i32.const(0), i32.const(k), 1, () => {
      columnRange(f, g, get(kx), lo, hi, num);
      f.set(edgeTo, get(hi));
      f.ifElse(i32.gt(get(edgeTo), get(interiorLo)), () => f.set(edgeTo, get(interiorLo)));
      f.ifElse(i32.lt(get(lo), get(edgeTo)), () => tap.emit(x, dy, dw, { ...v, kx }, get(lo), lo, get(edgeTo)));
      f.ifElse(i32.lt(get(lo), get(interiorHi)), () => f.set(lo, get(interiorHi)));
      f.ifElse(i32.lt(get(lo), get(hi)), () => tap.emit(x, dy, dw, { ...v, kx }, get(lo), lo, get(hi)));
    });
  });
  return f;
}

export function depthwiseFilterGradUnrolledKernels(): FunctionBuilder[] {
  return UNROLLED_WIDTHS.map(unrolledFilterGradKernel);
}

/** Locals of the per-tap scatter loop, allocated once per function. */
class Scatter {
  private readonly dstRow: Local;
  private readonly srcRow: Local;
  private readonly wTap: Local;
  private readonly pDst: Local;
  private readonly pSrc: Local;
  private readonly strided: Local;
  private readonly ch: Local;
  private readonly ox: Local;
  private readonly vW: Local;
  private readonly sW: Local;

  /**
   * Accumulates w[ky, kx, c] * src into dst for the output columns [from, to) of one (row, kx):
   * forward, dst is y (at output columns) and src is x (at input columns, step sw); otherwise
   * dst is dx (at input columns) and src is dy (at output columns).
   */
  constructor(private readonly f: FunctionBuilder, private readonly g: Geometry, private readonly forward: boolean) {
    this.dstRow = f.local('i32');
    this.srcRow = f.local('i32');
    this.wTap = f.local('i32');
    this.pDst = f.local('i32');
    this.pSrc = f.local('i32');
    this.strided = f.local('i32');
    this.ch = f.local('i32');
    this.ox = f.local('i32');
    this.vW = f.local('v128');
    this.sW = f.local('f32');
  }

  emit(src: Local, w: Local, dst: Local, v: RowVars & { kx: Local }, from: Expr, fromLocal: Local, to: Expr): void {
    const { f, g, forward } = this;
    const { iy, oy, bi, ky, kx, cBytes } = v;
    f.set(this.strided, i32.mul(get(g.sw), get(cBytes)));
    const inputAt = pixel(bi, get(iy), g.h,
      i32.sub(i32.add(i32.mul(get(fromLocal), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes);
    const outputAt = pixel(bi, get(oy), g.ho, get(fromLocal), g.wo, cBytes);
    f.set(this.dstRow, i32.add(get(dst), forward ? outputAt : inputAt));
    f.set(this.srcRow, i32.add(get(src), forward ? inputAt : outputAt));
    const dstStep = forward ? cBytes : this.strided;
    const srcStep = forward ? this.strided : cBytes;
    f.set(this.wTap, i32.add(get(w), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
    const channelLoop = (L: Lanes, reg: Local, chFrom: Expr, chTo: Expr) => {
      f.forRange(this.ch, chFrom, chTo, L.width, () => {
        f.set(reg, L.load(i32.add(get(this.wTap), get(this.ch))));
        f.set(this.pDst, i32.add(get(this.dstRow), get(this.ch)));
        f.set(this.pSrc, i32.add(get(this.srcRow), get(this.ch)));
        f.forRange(this.ox, from, to, 1, () => {
          L.store(f, get(this.pDst), L.add(L.load(get(this.pDst)), L.mul(get(reg), L.load(get(this.pSrc)))));
          f.set(this.pDst, i32.add(get(this.pDst), get(dstStep)));
          f.set(this.pSrc, i32.add(get(this.pSrc), get(srcStep)));
        });
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, this.vW, i32.const(0), vecBytes);
    channelLoop(SCALAR, this.sW, vecBytes, get(cBytes));
  }
}

function outputBytes(g: Geometry, forward: boolean): Expr {
  const pixels = forward ? i32.mul(i32.mul(get(g.b), get(g.ho)), get(g.wo)) : i32.mul(i32.mul(get(g.b), get(g.h)), get(g.w));
  return i32.shl(i32.mul(pixels, get(g.c)), i32.const(2));
}

/** Any kernel size: one scatter loop per tap. */
function tapAccumulateKernel(name: string, forward: boolean): FunctionBuilder {
  const f = new FunctionBuilder(name, [...PARAMS]);
  const { ptrs: [src, w, dst], g } = geometry(f);
  const scatter = new Scatter(f, g, forward);
  zero(f, dst, outputBytes(g, forward));
  tapLoops(f, g, (v) => scatter.emit(src, w, dst, v, get(v.oxLo), v.oxLo, get(v.oxHi)));
  return f;
}

/**
 * The forward pass for kernel width `k`: in the interior columns (every tap inside the image)
 * the k taps of a row are unrolled with their weights in registers and the output accumulates
 * in a register; the edge columns use the per-tap scatter loop.
 */
function unrolledForwardKernel(k: number): FunctionBuilder {
  const f = new FunctionBuilder(`dw_forward_k${k}`, [...PARAMS]);
  const { ptrs: [x, w, y], g } = geometry(f);
  const scatter = new Scatter(f, g, true);
  const [interiorLo, interiorHi, lo, hi, num, unused] = Array.from({ length: 6 }, () => f.local('i32'));
  const [yRow, xRow, wRow, py, px, q, ch, ox, strided, edgeTo, kx] = Array.from({ length: 11 }, () => f.local('i32'));
  const regs = {
    v128: { w: Array.from({ length: k }, () => f.local('v128')), acc: f.local('v128') },
    f32: { w: Array.from({ length: k }, () => f.local('f32')), acc: f.local('f32') },
  };
  zero(f, y, outputBytes(g, true));
  rowLoops(f, g, (v) => {
    const { iy, oy, bi, ky, cBytes } = v;
    f.set(strided, i32.mul(get(g.sw), get(cBytes)));
    columnRange(f, g, i32.const(0), interiorLo, unused, num);
    columnRange(f, g, i32.const(k - 1), unused, interiorHi, num);
    f.ifElse(i32.lt(get(interiorHi), get(interiorLo)), () => f.set(interiorHi, get(interiorLo)));
    f.set(yRow, i32.add(get(y), pixel(bi, get(oy), g.ho, get(interiorLo), g.wo, cBytes)));
    f.set(xRow, i32.add(get(x), pixel(bi, get(iy), g.h,
      i32.sub(i32.mul(get(interiorLo), get(g.sw)), get(g.padLeft)), g.w, cBytes)));
    f.set(wRow, i32.add(get(w), i32.mul(i32.mul(get(ky), i32.const(k)), get(cBytes))));
    const channelLoop = (L: Lanes, r: { w: Local[]; acc: Local }, chFrom: Expr, chTo: Expr) => {
      f.forRange(ch, chFrom, chTo, L.width, () => {
        f.set(q, i32.add(get(wRow), get(ch)));
        r.w.forEach((reg, j) => {
          f.set(reg, L.load(get(q)));
          if (j < k - 1) f.set(q, i32.add(get(q), get(cBytes)));
        });
        f.set(py, i32.add(get(yRow), get(ch)));
        f.set(px, i32.add(get(xRow), get(ch)));
        f.forRange(ox, get(interiorLo), get(interiorHi), 1, () => {
          f.set(r.acc, L.load(get(py)));
          f.set(q, get(px));
          r.w.forEach((reg, j) => {
            f.set(r.acc, L.add(get(r.acc), L.mul(get(reg), L.load(get(q)))));
            if (j < k - 1) f.set(q, i32.add(get(q), get(cBytes)));
          });
          L.store(f, get(py), get(r.acc));
          f.set(py, i32.add(get(py), get(cBytes)));
          f.set(px, i32.add(get(px), get(strided)));
        });
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, regs.v128, i32.const(0), vecBytes);
    channelLoop(SCALAR, regs.f32, vecBytes, get(cBytes));
    // Edge columns, tap by tap: [lo, min(hi, interiorLo)) and [max(lo, interiorHi), hi).
    f.forRange(kx, i32.const(0), i32.const(k), 1, () => {
      columnRange(f, g, get(kx), lo, hi, num);
      f.set(edgeTo, get(hi));
      f.ifElse(i32.gt(get(edgeTo), get(interiorLo)), () => f.set(edgeTo, get(interiorLo)));
      f.ifElse(i32.lt(get(lo), get(edgeTo)), () => scatter.emit(x, w, y, { ...v, kx }, get(lo), lo, get(edgeTo)));
      f.ifElse(i32.lt(get(lo), get(interiorHi)), () => f.set(lo, get(interiorHi)));
      f.ifElse(i32.lt(get(lo), get(hi)), () => scatter.emit(x, w, y, { ...v, kx }, get(lo), lo, get(hi)));
    });
  });
  return f;
}

export function depthwiseForwardUnrolledKernels(): FunctionBuilder[] {
  return UNROLLED_WIDTHS.map(unrolledForwardKernel);
}

export function depthwiseInputGradKernel(): FunctionBuilder {
  return tapAccumulateKernel('dw_input_grad', false);
}

/** dw_forward(x, w, y, ...geometry): the depthwise convolution itself. */
export function depthwiseForwardKernel(): FunctionBuilder {
  return tapAccumulateKernel('dw_forward', true);
}

/**
 * im2col(x, out, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft): out[b, oy, ox, (ky, kx, c)]
 * = x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c], zero outside the image.
 */
export function im2colKernel(): FunctionBuilder {
  const f = new FunctionBuilder('im2col', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, out, b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft] = f.params;
  const [cBytes, c4Bytes, bi, oy, ox, ky, kx, iy, ix, src, ch, dst] = Array.from({ length: 12 }, () => f.local('i32'));
  f.set(cBytes, i32.shl(get(c), i32.const(2)));
  f.set(c4Bytes, i32.shl(i32.and(get(c), i32.const(-4)), i32.const(2)));
  f.set(dst, get(out));
  f.forRange(bi, i32.const(0), get(b), 1, () => {
    f.forRange(oy, i32.const(0), get(ho), 1, () => {
      f.forRange(ox, i32.const(0), get(wo), 1, () => {
        f.forRange(ky, i32.const(0), get(kh), 1, () => {
          f.set(iy, i32.sub(i32.add(i32.mul(get(oy), get(sh)), get(ky)), get(padTop)));
          f.forRange(kx, i32.const(0), get(kw), 1, () => {
            f.set(ix, i32.sub(i32.add(i32.mul(get(ox), get(sw)), get(kx)), get(padLeft)));
            const inside = i32.and(i32.and(i32.ge(get(iy), i32.const(0)), i32.lt(get(iy), get(h))),
              i32.and(i32.ge(get(ix), i32.const(0)), i32.lt(get(ix), get(w))));
            f.ifElse(inside, () => {
              f.set(src, i32.add(get(x), i32.mul(i32.add(i32.mul(i32.add(i32.mul(get(bi), get(h)), get(iy)), get(w)), get(ix)), get(cBytes))));
              f.forRange(ch, i32.const(0), get(c4Bytes), 16, () =>
                VEC.store(f, i32.add(get(dst), get(ch)), VEC.load(i32.add(get(src), get(ch)))));
              f.forRange(ch, get(c4Bytes), get(cBytes), 4, () =>
                SCALAR.store(f, i32.add(get(dst), get(ch)), SCALAR.load(i32.add(get(src), get(ch)))));
            }, () => {
              f.forRange(ch, i32.const(0), get(cBytes), 4, () => SCALAR.store(f, i32.add(get(dst), get(ch)), SCALAR.num(0)));
            });
            f.set(dst, i32.add(get(dst), get(cBytes)));
          });
        });
      });
    });
  });
  return f;
}
