/**
 * What the uncompressed network feeds each of its sites (convSites.ts), as the mean and
 * covariance of sampled input patches: AMC and ThiNet sample ~10 output positions per image
 * over a few hundred training images and take the k x k x inC patch each one reads ('same'
 * padding, zeros outside). The classifier reads one pooled vector per image. A patch's
 * features are ordered (ky, kx, c) like the rows of the filter `[k,k,in,out]`, so
 * `mean' W` and `W' cov W` are the site's output mean and covariance.
 */
import { tf } from '../supernet/backend/tf.js';
import type { ImageSet } from '../supernet/data/types.js';
import { fillBatch } from '../supernet/data/batches.js';
import type { Subnet } from '../supernet/Subnet.js';
import { Rng } from '../space/rng.js';
import { tappedForward, type ConvSite } from './convSites.js';

export interface SiteStats {
  /** Features of one sample: kernel * kernel * inC (1 x 1 x inC for the classifier). */
  dim: number;
  samples: number;
  mean: Float64Array;
  /** Covariance, dim x dim, row-major. */
  cov: Float64Array;
}

export interface SampleOptions {
  /** Images, taken from the start of the set. */
  images: number;
  /** Output positions sampled per image and convolution. */
  positions: number;
  seed: number;
  batchSize?: number;
}

class Accumulator {
  readonly sum: Float64Array;
  readonly gram: Float64Array;
  readonly row: Float64Array;
  n = 0;

  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
    this.gram = new Float64Array(dim * dim);
    this.row = new Float64Array(dim);
  }

  /** Adds `this.row` (upper triangle of the Gram matrix only). */
  addRow(): void {
    const { dim, row, sum, gram } = this;
    for (let i = 0; i < dim; i++) {
      const ri = row[i];
      if (ri === 0) continue;
      sum[i] += ri;
      const base = i * dim;
      for (let j = i; j < dim; j++) gram[base + j] += ri * row[j];
    }
    this.n++;
  }

  result(): SiteStats {
    const { dim, n, sum, gram } = this;
    const mean = sum.map((s) => s / n);
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = i; j < dim; j++) {
        const c = gram[i * dim + j] / n - mean[i] * mean[j];
        cov[i * dim + j] = c;
        cov[j * dim + i] = c;
      }
    }
    return { dim, samples: n, mean, cov };
  }
}

/** Output positions of a k x k, stride-s 'same' convolution over an h x w map, and its top and left padding. */
export function convGeometry(site: ConvSite, h: number, w: number): { outH: number; outW: number; padT: number; padL: number } {
  const { kernel: k, stride: s } = site;
  const outH = Math.ceil(h / s);
  const outW = Math.ceil(w / s);
  return { outH, outW, padT: Math.floor(Math.max((outH - 1) * s + k - h, 0) / 2), padL: Math.floor(Math.max((outW - 1) * s + k - w, 0) / 2) };
}

/** Writes into `row` the k x k x C patch of image `img` of map `x` `[B,H,W,C]` that output position (oy, ox) of `site` reads (zeros outside). */
export function readPatch(row: Float64Array, x: Float32Array, shape: readonly number[], site: ConvSite, img: number, oy: number, ox: number): void {
  const [, h, w, c] = shape;
  const { kernel: k, stride: s } = site;
  const { padT, padL } = convGeometry(site, h, w);
  for (let ky = 0; ky < k; ky++) {
    const y = oy * s - padT + ky;
    for (let kx = 0; kx < k; kx++) {
      const xx = ox * s - padL + kx;
      const dst = (ky * k + kx) * c;
      if (y < 0 || y >= h || xx < 0 || xx >= w) {
        row.fill(0, dst, dst + c);
        continue;
      }
      const src = ((img * h + y) * w + xx) * c;
      for (let ch = 0; ch < c; ch++) row[dst + ch] = x[src + ch];
    }
  }
}

/** Adds `positions` random patches per image of feature map `x` `[B,H,W,C]` read by `site`. */
function samplePatches(acc: Accumulator, x: Float32Array, shape: readonly number[], site: ConvSite, positions: number, rng: Rng): void {
  const { outH, outW } = convGeometry(site, shape[1], shape[2]);
  for (let img = 0; img < shape[0]; img++) {
    for (let p = 0; p < positions; p++) {
      const oy = rng.int(outH);
      readPatch(acc.row, x, shape, site, img, oy, rng.int(outW));
      acc.addRow();
    }
  }
}

/**
 * Input statistics of every site of float `subnet` on the first `options.images` images of
 * `set`; checks on the first batch that the tapped forward pass computes the subnet's logits.
 */
export function collectSiteStats(subnet: Subnet, sites: readonly ConvSite[], set: ImageSet, options: SampleOptions): SiteStats[] {
  const images = Math.min(options.images, set.n);
  const batchSize = options.batchSize ?? 100;
  const accs = sites.map((s) => new Accumulator(s.layout === 'linear' ? s.inC : s.kernel * s.kernel * s.inC));
  const rngs = sites.map((_, i) => new Rng(options.seed * 7919 + i));
  const { height, width, channels } = set;
  const buf = new Float32Array(batchSize * height * width * channels);
  for (let start = 0; start < images; start += batchSize) {
    const n = Math.min(batchSize, images - start);
    fillBatch(set, Int32Array.from({ length: n }, (_, i) => start + i), buf, { augment: false });
    let taps: Array<{ data: Float32Array; shape: number[] }> = [];
    let mismatch = 0;
    tf.tidy(() => {
      const x = tf.tensor4d(buf.subarray(0, n * height * width * channels), [n, height, width, channels]);
      const { logits, inputs } = tappedForward(subnet, x);
      if (start === 0) mismatch = tf.max(tf.abs(tf.sub(logits, subnet.forward(x)))).dataSync()[0];
      taps = inputs.map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));
    });
    if (!(mismatch <= 1e-3)) throw new Error(`weight reconstruction: the tapped forward pass differs from the subnet's by ${mismatch} in the logits: convSites.ts no longer follows supernet/blocks`);
    if (taps.length !== sites.length) throw new Error(`weight reconstruction: ${taps.length} site inputs for ${sites.length} sites`);
    sites.forEach((site, i) => {
      if (site.layout === 'linear') {
        const { row } = accs[i];
        for (let r = 0; r < n; r++) {
          row.set(taps[i].data.subarray(r * site.inC, (r + 1) * site.inC));
          accs[i].addRow();
        }
      } else {
        samplePatches(accs[i], taps[i].data, taps[i].shape, site, options.positions, rngs[i]);
      }
    });
  }
  return accs.map((a) => a.result());
}
