/**
 * Sequential reconstruction (the channel-pruning paper of He et al., 2017, and AMC's code with
 * features taken from the pruned model): the layers a policy narrows are re-solved in forward
 * order, each on the inputs the pruned network - with the layers before it already re-solved -
 * feeds it, against the uncompressed layer's outputs at the same sampled positions:
 *
 *   W' = argmin E|| (x'_p - mu'_p)' W' - (y - mu_y) ||^2 + lambda ||W'||^2,  y = x' W (+ b),
 *
 * so a layer also corrects the error the pruning before it left in its inputs, which the
 * independent solve of reconstruct.ts (inputs from the uncompressed network) cannot. It costs one
 * pass of the pruned network over the sample images per narrowed layer and policy.
 */
import { tf } from '../supernet/backend/tf.js';
import type { ImageSet } from '../supernet/data/types.js';
import { fillBatch } from '../supernet/data/batches.js';
import { extract } from '../supernet/extract.js';
import type { Subnet } from '../supernet/Subnet.js';
import type { Supernet } from '../supernet/Supernet.js';
import type { SubnetConfig } from '../space/types.js';
import { Rng } from '../space/rng.js';
import { ridgeSolve } from '../util/ridgeSolve.js';
import { tappedForward, type ConvSite } from './convSites.js';
import { convGeometry, readPatch } from './siteStats.js';

/** One site's samples: (image, oy, ox) per sample, and the uncompressed layer's output there (samples x outC). */
export interface SiteTargets {
  positions: Int32Array;
  y: Float64Array;
}

export interface SequentialSampling {
  images: number;
  positions: number;
  seed: number;
  ridge: number;
}

const kBatch = 100;

/** Runs `subnet` over the first `n` images of `set` in batches, handing each batch's input of site `i` (or of every site, i < 0) to `visit`. */
function eachBatch(subnet: Subnet, set: ImageSet, n: number, visit: (start: number, inputs: Array<{ data: Float32Array; shape: number[] }>) => void, site = -1): void {
  const { height, width, channels } = set;
  const buf = new Float32Array(kBatch * height * width * channels);
  for (let start = 0; start < n; start += kBatch) {
    const m = Math.min(kBatch, n - start);
    fillBatch(set, Int32Array.from({ length: m }, (_, k) => start + k), buf, { augment: false });
    let taps: Array<{ data: Float32Array; shape: number[] }> = [];
    tf.tidy(() => {
      const { inputs } = tappedForward(subnet, tf.tensor4d(buf.subarray(0, m * height * width * channels), [m, height, width, channels]));
      taps = inputs.map((t, k) => (site < 0 || k === site ? { data: t.dataSync() as Float32Array, shape: t.shape } : { data: new Float32Array(0), shape: [] }));
    });
    visit(start, taps);
  }
}

/** The filter rows of `site` (patch features) times its weights, plus bias: the layer's output for one patch. */
function outputOf(row: Float64Array, w: Float32Array, outC: number, bias: Float32Array | undefined, y: Float64Array, at: number): void {
  for (let o = 0; o < outC; o++) {
    let v = bias === undefined ? 0 : bias[o];
    for (let j = 0; j < row.length; j++) if (row[j] !== 0) v += row[j] * w[j * outC + o];
    y[at + o] = v;
  }
}

/**
 * Seeded sample positions of every site of the uncompressed `subnet` and its outputs there;
 * `filter(site)` gives a site's uncompressed weights `[k*k*inC, outC]` and `bias(site)` the classifier's bias.
 */
