/**
 * Pixel-major depthwise kernels (channel multiplier 1, NHWC, byte pointers into the heap):
 *   dw_forward_px(x, w, y, ...geometry)          the convolution
 *   dw_input_grad_px(dy, w, dx, ...geometry)     its input gradient (any stride)
 *   dw_filter_grad_px(x, dy, dw, ...geometry)    its filter gradient (used for small outputs)
 * with geometry = B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft. For each pixel, blocks
 * of 16 channels accumulate in four registers over the taps that apply (the valid tap range is
 * computed once per pixel, so borders cost nothing extra). Measured 1.5-4x faster than XNNPACK's
 * depthwise convolution and ~2x the per-tap row loops on the reference and supernet layers.
 */
import { FunctionBuilder, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';
import { PARAMS, geometry, pixel } from './convLoops.js';

const max = (f: FunctionBuilder, l: Local, floor: Expr) => f.ifElse(i32.lt(get(l), floor), () => f.set(l, floor));
const min = (f: FunctionBuilder, l: Local, ceiling: Expr) => f.ifElse(i32.gt(get(l), ceiling), () => f.set(l, ceiling));

export function depthwisePixelForwardKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_forward_px', [...PARAMS]);
  const { ptrs: [x, w, y], g } = geometry(f);
  const [cBytes, rowBytes, tapRowBytes, bi, oy, ox, kyLo, kyHi, kxLo, kxHi, ky, kx] =
    Array.from({ length: 12 }, () => f.local('i32'));
  const [yp, xBase, wBase, xr, wr, xp, wp, c0, c16, c4] = Array.from({ length: 10 }, () => f.local('i32'));
  const vAcc = Array.from({ length: 4 }, () => f.local('v128'));
  const sAcc = f.local('f32');
  f.set(cBytes, i32.shl(get(g.c), i32.const(2)));
  f.set(rowBytes, i32.mul(get(g.w), get(cBytes)));
  f.set(tapRowBytes, i32.mul(get(g.kw), get(cBytes)));
  f.set(c16, i32.shl(i32.and(get(g.c), i32.const(-16)), i32.const(2)));
  f.set(c4, i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2)));

  /** One block of `vectors` f32x4 lanes (or one scalar) at byte offset c0 within the pixel. */
  const block = (L: Lanes, acc: Local[], from: Expr, to: Expr, step: number) => {
    f.forRange(c0, from, to, step, () => {
      for (const a of acc) f.set(a, L.num(0));
      f.set(xr, i32.add(get(xBase), get(c0)));
      f.set(wr, i32.add(get(wBase), get(c0)));
      f.forRange(ky, get(kyLo), get(kyHi), 1, () => {
        f.set(xp, get(xr));
        f.set(wp, get(wr));
        f.forRange(kx, get(kxLo), get(kxHi), 1, () => {
          acc.forEach((a, i) => {
            const load = (p: Local) => (L.type === 'v128' ? f32x4.load(get(p), 16 * i) : L.load(get(p)));
            f.set(a, L.fma(load(wp), load(xp), get(a)));
          });
          f.set(xp, i32.add(get(xp), get(cBytes)));
          f.set(wp, i32.add(get(wp), get(cBytes)));
        });
        f.set(xr, i32.add(get(xr), get(rowBytes)));
        f.set(wr, i32.add(get(wr), get(tapRowBytes)));
      });
      acc.forEach((a, i) => {
        if (L.type === 'v128') f.store('v128', i32.add(get(yp), get(c0)), get(a), 16 * i);
        else L.store(f, i32.add(get(yp), get(c0)), get(a));
      });
    });
  };

  f.forRange(bi, i32.const(0), get(g.b), 1, () => {
    f.forRange(oy, i32.const(0), get(g.ho), 1, () => {
      // Taps with iy = oy*sh + ky - padTop in [0, H).
      f.set(kyLo, i32.sub(get(g.padTop), i32.mul(get(oy), get(g.sh))));
      max(f, kyLo, i32.const(0));
      f.set(kyHi, i32.sub(i32.add(get(g.h), get(g.padTop)), i32.mul(get(oy), get(g.sh))));
      min(f, kyHi, get(g.kh));
      f.forRange(ox, i32.const(0), get(g.wo), 1, () => {
        f.set(kxLo, i32.sub(get(g.padLeft), i32.mul(get(ox), get(g.sw))));
        max(f, kxLo, i32.const(0));
        f.set(kxHi, i32.sub(i32.add(get(g.w), get(g.padLeft)), i32.mul(get(ox), get(g.sw))));
        min(f, kxHi, get(g.kw));
        f.set(yp, i32.add(get(y), pixel(bi, get(oy), g.ho, get(ox), g.wo, cBytes)));
        f.set(xBase, i32.add(get(x), pixel(bi,
          i32.sub(i32.add(i32.mul(get(oy), get(g.sh)), get(kyLo)), get(g.padTop)), g.h,
          i32.sub(i32.add(i32.mul(get(ox), get(g.sw)), get(kxLo)), get(g.padLeft)), g.w, cBytes)));
        f.set(wBase, i32.add(get(w), i32.mul(i32.add(i32.mul(get(kyLo), get(g.kw)), get(kxLo)), get(cBytes))));
        block(VEC, vAcc, i32.const(0), get(c16), 64);
        block(VEC, vAcc.slice(0, 1), get(c16), get(c4), 16);
        block(SCALAR, [sAcc], get(c4), get(cBytes), 4);
      });
    });
  });
  return f;
}

