/**
 * Depthwise convolution and its input gradient (channel multiplier 1):
 *   dw_forward[_k3|_k5|_k7](x, w, y, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        y[b, oy, ox, c] = sum_{ky, kx} x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c] w[ky, kx, c]
 *   dw_input_grad(dy, w, dx, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dx[b, iy, ix, c] = sum over taps hitting (iy, ix) of w[ky, kx, c] dy[b, oy, ox, c]
 * Stride and padding by index arithmetic (no padded copy, no zero-dilated dy); both overwrite
 * their output.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';
import {
  PARAMS, UNROLLED_WIDTHS, columnRange, geometry, pixel, rowLoops, tapLoops, zero, type Geometry, type RowVars,
} from './convLoops.js';

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
