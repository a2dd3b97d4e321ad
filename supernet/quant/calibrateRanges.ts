/**
 * Activation ranges for the quant sites of a deployed graph, observed on training images with
 * the float graph (weights already on their grids):
 * - 'minmax': the smallest and largest value seen;
 * - 'percentile': the `percentile`-th and (100 - `percentile`)-th percentiles, from a
 *   2,048-bin histogram over the min/max range (a second pass). Clipping rare outliers gives
 *   the bulk of the values a finer grid.
 */
import { tf } from '../backend/tf.js';
import type { ImageSet } from '../data/types.js';
import { fillBatch } from '../data/batches.js';
import type { GraphRunner } from './GraphRunner.js';
import type { ActRange } from './finalizeGraph.js';

export type RangeMethod = 'minmax' | 'percentile';
export const RANGE_METHODS: readonly RangeMethod[] = Object.freeze(['minmax', 'percentile']);

export interface RangeOptions {
  method?: RangeMethod;
  /** Upper percentile kept by 'percentile' (the lower one is 100 minus it). */
  percentile?: number;
  /** Images used (the first of the set: pass a seeded shuffled training subset). */
  images?: number;
  batchSize?: number;
}

export const kDefaultRangeOptions: Required<RangeOptions> = Object.freeze({
  method: 'minmax',
  percentile: 99.99,
  images: 1000,
  batchSize: 250,
});

const kBins = 2048;

function resolve(options: RangeOptions, set: ImageSet): Required<RangeOptions> {
  const o = { ...kDefaultRangeOptions, ...options };
  if (!RANGE_METHODS.includes(o.method)) throw new RangeError(`options.method must be one of ${RANGE_METHODS.join(', ')} (got '${o.method}')`);
  if (!(o.percentile > 50 && o.percentile <= 100)) throw new RangeError(`options.percentile must be in (50, 100] (got ${o.percentile})`);
  o.images = Math.min(o.images, set.n);
  if (!Number.isInteger(o.images) || o.images < 1) throw new RangeError(`options.images must be a positive integer (got ${options.images})`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new RangeError(`options.batchSize must be a positive integer (got ${o.batchSize})`);
  return o;
}

/** Runs the graph over the images, calling `visit(site, values)` for every quant site. */
function sweep(runner: GraphRunner, set: ImageSet, o: Required<RangeOptions>, visit: (site: string, values: Float32Array) => void): void {
  const [h, w, c] = runner.graph.inputShape;
  const buf = new Float32Array(o.batchSize * h * w * c);
  for (let start = 0; start < o.images; start += o.batchSize) {
    const n = Math.min(o.batchSize, o.images - start);
    fillBatch(set, Int32Array.from({ length: n }, (_, i) => start + i), buf, { augment: false });
    tf.tidy(() => {
      runner.forward(tf.tensor4d(buf.subarray(0, n * h * w * c), [n, h, w, c]), (site, x) => visit(site, x.dataSync() as Float32Array));
    });
  }
}

function minMax(runner: GraphRunner, set: ImageSet, o: Required<RangeOptions>): Map<string, ActRange> {
  const ranges = new Map<string, ActRange>();
  sweep(runner, set, o, (site, values) => {
    const r = ranges.get(site) ?? { min: Infinity, max: -Infinity };
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
    }
    ranges.set(site, r);
  });
  return ranges;
}

/** The value below which a fraction `p` of the histogram's mass lies (linear inside a bin). */
function quantile(hist: Float64Array, total: number, lo: number, width: number, p: number): number {
  const target = p * total;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    if (acc + hist[i] >= target && hist[i] > 0) return lo + (i + (target - acc) / hist[i]) * width;
    acc += hist[i];
  }
  return lo + hist.length * width;
}

/** Calibrated ranges for every quant site of `runner`'s graph. */
export function calibrateRanges(runner: GraphRunner, set: ImageSet, options: RangeOptions = {}): Map<string, ActRange> {
  const o = resolve(options, set);
  const extremes = minMax(runner, set, o);
  if (o.method === 'minmax' || o.percentile === 100) return extremes;
  const hists = new Map<string, Float64Array>();
  sweep(runner, set, o, (site, values) => {
    const { min, max } = extremes.get(site)!;
    const hist = hists.get(site) ?? new Float64Array(kBins);
    const scale = max > min ? kBins / (max - min) : 0;
    for (let i = 0; i < values.length; i++) hist[Math.min(kBins - 1, Math.floor((values[i] - min) * scale))]++;
    hists.set(site, hist);
  });
  const ranges = new Map<string, ActRange>();
  for (const [site, { min, max }] of extremes) {
    const hist = hists.get(site)!;
    const total = hist.reduce((a, b) => a + b, 0);
    const width = (max - min) / kBins;
    const p = o.percentile / 100;
    ranges.set(site, {
      min: Math.max(min, quantile(hist, total, min, width, 1 - p)),
      max: Math.min(max, quantile(hist, total, min, width, p)),
    });
  }
  return ranges;
}
