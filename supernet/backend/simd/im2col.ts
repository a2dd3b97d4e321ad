/** SIMD im2col (patches of a convolution's input, in the filter's (ky, kx, ci) order). */
import { FunctionBuilder, get, i32 } from './assembler.js';
import { SCALAR, VEC } from './lanes.js';

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
