/**
 * pad_dilate(x, out, B, H, W, C, Hp, Wp, top, left, dil): out `[B, Hp, Wp, C]` is zero except
 * out[b, top + iy*dil, left + ix*dil, :] = x[b, iy, ix, :] (NHWC). With dil = 1 it zero-pads an
 * input for conv_direct; with dil = stride it zero-dilates an output gradient for the input
 * gradient of a strided convolution. The caller keeps every pixel inside `[Hp, Wp]`.
 */
import { FunctionBuilder, get, i32 } from './assembler.js';
import { SCALAR, VEC } from './lanes.js';

export function padDilateKernel(): FunctionBuilder {
  const f = new FunctionBuilder('pad_dilate', Array.from({ length: 11 }, () => 'i32' as const));
  const [x, out, b, h, w, c, hp, wp, top, left, dil] = f.params;
  const [cBytes, c4Bytes, total, total16, i, bi, iy, ix, src, dst, rowStart, ch] =
    Array.from({ length: 12 }, () => f.local('i32'));
  f.set(cBytes, i32.shl(get(c), i32.const(2)));
  f.set(c4Bytes, i32.shl(i32.and(get(c), i32.const(-4)), i32.const(2)));
  f.set(total, i32.mul(i32.mul(i32.mul(get(b), get(hp)), get(wp)), get(cBytes)));
  f.set(total16, i32.and(get(total), i32.const(-16)));
  f.forRange(i, i32.const(0), get(total16), 16, () => VEC.store(f, i32.add(get(out), get(i)), VEC.num(0)));
  f.forRange(i, get(total16), get(total), 4, () => SCALAR.store(f, i32.add(get(out), get(i)), SCALAR.num(0)));
  f.set(src, get(x));
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
  return f;
}