export function siteTargets(subnet: Subnet, sites: readonly ConvSite[], set: ImageSet, o: SequentialSampling, filter: (s: ConvSite) => Float32Array, bias: (s: ConvSite) => Float32Array | undefined): SiteTargets[] {
  const n = Math.min(o.images, set.n);
  const targets = sites.map((s) => {
    const per = s.layout === 'linear' ? 1 : o.positions;
    return { positions: new Int32Array(n * per * 3), y: new Float64Array(n * per * s.outC), w: filter(s), b: bias(s), row: new Float64Array((s.layout === 'linear' ? 1 : s.kernel * s.kernel) * s.inC), rng: new Rng(o.seed * 7919 + sites.indexOf(s)), count: 0 };
  });
  eachBatch(subnet, set, n, (start, taps) => {
    sites.forEach((s, i) => {
      const t = targets[i];
      const { data, shape } = taps[i];
      for (let img = 0; img < shape[0]; img++) {
        if (s.layout === 'linear') {
          t.row.set(data.subarray(img * s.inC, (img + 1) * s.inC));
          t.positions.set([start + img, 0, 0], t.count * 3);
          outputOf(t.row, t.w, s.outC, t.b, t.y, t.count++ * s.outC);
          continue;
        }
        const { outH, outW } = convGeometry(s, shape[1], shape[2]);
        for (let p = 0; p < o.positions; p++) {
          const oy = t.rng.int(outH);
          const ox = t.rng.int(outW);
          readPatch(t.row, data, shape, s, img, oy, ox);
          t.positions.set([start + img, oy, ox], t.count * 3);
          outputOf(t.row, t.w, s.outC, t.b, t.y, t.count++ * s.outC);
        }
      }
    });
  });
  return targets.map((t) => ({ positions: t.positions, y: t.y }));
}

/**
 * `params` (a copy of the network's) with site `i` of `cfg` re-solved on the inputs the pruned
 * network with `params` feeds it; returns the solved filter rows and, for the classifier, its bias.
 */
export function solveOnPrunedInputs(net: Supernet, cfg: SubnetConfig, params: Float32Array, restore: Float32Array, set: ImageSet, site: ConvSite, i: number, fullOutC: number, target: SiteTargets, o: SequentialSampling): { w: Float64Array; b?: Float64Array } {
  const n = Math.min(o.images, set.n);
  const d = (site.layout === 'linear' ? 1 : site.kernel * site.kernel) * site.inC;
  const outC = site.outC;
  const gram = new Float64Array(d * d);
  const cross = new Float64Array(d * outC);
  const sumX = new Float64Array(d);
  const sumY = new Float64Array(outC);
  const row = new Float64Array(d);
  let samples = 0;
  net.store.assignFlat(params);
  let subnet: Subnet | undefined;
  try {
    subnet = extract(net, cfg, set, { images: n });
    eachBatch(subnet, set, n, (start, taps) => {
      const { data, shape } = taps[i];
      for (let s = samples; s < target.positions.length / 3 && target.positions[s * 3] < start + shape[0]; s++) {
        const img = target.positions[s * 3] - start;
        if (site.layout === 'linear') row.set(data.subarray(img * site.inC, (img + 1) * site.inC));
        else readPatch(row, data, shape, site, img, target.positions[s * 3 + 1], target.positions[s * 3 + 2]);
        const y = target.y.subarray(s * fullOutC, s * fullOutC + outC);
        for (let o2 = 0; o2 < outC; o2++) sumY[o2] += y[o2];
        for (let a = 0; a < d; a++) {
          const ra = row[a];
          if (ra === 0) continue;
          sumX[a] += ra;
          for (let b = a; b < d; b++) gram[a * d + b] += ra * row[b];
          for (let o2 = 0; o2 < outC; o2++) cross[a * outC + o2] += ra * y[o2];
        }
        samples++;
      }
    }, i);
  } finally {
    subnet?.dispose();
    net.store.assignFlat(restore);
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) gram[b * d + a] = gram[a * d + b] = gram[a * d + b] / samples - (sumX[a] * sumX[b]) / (samples * samples);
    for (let o2 = 0; o2 < outC; o2++) cross[a * outC + o2] = cross[a * outC + o2] / samples - (sumX[a] * sumY[o2]) / (samples * samples);
  }
  const w = ridgeSolve(gram, d, cross, outC, o.ridge);
  if (site.bias === undefined) return { w };
  const b = new Float64Array(outC);
  for (let o2 = 0; o2 < outC; o2++) {
    let v = sumY[o2] / samples;
    for (let a = 0; a < d; a++) v -= (sumX[a] / samples) * w[a * outC + o2];
    b[o2] = v;
  }
  return { w, b };
}
