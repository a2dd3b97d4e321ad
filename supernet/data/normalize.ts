/**
 * Pixel normalisation: per channel `(pixel / 255 - mean[c]) / std[c]`. Fashion-MNIST uses
 * `kPixelMean`/`kPixelStd`, the mean and (population) standard deviation of all pixels of its
 * `train` split (50,000 images; checked against the data by a test); other datasets use the
 * statistics of their own training split (`computeNormalization`).
 */
import type { Normalization } from './types.js';

export const kPixelMean = 0.28607;
export const kPixelStd = 0.3530768;

/** Fashion-MNIST's normalisation (one channel). */
export const kFashionMnistNormalization: Readonly<Normalization> = Object.freeze({ mean: [kPixelMean], std: [kPixelStd] });

/** The normalised value of a 0..255 pixel under Fashion-MNIST's statistics. */
export function normalizePixel(pixel: number): number {
  return (pixel / 255 - kPixelMean) / kPixelStd;
}

function tableOf(mean: number, std: number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / std);
}

/** `normalizePixel` for every byte value, as float32: what batch builders index into. */
export const kNormalizeTable: Readonly<Float32Array> = tableOf(kPixelMean, kPixelStd);

const tables = new WeakMap<Normalization, Float32Array[]>();

/** Per channel, the normalised float32 value of every byte (cached per normalisation object). */
export function normalizeTables(norm: Normalization): Float32Array[] {
  let t = tables.get(norm);
  if (t === undefined) {
    t = norm.mean.map((m, c) => (m === kPixelMean && norm.std[c] === kPixelStd ? (kNormalizeTable as Float32Array) : tableOf(m, norm.std[c])));
    tables.set(norm, t);
  }
  return t;
}

/** A standard deviation below this (a constant channel) is replaced by 1, so nothing divides by 0. */
const kMinStd = 1e-6;

/**
 * Per-channel mean and population standard deviation of `images` (interleaved channels,
 * bytes 0..255) scaled to [0, 1]: the normalisation a model trained on them expects.
 */
export function computeNormalization(images: Uint8Array, channels: number): Normalization {
  if (images.length === 0 || images.length % channels !== 0) {
    throw new Error(`computeNormalization: ${images.length} bytes are not a positive multiple of ${channels} channels`);
  }
  // Histograms keep the sums exact whatever the number of pixels.
  const hist = Array.from({ length: channels }, () => new Float64Array(256));
  for (let i = 0; i < images.length; i += channels) {
    for (let c = 0; c < channels; c++) hist[c][images[i + c]]++;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const h of hist) {
    let n = 0;
    let sum = 0;
    for (let v = 0; v < 256; v++) { n += h[v]; sum += h[v] * v; }
    const m = sum / n;
    let sq = 0;
    for (let v = 0; v < 256; v++) sq += h[v] * (v - m) ** 2;
    const s = Math.sqrt(sq / n) / 255;
    mean.push(m / 255);
    std.push(s < kMinStd ? 1 : s);
  }
  return { mean, std };
}

/** The preprocessing in words, as exported models state it. */
export function describeNormalization(norm: Normalization): string {
  if (norm.mean.length === 1) return `(p/255 - ${norm.mean[0]}) / ${norm.std[0]}`;
  const fmt = (xs: number[]) => `[${xs.map((x) => Number(x.toPrecision(7))).join(', ')}]`;
  return `per channel c: (p/255 - mean[c]) / std[c], mean ${fmt(norm.mean)}, std ${fmt(norm.std)}`;
}