/**
 * Depthwise filter gradient, image by image (one image's x and dy stay in cache):
 *   dw_filter_grad_px(x, dy, dw, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 * For each tap and block of 16 channels, four registers accumulate x * dy over the output
 * pixels whose input pixel is inside the image. Overwrites dw.
 */
export function depthwisePixelFilterGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_filter_grad_px', [...PARAMS]);
  const { ptrs: [x, dy, dw], g } = geometry(f);
  const [cBytes, xRowBytes, dyRowBytes, xStep, bi, ky, kx, oyLo, oyHi, oxLo, oxHi, oy, ox, num] =
    Array.from({ length: 14 }, () => f.local('i32'));
  const [tapW, xBase, dyBase, xr, dr, xp, dp, c0, c16, c4, i] = Array.from({ length: 11 }, () => f.local('i32'));
  const vAcc = Array.from({ length: 4 }, () => f.local('v128'));
  const sAcc = f.local('f32');
  f.set(cBytes, i32.shl(get(g.c), i32.const(2)));
  f.set(xRowBytes, i32.mul(i32.mul(get(g.w), get(cBytes)), get(g.sh)));
  f.set(dyRowBytes, i32.mul(get(g.wo), get(cBytes)));
  f.set(xStep, i32.mul(get(g.sw), get(cBytes)));
  f.set(c16, i32.shl(i32.and(get(g.c), i32.const(-16)), i32.const(2)));
  f.set(c4, i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2)));
  f.forRange(i, i32.const(0), i32.mul(i32.mul(get(g.kh), get(g.kw)), get(cBytes)), 4, () =>
    SCALAR.store(f, i32.add(get(dw), get(i)), SCALAR.num(0)));

  /** First output index o >= 0 with o*s + k - pad >= 0, and one past the last with it < size. */
  const range = (lo: Local, hi: Local, k: Local, s: Local, pad: Local, size: Local, outSize: Local) => {
    f.set(num, i32.sub(get(pad), get(k)));
    f.set(lo, i32.const(0));
    f.ifElse(i32.gt(get(num), i32.const(0)), () => f.set(lo, i32.div(i32.add(get(num), i32.sub(get(s), i32.const(1))), get(s))));
    f.set(num, i32.sub(i32.add(i32.sub(get(size), i32.const(1)), get(pad)), get(k)));
    f.set(hi, i32.const(0));
    f.ifElse(i32.ge(get(num), i32.const(0)), () => f.set(hi, i32.add(i32.div(get(num), get(s)), i32.const(1))));
    min(f, hi, get(outSize));
  };

  const block = (L: Lanes, acc: Local[], from: Expr, to: Expr, step: number) => {
    const at = (p: Local, k: number) => (L.type === 'v128' ? f32x4.load(get(p), 16 * k) : L.load(get(p)));
    f.forRange(c0, from, to, step, () => {
      acc.forEach((a, k) => f.set(a, L.load(i32.add(i32.add(get(tapW), get(c0)), i32.const(16 * k)))));
      f.set(xr, i32.add(get(xBase), get(c0)));
      f.set(dr, i32.add(get(dyBase), get(c0)));
      f.forRange(oy, get(oyLo), get(oyHi), 1, () => {
        f.set(xp, get(xr));
        f.set(dp, get(dr));
        f.forRange(ox, get(oxLo), get(oxHi), 1, () => {
          acc.forEach((a, k) => f.set(a, L.fma(at(xp, k), at(dp, k), get(a))));
          f.set(xp, i32.add(get(xp), get(xStep)));
          f.set(dp, i32.add(get(dp), get(cBytes)));
        });
        f.set(xr, i32.add(get(xr), get(xRowBytes)));
        f.set(dr, i32.add(get(dr), get(dyRowBytes)));
      });
      acc.forEach((a, k) => {
        if (L.type === 'v128') f.store('v128', i32.add(get(tapW), get(c0)), get(a), 16 * k);
        else L.store(f, i32.add(get(tapW), get(c0)), get(a));
      });
    });
  };

  f.forRange(bi, i32.const(0), get(g.b), 1, () => {
    f.forRange(ky, i32.const(0), get(g.kh), 1, () => {
      range(oyLo, oyHi, ky, g.sh, g.padTop, g.h, g.ho);
      f.forRange(kx, i32.const(0), get(g.kw), 1, () => {
        range(oxLo, oxHi, kx, g.sw, g.padLeft, g.w, g.wo);
        f.set(tapW, i32.add(get(dw), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
        f.set(xBase, i32.add(get(x), pixel(bi,
          i32.sub(i32.add(i32.mul(get(oyLo), get(g.sh)), get(ky)), get(g.padTop)), g.h,
          i32.sub(i32.add(i32.mul(get(oxLo), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes)));
        f.set(dyBase, i32.add(get(dy), pixel(bi, get(oyLo), g.ho, get(oxLo), g.wo, cBytes)));
        block(VEC, vAcc, i32.const(0), get(c16), 64);
        block(VEC, vAcc.slice(0, 1), get(c16), get(c4), 16);
        block(SCALAR, [sAcc], get(c4), get(cBytes), 4);
      });
    });
  });
  return f;
}

/**
 * Depthwise input gradient, pixel-major, any stride:
 *   dw_input_grad_px(dy, w, dx, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 * For each input pixel, blocks of 16 channels accumulate in registers over the taps that reach
 * it: ky = (iy + padTop) mod sh, + sh, ... with oy = (iy + padTop - ky) / sh inside [0, Ho)
 * (and the same for columns). No scatter, no zero-dilated dy. Overwrites dx.
 */
export function depthwisePixelInputGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_input_grad_px', [...PARAMS]);
  const { ptrs: [dy, w, dx], g } = geometry(f);
  const [cBytes, dyRowBytes, wRowStep, wColStep, bi, iy, ix, kyLo, kyHi, kxLo, kxHi, ky, kx, t] =
    Array.from({ length: 14 }, () => f.local('i32'));
  const [xp, dyBase, wBase, dr, wr, dp, wp, c0, c16, c4] = Array.from({ length: 10 }, () => f.local('i32'));
  const vAcc = Array.from({ length: 4 }, () => f.local('v128'));
  const sAcc = f.local('f32');
  f.set(cBytes, i32.shl(get(g.c), i32.const(2)));
  f.set(dyRowBytes, i32.mul(get(g.wo), get(cBytes)));
  f.set(wRowStep, i32.mul(i32.mul(get(g.sh), get(g.kw)), get(cBytes)));
  f.set(wColStep, i32.mul(get(g.sw), get(cBytes)));
  f.set(c16, i32.shl(i32.and(get(g.c), i32.const(-16)), i32.const(2)));
  f.set(c4, i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2)));

  /**
   * Taps k in [lo, hi] (step s) reaching input index i: k = (i + pad) mod s + s j, with
   * o = (i + pad - k) / s in [0, outSize). Leaves lo past hi when none do.
   */
  const taps = (lo: Local, hi: Local, i: Local, pad: Local, s: Local, k: Local, outSize: Local) => {
    f.set(t, i32.add(get(i), get(pad)));
    // Largest k <= min(kernel - 1, i + pad) with the right phase, and smallest with o < outSize.
    f.set(hi, get(t));
    min(f, hi, i32.sub(get(k), i32.const(1)));
    f.set(lo, i32.sub(get(t), i32.mul(get(s), i32.sub(get(outSize), i32.const(1)))));
    max(f, lo, i32.const(0));
    // Round lo up to the phase of t modulo s (t - lo >= 0 here unless no tap reaches i).
    f.ifElse(i32.le(get(lo), get(t)), () => {
      f.set(lo, i32.sub(get(t), i32.mul(i32.div(i32.sub(get(t), get(lo)), get(s)), get(s))));
    });
  };

  const block = (L: Lanes, acc: Local[], from: Expr, to: Expr, step: number) => {
    const at = (p: Local, k: number) => (L.type === 'v128' ? f32x4.load(get(p), 16 * k) : L.load(get(p)));
    f.forRange(c0, from, to, step, () => {
      for (const a of acc) f.set(a, L.num(0));
      f.set(dr, i32.add(get(dyBase), get(c0)));
      f.set(wr, i32.add(get(wBase), get(c0)));
      f.forRange(ky, get(kyLo), i32.add(get(kyHi), i32.const(1)), 1, () => {
        f.set(dp, get(dr));
        f.set(wp, get(wr));
        f.forRange(kx, get(kxLo), i32.add(get(kxHi), i32.const(1)), 1, () => {
          acc.forEach((a, k) => f.set(a, L.fma(at(wp, k), at(dp, k), get(a))));
          f.set(dp, i32.sub(get(dp), get(cBytes)));
          f.set(wp, i32.add(get(wp), get(wColStep)));
          f.set(kx, i32.add(get(kx), i32.sub(get(g.sw), i32.const(1))));
        });
        f.set(dr, i32.sub(get(dr), get(dyRowBytes)));
        f.set(wr, i32.add(get(wr), get(wRowStep)));
        f.set(ky, i32.add(get(ky), i32.sub(get(g.sh), i32.const(1))));
      });
      acc.forEach((a, k) => {
        if (L.type === 'v128') f.store('v128', i32.add(get(xp), get(c0)), get(a), 16 * k);
        else L.store(f, i32.add(get(xp), get(c0)), get(a));
      });
    });
  };

  f.forRange(bi, i32.const(0), get(g.b), 1, () => {
    f.forRange(iy, i32.const(0), get(g.h), 1, () => {
      taps(kyLo, kyHi, iy, g.padTop, g.sh, g.kh, g.ho);
      f.forRange(ix, i32.const(0), get(g.w), 1, () => {
        taps(kxLo, kxHi, ix, g.padLeft, g.sw, g.kw, g.wo);
        f.set(xp, i32.add(get(dx), pixel(bi, get(iy), g.h, get(ix), g.w, cBytes)));
        // dy at (oy, ox) of the first taps: oy = (iy + padTop - kyLo) / sh.
        f.set(dyBase, i32.add(get(dy), pixel(bi,
          i32.div(i32.sub(i32.add(get(iy), get(g.padTop)), get(kyLo)), get(g.sh)), g.ho,
          i32.div(i32.sub(i32.add(get(ix), get(g.padLeft)), get(kxLo)), get(g.sw)), g.wo, cBytes)));
        f.set(wBase, i32.add(get(w), i32.mul(i32.add(i32.mul(get(kyLo), get(g.kw)), get(kxLo)), get(cBytes))));
        block(VEC, vAcc, i32.const(0), get(c16), 64);
        block(VEC, vAcc.slice(0, 1), get(c16), get(c4), 16);
        block(SCALAR, [sAcc], get(c4), get(cBytes), 4);
      });
    });
  });
  return f;
}
