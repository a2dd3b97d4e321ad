/**
 * Pixel normalisation: `(pixel / 255 - kPixelMean) / kPixelStd`, with the mean and (population)
 * standard deviation of all pixels of the Fashion-MNIST `train` split (50,000 images).
 * The constants are checked against the data by a test.
 */

export const kPixelMean = 0.28607;
export const kPixelStd = 0.3530768;

/** The normalised value of a 0..255 pixel. */
export function normalizePixel(pixel: number): number {
  return (pixel / 255 - kPixelMean) / kPixelStd;
}

/** `normalizePixel` for every byte value, as float32: what batch builders index into. */
export const kNormalizeTable: Readonly<Float32Array> = Float32Array.from({ length: 256 }, (_, v) => normalizePixel(v));
