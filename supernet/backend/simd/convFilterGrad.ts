/**
 * conv_filter_grad(xp, dy, dw, B, Ho, Wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, N,
 * chunkRows): the filter gradient of a dense convolution over a zero-padded input (the layout
 * of ./convDirect.ts): dw[ky, j, co] = sum over output pixels (b, oy, ox) of
 * xp[b*image + oy*row + ox*col + ky*tapRow + j] * dy[b, oy, ox, co], with j over (kx, ci).
 * The patches^T dy GEMM without writing the patches: register tiles of 4 consecutive j x 8
 * output channels accumulate pixel by pixel over chunks of `chunkRows` output rows of one image
 * (the chunk's input rows and dy stay in cache while every tile passes over them). Tails use
 * 1-row, 4-channel and scalar tiles.
 */
import { FunctionBuilder, f32, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';
import { zero } from './convLoops.js';

const TILE_ROWS = 4;

export function convFilterGradKernel(): FunctionBuilder {
  const f = new FunctionBuilder('conv_filter_grad', Array.from({ length: 14 }, () => 'i32' as const));
  const [xp, dy, dw, b, ho, wo, imageBytes, rowBytes, colBytes, kh, tapRowBytes, kwc, n, chunkRows] = f.params;
  const [nBytes, kwcMain, n8, n4, bi, oy0, oy1, oy, ox, ky, j, co, pa, pb] = Array.from({ length: 14 }, () => f.local('i32'));
  const chunk = f.local('i32');
  const chunks = f.local('i32');
  f.set(chunks, i32.div(i32.add(get(ho), i32.sub(get(chunkRows), i32.const(1))), get(chunkRows)));
  f.set(nBytes, i32.shl(get(n), i32.const(2)));
  f.set(kwcMain, i32.mul(i32.div(get(kwc), i32.const(TILE_ROWS)), i32.const(TILE_ROWS)));
  f.set(n8, i32.and(get(n), i32.const(-8)));
  f.set(n4, i32.and(get(n), i32.const(-4)));
  zero(f, dw, i32.mul(i32.mul(i32.mul(get(kh), get(kwc)), get(n)), i32.const(4)));

  const accs = new Map<string, Local[]>();
  const accFor = (L: Lanes, count: number): Local[] => {
    const key = `${L.type}${count}`;
    let locals = accs.get(key);
    if (!locals) {
      locals = Array.from({ length: count }, () => f.local(L.type));
      accs.set(key, locals);
    }
    return locals;
  };
  const splat = f.local('v128');
  const scalar = f.local('f32');
  const dyVecs = Array.from({ length: 2 }, () => f.local('v128'));
  const dyScalar = f.local('f32');

  /** One tile of `rows` filter rows (ky, j..) x `cols` lanes-wide column groups at co. */
  const tile = (rows: number, L: Lanes, cols: number) => {
    const acc = accFor(L, rows * cols);
    const dwAt = (r: number, c: number): Expr => i32.add(get(dw), i32.add(
      i32.mul(i32.add(i32.add(i32.mul(get(ky), get(kwc)), get(j)), i32.const(r)), get(nBytes)),
      i32.add(i32.shl(get(co), i32.const(2)), i32.const(c * L.width))));
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f.set(acc[r * cols + c], L.load(dwAt(r, c)));
    f.forRange(oy, get(oy0), get(oy1), 1, () => {
      f.set(pa, i32.add(i32.add(get(xp), i32.mul(get(bi), get(imageBytes))), i32.add(
        i32.add(i32.mul(get(oy), get(rowBytes)), i32.mul(get(ky), get(tapRowBytes))), i32.shl(get(j), i32.const(2)))));
      f.set(pb, i32.add(get(dy), i32.add(i32.mul(i32.mul(i32.add(i32.mul(get(bi), get(ho)), get(oy)), get(wo)), get(nBytes)),
        i32.shl(get(co), i32.const(2)))));
      f.forRange(ox, i32.const(0), get(wo), 1, () => {
        const right = L.type === 'v128' ? dyVecs : [dyScalar];
        for (let c = 0; c < cols; c++) f.set(right[c], L.load(get(pb), c * L.width));
        const left = L.type === 'v128' ? splat : scalar;
        for (let r = 0; r < rows; r++) {
          f.set(left, L.type === 'v128' ? f32x4.loadSplat(get(pa), r * 4) : f32.load(get(pa), r * 4));
          for (let c = 0; c < cols; c++) f.set(acc[r * cols + c], L.fma(get(left), get(right[c]), get(acc[r * cols + c])));
        }
        f.set(pa, i32.add(get(pa), get(colBytes)));
        f.set(pb, i32.add(get(pb), get(nBytes)));
      });
    });
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) L.store(f, dwAt(r, c), get(acc[r * cols + c]));
  };

  const columns = (rows: number) => {
    f.forRange(co, i32.const(0), get(n8), 8, () => tile(rows, VEC, 2));
    f.forRange(co, get(n8), get(n4), 4, () => tile(rows, VEC, 1));
    f.forRange(co, get(n4), get(n), 1, () => tile(rows, SCALAR, 1));
  };
  f.forRange(bi, i32.const(0), get(b), 1, () => {
    f.forRange(chunk, i32.const(0), get(chunks), 1, () => {
      f.set(oy0, i32.mul(get(chunk), get(chunkRows)));
      f.set(oy1, i32.add(get(oy0), get(chunkRows)));
      f.ifElse(i32.gt(get(oy1), get(ho)), () => f.set(oy1, get(ho)));
      f.forRange(ky, i32.const(0), get(kh), 1, () => {
        f.forRange(j, i32.const(0), get(kwcMain), TILE_ROWS, () => columns(TILE_ROWS));
        f.forRange(j, get(kwcMain), get(kwc), 1, () => columns(1));
      });
    });
  });
  return f;
}
