/** SIMD col2im: the adjoint of im2col (./im2col.ts), summing patches back into an image. */
import { FunctionBuilder, get, i32 } from './assembler.js';
import { SCALAR, VEC } from './lanes.js';
import { zero } from './convLoops.js';

/**
 * col2im(cols, out, B, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft): out `[B, H, W, C]` =
 * the sum over (oy, ox, ky, kx) of cols[b, oy, ox, (ky, kx, c)] into out[b, oy*sh+ky-padTop,
 * ox*sw+kx-padLeft, c], taps outside the image dropped. With cols = dy W^T this is the input
 * gradient of a convolution, every multiply-add useful whatever the stride.
 */
export function col2imKernel(): FunctionBuilder {
  const f = new FunctionBuilder('col2im', Array.from({ length: 14 }, () => 'i32' as const));
  const [cols, out, b, h, w, c, ho, wo, kh, kw, sh, sw, padTop, padLeft] = f.params;
  const [cBytes, c4Bytes, bi, oy, ox, ky, kx, iy, ix, dst, ch, src] = Array.from({ length: 12 }, () => f.local('i32'));
  f.set(cBytes, i32.shl(get(c), i32.const(2)));
  f.set(c4Bytes, i32.shl(i32.and(get(c), i32.const(-4)), i32.const(2)));
  zero(f, out, i32.mul(i32.mul(i32.mul(get(b), get(h)), get(w)), get(cBytes)));
  f.set(src, get(cols));
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
              f.set(dst, i32.add(get(out), i32.mul(i32.add(i32.mul(i32.add(i32.mul(get(bi), get(h)), get(iy)), get(w)), get(ix)), get(cBytes))));
              for (const [L, from, to] of [[VEC, i32.const(0), get(c4Bytes)], [SCALAR, get(c4Bytes), get(cBytes)]] as const) {
                f.forRange(ch, from, to, L.width, () => {
                  const at = i32.add(get(dst), get(ch));
                  L.store(f, at, L.add(L.load(at), L.load(i32.add(get(src), get(ch)))));
                });
              }
            });
            f.set(src, i32.add(get(src), get(cBytes)));
          });
        });
      });
    });
  });
  return f;
}
