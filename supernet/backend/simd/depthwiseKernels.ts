/**
 * SIMD loops for the two depthwise-convolution gradients (channel multiplier 1, NHWC), with the
 * stride and padding handled by index arithmetic: no padded copy, no zero-dilated dy, no
 * multiplications by inserted zeros. Pointers are byte offsets into the wasm backend's heap.
 *
 *   dw_filter_grad(x, dy, dw, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dw[ky, kx, c] = sum_{b, oy, ox} x[b, oy*sh+ky-padTop, ox*sw+kx-padLeft, c] dy[b, oy, ox, c]
 *   dw_input_grad(dy, w, dx, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dx[b, iy, ix, c] = sum over taps hitting (iy, ix) of w[ky, kx, c] dy[b, oy, ox, c]
 * Both overwrite their output.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;

interface Geometry {
  b: Local; h: Local; w: Local; c: Local; ho: Local; wo: Local;
  kh: Local; kw: Local; sh: Local; sw: Local; padTop: Local; padLeft: Local;
}

/**
 * Shared loop nest: for each (b, oy, ky) with a valid input row iy and each kx, the range of
 * ox whose input column is inside the image; `tap` emits the channel loops for one (row, kx).
 */
function tapLoops(
  f: FunctionBuilder,
  g: Geometry,
  tap: (v: { iy: Local; oy: Local; bi: Local; ky: Local; kx: Local; oxLo: Local; oxHi: Local; cBytes: Local }) => void,
): void {
  const cBytes = f.local('i32');
  const bi = f.local('i32');
  const oy = f.local('i32');
  const ky = f.local('i32');
  const kx = f.local('i32');
  const iy = f.local('i32');
  const num = f.local('i32');
  const oxLo = f.local('i32');
  const oxHi = f.local('i32');
  f.set(cBytes, i32.shl(get(g.c), i32.const(2)));
  f.forRange(bi, i32.const(0), get(g.b), 1, () => {
    f.forRange(oy, i32.const(0), get(g.ho), 1, () => {
      f.forRange(ky, i32.const(0), get(g.kh), 1, () => {
        f.set(iy, i32.sub(i32.add(i32.mul(get(oy), get(g.sh)), get(ky)), get(g.padTop)));
        f.ifElse(i32.and(i32.ge(get(iy), i32.const(0)), i32.lt(get(iy), get(g.h))), () => {
          f.forRange(kx, i32.const(0), get(g.kw), 1, () => {
            // First ox with ox*sw + kx - padLeft >= 0.
            f.set(num, i32.sub(get(g.padLeft), get(kx)));
            f.set(oxLo, i32.const(0));
            f.ifElse(i32.gt(get(num), i32.const(0)), () =>
              f.set(oxLo, i32.div(i32.add(get(num), i32.sub(get(g.sw), i32.const(1))), get(g.sw))));
            // One past the last ox with ox*sw + kx - padLeft <= W - 1.
            f.set(num, i32.sub(i32.add(i32.sub(get(g.w), i32.const(1)), get(g.padLeft)), get(kx)));
            f.set(oxHi, i32.const(0));
            f.ifElse(i32.ge(get(num), i32.const(0)), () =>
              f.set(oxHi, i32.add(i32.div(get(num), get(g.sw)), i32.const(1))));
            f.ifElse(i32.gt(get(oxHi), get(g.wo)), () => f.set(oxHi, get(g.wo)));
            tap({ iy, oy, bi, ky, kx, oxLo, oxHi, cBytes });
          });
        });
      });
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

export function depthwiseFilterGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_filter_grad', [...PARAMS]);
  const { ptrs: [x, dy, dw], g } = geometry(f);
  const xRow = f.local('i32');
  const dyRow = f.local('i32');
  const acc = f.local('i32');
  const px = f.local('i32');
  const pd = f.local('i32');
  const stepX = f.local('i32');
  const ch = f.local('i32');
  const ox = f.local('i32');
  const vAcc = f.local('v128');
  const sAcc = f.local('f32');
  zero(f, dw, i32.shl(i32.mul(i32.mul(get(g.kh), get(g.kw)), get(g.c)), i32.const(2)));
  tapLoops(f, g, ({ iy, oy, bi, ky, kx, oxLo, oxHi, cBytes }) => {
    f.set(stepX, i32.mul(get(g.sw), get(cBytes)));
    // x at (bi, iy, oxLo*sw + kx - padLeft), dy at (bi, oy, oxLo).
    f.set(xRow, i32.add(get(x), pixel(bi, get(iy), g.h,
      i32.sub(i32.add(i32.mul(get(oxLo), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes)));
    f.set(dyRow, i32.add(get(dy), pixel(bi, get(oy), g.ho, get(oxLo), g.wo, cBytes)));
    f.set(acc, i32.add(get(dw), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
    const channelLoop = (L: Lanes, reg: Local, from: Expr, to: Expr) => {
      f.forRange(ch, from, to, L.width, () => {
        f.set(reg, L.load(i32.add(get(acc), get(ch))));
        f.set(px, i32.add(get(xRow), get(ch)));
        f.set(pd, i32.add(get(dyRow), get(ch)));
        f.forRange(ox, get(oxLo), get(oxHi), 1, () => {
          f.set(reg, L.add(get(reg), L.mul(L.load(get(px)), L.load(get(pd)))));
          f.set(px, i32.add(get(px), get(stepX)));
          f.set(pd, i32.add(get(pd), get(cBytes)));
        });
        L.store(f, i32.add(get(acc), get(ch)), get(reg));
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, vAcc, i32.const(0), vecBytes);
    channelLoop(SCALAR, sAcc, vecBytes, get(cBytes));
  });
  return f;
}

export function depthwiseInputGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_input_grad', [...PARAMS]);
  const { ptrs: [dy, w, dx], g } = geometry(f);
  const dxRow = f.local('i32');
  const dyRow = f.local('i32');
  const wTap = f.local('i32');
  const px = f.local('i32');
  const pd = f.local('i32');
  const stepX = f.local('i32');
  const ch = f.local('i32');
  const ox = f.local('i32');
  const vW = f.local('v128');
  const sW = f.local('f32');
  zero(f, dx, i32.shl(i32.mul(i32.mul(i32.mul(get(g.b), get(g.h)), get(g.w)), get(g.c)), i32.const(2)));
  tapLoops(f, g, ({ iy, oy, bi, ky, kx, oxLo, oxHi, cBytes }) => {
    f.set(stepX, i32.mul(get(g.sw), get(cBytes)));
    f.set(dxRow, i32.add(get(dx), pixel(bi, get(iy), g.h,
      i32.sub(i32.add(i32.mul(get(oxLo), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes)));
    f.set(dyRow, i32.add(get(dy), pixel(bi, get(oy), g.ho, get(oxLo), g.wo, cBytes)));
    f.set(wTap, i32.add(get(w), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
    const channelLoop = (L: Lanes, reg: Local, from: Expr, to: Expr) => {
      f.forRange(ch, from, to, L.width, () => {
        f.set(reg, L.load(i32.add(get(wTap), get(ch))));
        f.set(px, i32.add(get(dxRow), get(ch)));
        f.set(pd, i32.add(get(dyRow), get(ch)));
        f.forRange(ox, get(oxLo), get(oxHi), 1, () => {
          L.store(f, get(px), L.add(L.load(get(px)), L.mul(get(reg), L.load(get(pd)))));
          f.set(px, i32.add(get(px), get(stepX)));
          f.set(pd, i32.add(get(pd), get(cBytes)));
        });
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, vW, i32.const(0), vecBytes);
    channelLoop(SCALAR, sW, vecBytes, get(cBytes));
  });
  return f;
}
