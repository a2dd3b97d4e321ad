/**
 * Depthwise-convolution filter gradient (channel multiplier 1):
 *   dw_filter_grad[_k3|_k5|_k7](x, dy, dw, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *   dw[ky, kx, c] = sum_{b, oy, ox} x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c] dy[b, oy, ox, c]
 * Stride and padding by index arithmetic (no padded copy, no dilation); overwrites dw.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';
import {
  PARAMS, UNROLLED_WIDTHS, columnRange, geometry, pixel, rowLoops, tapLoops, zero, type Geometry, type RowVars,
} from './convLoops.js';

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
          f.set(reg, L.fma(L.load(get(this.px)), L.load(get(this.pd)), get(reg)));
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
            f.set(a, L.fma(get(r.d), L.load(get(q)), get(a)));
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
