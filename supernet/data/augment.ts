/**
 * Training augmentation on raw 0..255 images: a random crop from a zero-padded image and a
 * random horizontal flip. Plain typed arrays, so it runs in any worker.
 */
import type { Rng } from '../../space/rng.js';

/** Zero padding on each side before the crop: the crop shifts by at most this many pixels. */
export const kCropPad = 2;

/**
 * One image's augmentation. The crop window's top-left corner sits at `(kCropPad + dy,
 * kCropPad + dx)` in the padded image, so output pixel (y, x) before the flip is input pixel
 * (y + dy, x + dx), or 0 outside the image. `flip` then mirrors the row.
 */
export interface AugmentParams {
  dy: number;
  dx: number;
  flip: boolean;
}

/** Draws a crop offset uniform over [-kCropPad, kCropPad]^2 and a flip with probability 1/2. */
export function sampleAugment(rng: Rng): AugmentParams {
  const span = 2 * kCropPad + 1;
  const dy = rng.int(span) - kCropPad;
  const dx = rng.int(span) - kCropPad;
  return { dy, dx, flip: rng.next() < 0.5 };
}

/**
 * Writes the cropped and optionally flipped `height x width` image (`channels` interleaved)
 * starting at `src[srcOffset]` to `dst[dstOffset]`. Pixels from outside the image are 0 (the
 * background of Fashion-MNIST).
 */
export function cropFlip(
  src: Uint8Array,
  srcOffset: number,
  height: number,
  width: number,
  params: AugmentParams,
  dst: Uint8Array,
  dstOffset: number,
  channels = 1,
): void {
  if (channels !== 1) {
    cropFlipChannels(src, srcOffset, height, width, params, dst, dstOffset, channels);
    return;
  }
  const { dy, dx, flip } = params;
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    const row = dstOffset + y * width;
    if (sy < 0 || sy >= height) {
      dst.fill(0, row, row + width);
      continue;
    }
    const srcRow = srcOffset + sy * width;
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + dx;
      dst[row + x] = sx >= 0 && sx < width ? src[srcRow + sx] : 0;
    }
  }
}

function cropFlipChannels(
  src: Uint8Array, srcOffset: number, height: number, width: number, params: AugmentParams, dst: Uint8Array, dstOffset: number, channels: number,
): void {
  const { dy, dx, flip } = params;
  const rowLen = width * channels;
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    const row = dstOffset + y * rowLen;
    if (sy < 0 || sy >= height) {
      dst.fill(0, row, row + rowLen);
      continue;
    }
    const srcRow = srcOffset + sy * rowLen;
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + dx;
      const inside = sx >= 0 && sx < width;
      for (let c = 0; c < channels; c++) dst[row + x * channels + c] = inside ? src[srcRow + sx * channels + c] : 0;
    }
  }
}
