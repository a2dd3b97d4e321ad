/**
 * Dense convolutions on wasm as one implicit GEMM (../simd/convDirect.ts) over a zero-padded
 * (and, for input gradients of strided convolutions, zero-dilated) copy of the input in scratch
 * memory. Used by Conv2D and Conv2DBackpropInput for every kernel size and stride, and (with
 * ../simd/convFilterGrad.ts over the same padded copy) by Conv2DBackpropFilter.
 * HWNAS_WASM_DENSE_CONV=0 (or `setDenseConvKernels(false)`) hands kxk convolutions back to the
 * previous path (XNNPACK and the composed gradients), for comparisons.
 */
import { ptr, simdFor, withScratch, type WasmBackendLike } from '../simd/simdModule.js';
import type { TensorInfo } from '../tf.js';
import type { Conv2DInfo } from './convUtil.js';
import { CONV_COLUMNS } from '../simd/convDirect.js';

let enabled = process.env.HWNAS_WASM_DENSE_CONV !== '0';

/** Switches the dense kxk convolution kernels on or off (1x1 convolutions are not affected). */
export function setDenseConvKernels(on: boolean): void {
  enabled = on;
}

export function denseConvKernels(): boolean {
  return enabled;
}

/** Where the input goes in the padded buffer, and the buffer's size. */
export interface Placement {
  top: number;
  left: number;
  /** Spacing of input pixels (1 = plain padding). */
  dil: number;
  /** Padded height and width (every input pixel and every tap read lies inside). */
  hp: number;
  wp: number;
}

export interface DirectConvArgs {
  /** Input `[B, H, W, C]`. */
  x: TensorInfo;
  place: Placement;
  /** Heap address of the filter `[kh, kw, C, N]`. */
  filter: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Output `[B, Ho, Wo, N]`. */
  out: TensorInfo;
}

/** The placement of a convolution's input for its forward pass and filter gradient. */
export function forwardPlacement(info: Conv2DInfo): Placement {
  const { top, left } = info.padInfo;
  return {
    top, left, dil: 1,
    hp: Math.max((info.outHeight - 1) * info.strideHeight + info.filterHeight, top + info.inHeight),
    wp: Math.max((info.outWidth - 1) * info.strideWidth + info.filterWidth, left + info.inWidth),
  };
}

/** Runs `f` on the heap address of x placed in a zero buffer (x itself when nothing moves). */
function withPlaced(backend: WasmBackendLike, x: TensorInfo, place: Placement, f: (xp: number) => void): void {
  const [b, h, w, c] = x.shape;
  const { top, left, dil, hp, wp } = place;
  if (top === 0 && left === 0 && dil === 1 && hp === h && wp === w) {
    f(ptr(backend, x));
    return;
  }
  withScratch(backend, b * hp * wp * c * 4, (xp) => {
    simdFor(backend).pad_dilate(ptr(backend, x), xp, b, h, w, c, hp, wp, top, left, dil);
    f(xp);
  });
}

/** Runs the convolution `out = conv(place(x), filter)` (no bias). */
export function directConv(backend: WasmBackendLike, a: DirectConvArgs): void {
  const [b, , , c] = a.x.shape;
  const [, ho, wo, n] = a.out.shape;
  const { hp, wp } = a.place;
  const k = a.kh * a.kw * c;
  const blocks = Math.floor(n / CONV_COLUMNS);
  withPlaced(backend, a.x, a.place, (xp) => withScratch(backend, Math.max(blocks * CONV_COLUMNS * k * 4, 4), (packed) => {
    // Filter column blocks [N/cols][K][cols]: the tiles read their weights contiguously.
    const heap = new Float32Array(backend.wasm.asm.memory.buffer);
    const w = a.filter / 4;
    let dst = packed / 4;
    for (let j = 0; j < blocks; j++) {
      for (let i = 0; i < k; i++) {
        const src = w + i * n + j * CONV_COLUMNS;
        for (let col = 0; col < CONV_COLUMNS; col++) heap[dst++] = heap[src + col];
      }
    }
    const cBytes = c * 4;
    simdFor(backend).conv_direct(
      xp, a.filter, ptr(backend, a.out), b * ho * wo, ho * wo, wo, hp * wp * cBytes, a.sh * wp * cBytes,
      a.sw * cBytes, a.kh, wp * cBytes, a.kw * c, n, packed,
    );
  }));
}

/** Output pixels per chunk of the filter gradient (its input rows and dy stay in cache). */
const FILTER_GRAD_CHUNK_PIXELS = 128;

/** The filter gradient `dw = patches(place(x))^T dy` (`[kh, kw, C, N]`) of the convolution `a` describes. */
export function directFilterGrad(backend: WasmBackendLike, a: Omit<DirectConvArgs, 'filter' | 'out'> & { dy: TensorInfo; dw: TensorInfo }): void {
  const [b, , , c] = a.x.shape;
  const [, ho, wo, n] = a.dy.shape;
  const { hp, wp } = a.place;
  const chunkRows = Math.max(1, Math.round(FILTER_GRAD_CHUNK_PIXELS / wo));
  withPlaced(backend, a.x, a.place, (xp) => {
    const cBytes = c * 4;
    simdFor(backend).conv_filter_grad(
      xp, ptr(backend, a.dy), ptr(backend, a.dw), b, ho, wo, hp * wp * cBytes, a.sh * wp * cBytes, a.sw * cBytes,
      a.kh, wp * cBytes, a.kw * c, n, chunkRows,
    );
  });
}
