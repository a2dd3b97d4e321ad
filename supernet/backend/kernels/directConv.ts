/**
 * Dense convolutions on wasm as one implicit GEMM (../simd/convDirect.ts) over a zero-padded
 * (and, for input gradients of strided convolutions, zero-dilated) copy of the input in scratch
 * memory. Used by Conv2D and Conv2DBackpropInput for every kernel size and stride.
 * HWNAS_WASM_DENSE_CONV=0 (or `setDenseConvKernels(false)`) hands kxk convolutions back to the
 * previous path (XNNPACK and the composed gradients), for comparisons.
 */
import { ptr, simdFor, withScratch, type WasmBackendLike } from '../simd/simdModule.js';
import type { TensorInfo } from '../tf.js';

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

/** Runs the convolution `out = conv(pad(x), filter)` (no bias). */
export function directConv(backend: WasmBackendLike, a: DirectConvArgs): void {
  const [b, h, w, c] = a.x.shape;
  const [, ho, wo, n] = a.out.shape;
  const { top, left, dil, hp, wp } = a.place;
  const run = (xp: number) => {
    const cBytes = c * 4;
    simdFor(backend).conv_direct(
      xp, a.filter, ptr(backend, a.out), b * ho * wo, ho * wo, wo, hp * wp * cBytes, a.sh * wp * cBytes,
      a.sw * cBytes, a.kh, wp * cBytes, a.kw * c, n,
    );
  };
  if (top === 0 && left === 0 && dil === 1 && hp === h && wp === w) {
    run(ptr(backend, a.x));
    return;
  }
  withScratch(backend, b * hp * wp * c * 4, (xp) => {
    simdFor(backend).pad_dilate(ptr(backend, a.x), xp, b, h, w, c, hp, wp, top, left, dil);
    run(xp);
  });
}
