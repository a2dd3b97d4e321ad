/**
 * pad_dilate(x, out, B, H, W, C, Hp, Wp, top, left, dil): out `[B, Hp, Wp, C]` is zero except
 * out[b, top + iy*dil, left + ix*dil, :] = x[b, iy, ix, :] (NHWC). With dil = 1 it zero-pads an
 * input for conv_direct; with dil = stride it zero-dilates an output gradient for the input
 * gradient of a strided convolution. The caller keeps every pixel inside `[Hp, Wp]`.
 *
 * With dil = 1 (every caller today) each input row is one contiguous copy and only the border
 * is zeroed; the general path zeroes all of `out`, then copies pixel by pixel. The padded copies
 * of a training step took ~8% as long as its implicit GEMMs when every byte was written twice.
 */
import { FunctionBuilder, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC } from './lanes.js';

export function padDilateKernel(): FunctionBuilder {
  const f = new FunctionBuilder('pad_dilate', Array.from({ length: 11 }, () => 'i32' as const));
  const [x, out, b, h, w, c, hp, wp, top, left, dil] = f.params;
  const [cBytes, c4Bytes, total, i, bi, iy, ix, src, dst, rowStart, ch, wpBytes, rowBytes, image] =
    Array.from({ length: 14 }, () => f.local('i32'));
  const end = f.local('i32');
  const end16 = f.local('i32');
  const at = f.local('i32');

  // Loops run over byte offsets from a base address, never over addresses: i32 comparisons are
  // signed, and heap addresses above 2 GiB are negative.
  /** Zeroes `bytes` (a multiple of 4) at `base`: 16 at a time, then 4. */
  const zero = (base: Expr, bytes: Expr) => {
    f.set(at, base);
    f.set(end, bytes);
    f.set(end16, i32.and(get(end), i32.const(-16)));
    f.forRange(i, i32.const(0), get(end16), 16, () => VEC.store(f, i32.add(get(at), get(i)), VEC.num(0)));
    f.forRange(i, get(end16), get(end), 4, () => SCALAR.store(f, i32.add(get(at), get(i)), SCALAR.num(0)));
  };
  /** Copies `bytes` (a multiple of 4) from `from` to `to` (locals, not advanced). */
  const copy = (from: Local, to: Local, bytes: Expr) => {
    f.set(end, bytes);
    f.set(end16, i32.and(get(end), i32.const(-16)));
    f.forRange(i, i32.const(0), get(end16), 16, () =>
      VEC.store(f, i32.add(get(to), get(i)), VEC.load(i32.add(get(from), get(i)))));
    f.forRange(i, get(end16), get(end), 4, () =>
      SCALAR.store(f, i32.add(get(to), get(i)), SCALAR.load(i32.add(get(from), get(i)))));
  };

  f.set(cBytes, i32.shl(get(c), i32.const(2)));
  f.set(src, get(x));
  f.ifElse(i32.eq(get(dil), i32.const(1)), () => {
    f.set(wpBytes, i32.mul(get(wp), get(cBytes)));
    f.set(rowBytes, i32.mul(get(w), get(cBytes)));
    f.forRange(bi, i32.const(0), get(b), 1, () => {
      f.set(image, i32.add(get(out), i32.mul(i32.mul(get(bi), get(hp)), get(wpBytes))));
      zero(get(image), i32.mul(get(top), get(wpBytes)));
      f.forRange(iy, i32.const(0), get(h), 1, () => {
        f.set(rowStart, i32.add(get(image), i32.mul(i32.add(get(top), get(iy)), get(wpBytes))));
        f.set(dst, i32.add(get(rowStart), i32.mul(get(left), get(cBytes))));
        zero(get(rowStart), i32.mul(get(left), get(cBytes)));
        copy(src, dst, get(rowBytes));
        zero(i32.add(get(dst), get(rowBytes)), i32.sub(get(wpBytes), i32.add(i32.mul(get(left), get(cBytes)), get(rowBytes))));
        f.set(src, i32.add(get(src), get(rowBytes)));
      });
      zero(i32.add(get(image), i32.mul(i32.add(get(top), get(h)), get(wpBytes))),
        i32.mul(i32.sub(get(hp), i32.add(get(top), get(h))), get(wpBytes)));
    });
  }, () => {
    f.set(c4Bytes, i32.shl(i32.and(get(c), i32.const(-4)), i32.const(2)));
    f.set(total, i32.mul(i32.mul(i32.mul(get(b), get(hp)), get(wp)), get(cBytes)));
    zero(get(out), get(total));
    f.forRange(bi, i32.const(0), get(b), 1, () => {
      f.forRange(iy, i32.const(0), get(h), 1, () => {
        f.set(rowStart, i32.add(i32.mul(get(bi), get(hp)), i32.add(get(top), i32.mul(get(iy), get(dil)))));
        f.forRange(ix, i32.const(0), get(w), 1, () => {
          f.set(dst, i32.add(get(out), i32.mul(i32.add(i32.mul(get(rowStart), get(wp)),
            i32.add(get(left), i32.mul(get(ix), get(dil)))), get(cBytes))));
          f.forRange(ch, i32.const(0), get(c4Bytes), 16, () =>
            VEC.store(f, i32.add(get(dst), get(ch)), VEC.load(i32.add(get(src), get(ch)))));
          f.forRange(ch, get(c4Bytes), get(cBytes), 4, () =>
            SCALAR.store(f, i32.add(get(dst), get(ch)), SCALAR.load(i32.add(get(src), get(ch)))));
          f.set(src, i32.add(get(src), get(cBytes)));
        });
      });
    });
  });
  return f;
}
