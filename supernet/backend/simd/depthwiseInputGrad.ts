/**
 * Depthwise-convolution input gradient for strided convolutions (channel multiplier 1):
 *   dw_input_grad(dy, w, dx, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft)
 *        dx[b, iy, ix, c] = sum over taps hitting (iy, ix) of w[ky, kx, c] dy[b, oy, ox, c]
 * For each (image row, tap) a scatter loop along the row, the tap's weights in a register;
 * stride and padding by index arithmetic (no padded copy, no zero-dilated dy). Overwrites dx.
 * (At stride 1 the input gradient is the forward kernel with the flipped filter, see
 * depthwisePixel.ts.)
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';
import { PARAMS, geometry, pixel, tapLoops, zero } from './convLoops.js';

export function depthwiseInputGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('dw_input_grad', [...PARAMS]);
  const { ptrs: [dy, w, dx], g } = geometry(f);
  const [dxRow, dyRow, wTap, pDst, pSrc, strided, ch, ox] = Array.from({ length: 8 }, () => f.local('i32'));
  const vW = f.local('v128');
  const sW = f.local('f32');
  zero(f, dx, i32.shl(i32.mul(i32.mul(i32.mul(get(g.b), get(g.h)), get(g.w)), get(g.c)), i32.const(2)));
  tapLoops(f, g, ({ iy, oy, bi, ky, kx, oxLo, oxHi, cBytes }) => {
    f.set(strided, i32.mul(get(g.sw), get(cBytes)));
    f.set(dxRow, i32.add(get(dx), pixel(bi, get(iy), g.h,
      i32.sub(i32.add(i32.mul(get(oxLo), get(g.sw)), get(kx)), get(g.padLeft)), g.w, cBytes)));
    f.set(dyRow, i32.add(get(dy), pixel(bi, get(oy), g.ho, get(oxLo), g.wo, cBytes)));
    f.set(wTap, i32.add(get(w), i32.mul(i32.add(i32.mul(get(ky), get(g.kw)), get(kx)), get(cBytes))));
    const channelLoop = (L: Lanes, reg: Local, chFrom: Expr, chTo: Expr) => {
      f.forRange(ch, chFrom, chTo, L.width, () => {
        f.set(reg, L.load(i32.add(get(wTap), get(ch))));
        f.set(pDst, i32.add(get(dxRow), get(ch)));
        f.set(pSrc, i32.add(get(dyRow), get(ch)));
        f.forRange(ox, get(oxLo), get(oxHi), 1, () => {
          L.store(f, get(pDst), L.fma(get(reg), L.load(get(pSrc)), L.load(get(pDst))));
          f.set(pDst, i32.add(get(pDst), get(strided)));
          f.set(pSrc, i32.add(get(pSrc), get(cBytes)));
        });
      });
    };
    const vecBytes = i32.shl(i32.and(get(g.c), i32.const(-4)), i32.const(2));
    channelLoop(VEC, vW, i32.const(0), vecBytes);
    channelLoop(SCALAR, sW, vecBytes, get(cBytes));
  });
  return f;
}
