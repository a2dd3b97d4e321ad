/**
 * Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020): with
 * probability p, one rectangle of a training image is replaced by random pixels. The rectangle
 * covers a uniform fraction [0.02, 0.4] of the image (the paper's range), its aspect ratio h/w
 * lies in [0.3, 1/0.3] (the paper's range, drawn log-uniformly as torchvision does, so tall and
 * wide are equally likely), and it lies wholly inside the image (up to 100 draws, else no
 * erasing). Applied after the crop and flip, on raw 0..255 pixels; plain typed arrays.
 */
import type { Rng } from '../../space/rng.js';

const kAreaRange = [0.02, 0.4] as const;
const kAspectMin = 0.3;
const kAttempts = 100;

/** The erased rectangle: rows [y, y + h), columns [x, x + w). */
export interface EraseRect {
  y: number;
  x: number;
  h: number;
  w: number;
}

/** Throws unless `p` is a probability of erasing that training can use, [0, 1]; `name` names the setting. */
export function checkErasingProbability(p: number, name: string): void {
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) throw new Error(`${name} must be a probability in [0, 1] (got ${Number.isNaN(p) ? 'not a number' : p})`);
}

/**
 * Draws whether and where to erase a `height x width` image with probability `p`; null for no
 * erasing (nothing is drawn at p = 0).
 */
export function sampleErase(rng: Rng, height: number, width: number, p: number): EraseRect | null {
  if (p <= 0 || rng.next() >= p) return null;
  const logAspect = Math.log(kAspectMin);
  for (let attempt = 0; attempt < kAttempts; attempt++) {
    const area = height * width * (kAreaRange[0] + (kAreaRange[1] - kAreaRange[0]) * rng.next());
    const aspect = Math.exp(logAspect + (-2 * logAspect) * rng.next());
    const h = Math.round(Math.sqrt(area * aspect));
    const w = Math.round(Math.sqrt(area / aspect));
    if (h >= 1 && w >= 1 && h < height && w < width) return { y: rng.int(height - h + 1), x: rng.int(width - w + 1), h, w };
  }
  return null;
}

/** Fills `rect` of the `height x width` image (`channels` interleaved) at `img[offset]` with uniform random pixels 0..255. */
export function eraseRect(img: Uint8Array, offset: number, width: number, channels: number, rect: EraseRect, rng: Rng): void {
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    const row = offset + (y * width + rect.x) * channels;
    for (let i = 0; i < rect.w * channels; i++) img[row + i] = rng.int(256);
  }
}
