/**
 * Least-squares weight reconstruction of a pruned network (AMC's and ThiNet's): where a policy
 * prunes the input channels of a layer - a ResNet block's conv2 reading fewer middle channels,
 * a Fused/MBConv project, any convolution reading a narrowed stage, the head, the classifier -
 * that layer's kept weights are re-solved so that, on input patches sampled from the
 * uncompressed network (siteStats.ts), its kept outputs reproduce the uncompressed layer's:
 *
 *   W' = argmin E|| (x_S - mu_S)' W' - (x - mu)' W[:, kept] ||^2 + lambda ||W'||^2
 *      = (C_SS + lambda I)^-1 C_S: W[:, kept],
 *
 * with C the patch covariance and S the kept input features (float64 normal equations,
 * util/ridgeSolve.ts). Centred, because BatchNorm after each convolution is recalibrated and
 * absorbs any offset; the classifier, which has no BatchNorm, also gets the bias that restores
 * its mean output. Layers whose inputs are all kept are not touched (only their outputs are
 * sliced), so the identity policy computes the network exactly. Where a stage's width is pruned
 * the residual sums simply lose those channels (there is nothing linear to re-solve in an
 * identity path); the layers reading the stage - the next blocks' first convolutions and
 * projection shortcuts, the head or classifier - are re-solved.
 *
 * That is the independent solve (ThiNet; cached per layer and width). By default the layers are
 * solved sequentially instead (sequentialReconstruction.ts): in forward order, each on the
 * inputs of the pruned network with the layers before it already re-solved, against the same
 * uncompressed outputs. Where a policy removes blocks, the sequential solve also re-solves every
 * layer after the first removed block, so the blocks that remain learn to reproduce what the
 * removed ones fed the network (the independent solve cannot: its inputs are the network's).
 */
import type { SubnetConfig } from '../space/types.js';
import { subnetPlan } from '../space/plan.js';
import type { ImageSet } from '../supernet/data/types.js';
import { extract } from '../supernet/extract.js';
import type { ParamInfo } from '../supernet/layers/ParamStore.js';
import { ridgeSolve } from '../util/ridgeSolve.js';
import type { CompressibleNetwork } from './network.js';
import { convSites, type ConvSite } from './convSites.js';
import { collectSiteStats, type SiteStats } from './siteStats.js';
import { siteTargets as collectTargets, solveOnPrunedInputs, type SiteTargets } from './sequentialReconstruction.js';

export interface ReconstructionOptions {
  /** Re-solve the kept weights of layers whose inputs a policy prunes (default true). */
  enabled?: boolean;
  /** Training images the input patches are sampled from (the first of the calibration set; default 500). */
  images?: number;
  /** Output positions sampled per image and layer (default 10). */
  positions?: number;
  /** Ridge, relative to the mean feature variance (default 1e-3). */
  ridge?: number;
  /** Seed of the sampled positions (default 0). */
  seed?: number;
  /**
   * Re-solve the narrowed layers in forward order on the inputs of the pruned network, each after
   * the ones before it (sequentialReconstruction.ts), instead of each on the uncompressed
   * network's inputs: more accurate (ResNet-8: 79% against 67% mean inherited accuracy, BENCHMARKS.md),
   * one pass of the pruned network per narrowed layer and policy (default true).
   */
  sequential?: boolean;
}

export const kDefaultReconstructionOptions: Required<ReconstructionOptions> = Object.freeze({ enabled: true, images: 500, positions: 10, ridge: 1e-3, seed: 0, sequential: true });

/** Checks the options, naming the one that is wrong; returns them merged with the defaults. */
export function reconstructionOptions(options: ReconstructionOptions = {}): Required<ReconstructionOptions> {
  const o = { ...kDefaultReconstructionOptions, ...options };
  for (const key of ['images', 'positions'] as const) {
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw new RangeError(`reconstruction.${key} must be a positive integer (got ${o[key]})`);
  }
  if (!(o.ridge >= 0)) throw new RangeError(`reconstruction.ridge must be >= 0 (got ${o.ridge})`);
  return o;
}

interface Solved {
  w: Float64Array;
  b?: Float64Array;
}

export class WeightReconstruction {
  private stats: SiteStats[] | undefined;
  private snapshot: Float32Array | undefined;
  private readonly solved = new Map<string, Solved>();
  private targets: SiteTargets[] | undefined;
  private last: { key: string; params: Float32Array } | undefined;
  private readonly options: Required<ReconstructionOptions>;
  private readonly layout: Map<string, ParamInfo>;

  constructor(private readonly network: CompressibleNetwork, private readonly images: ImageSet, options: ReconstructionOptions = {}) {
    this.options = reconstructionOptions(options);
    this.layout = new Map(network.net.store.params.map((p) => [p.name, p]));
  }

  /**
   * The network's parameters with every layer whose inputs `cfg` prunes re-solved (a new
   * array), or the network's own `params` when `cfg` prunes no layer's inputs. The network's
   * supernet must hold `network.params` (statistics are sampled from it, again whenever those
   * values change, as a method that trains replaces them).
   */
  paramsFor(cfg: SubnetConfig): Float32Array {
    const { network } = this;
    const full = convSites(network.net, subnetPlan(network.policies.space, network.policies.toConfig(network.policies.identity())));
    const pruned = convSites(network.net, subnetPlan(network.policies.space, { ...cfg, wBits: undefined, aBits: undefined }));
    // A removed block's sites are gone; the others keep their names (blocks keep their slots).
    const fullIndex = new Map(full.map((site, j) => [site.name, j]));
    const source = pruned.map((site) => {
      const j = fullIndex.get(site.name);
      if (j === undefined) throw new Error(`weight reconstruction: the policy runs layer ${site.name}, which the network does not`);
      return j;
    });
    // Sites after a removed block read inputs the network never gave them: re-solved too, but only on the pruned network's inputs (sequentially).
    const firstShifted = this.options.sequential ? source.findIndex((j, i) => j !== i) : -1;
    const narrowed = pruned.flatMap((site, i) => (site.inC < full[source[i]].inC || (firstShifted >= 0 && i >= firstShifted) ? [i] : []));
    if (narrowed.length === 0) return network.params;
    if (this.options.sequential) return this.sequentialFor(cfg, full, pruned, source, narrowed);
    const stats = this.statsOf(full);
    const out = Float32Array.from(network.params);
    for (const i of narrowed) {
      const j = source[i];
      const key = `${j}:${pruned[i].inC}:${pruned[i].outC}`;
      let solved = this.solved.get(key);
      if (solved === undefined) {
        solved = this.solve(full[j], pruned[i], stats[j]);
        this.solved.set(key, solved);
      }
      this.write(out, pruned[i], solved);
    }
    return out;
  }

  private sequentialFor(cfg: SubnetConfig, full: readonly ConvSite[], pruned: readonly ConvSite[], source: readonly number[], narrowed: readonly number[]): Float32Array {
    const { network } = this;
    const targets = this.targetsOf(full);
    const key = JSON.stringify({ ...cfg, wBits: undefined, aBits: undefined });
    if (this.last?.key === key) return this.last.params;
    const out = Float32Array.from(network.params);
    const float = { ...cfg, wBits: undefined, aBits: undefined };
    for (const i of narrowed) {
      const j = source[i];
      this.write(out, pruned[i], solveOnPrunedInputs(network.net, float, out, network.params, this.images, pruned[i], i, full[j].outC, targets[j], this.options));
    }
    this.last = { key, params: out };
    return out;
  }

  private targetsOf(full: readonly ConvSite[]): SiteTargets[] {
    const { network } = this;
    if (this.targets !== undefined && this.snapshot !== undefined && sameValues(this.snapshot, network.params)) return this.targets;
    const subnet = extract(network.net, network.policies.toConfig(network.policies.identity()), this.images, { images: this.images.n });
    const layout = network.net.store.params;
    try {
      this.targets = collectTargets(subnet, full, this.images, this.options, (s) => siteFilter(network.params, layout, s), (s) => {
        const info = s.bias === undefined ? undefined : this.layout.get(s.bias);
        return info === undefined ? undefined : network.params.subarray(info.offset, info.offset + s.outC);
      });
    } finally {
      subnet.dispose();
    }
    this.snapshot = Float32Array.from(network.params);
    this.last = undefined;
    return this.targets;
  }

  private statsOf(full: readonly ConvSite[]): SiteStats[] {
    const { network } = this;
    if (this.stats !== undefined && this.snapshot !== undefined && sameValues(this.snapshot, network.params)) return this.stats;
    const subnet = extract(network.net, network.policies.toConfig(network.policies.identity()), this.images, { images: this.images.n });
    try {
      this.stats = collectSiteStats(subnet, full, this.images, this.options);
    } finally {
      subnet.dispose();
    }
    this.snapshot = Float32Array.from(network.params);
    this.solved.clear();
    return this.stats;
  }

  private filterIndex(site: ConvSite, row: number, o: number): number {
    const info = this.layout.get(site.param);
    if (info === undefined) throw new Error(`weight reconstruction: the supernet has no parameter ${site.param}`);
    return filterIndex(info, site, row, o);
  }

  private solve(full: ConvSite, pruned: ConvSite, stats: SiteStats): Solved {
    const params = this.network.params;
    const taps = full.layout === 'linear' ? 1 : full.kernel * full.kernel;
    const d = stats.dim;
    const outC = pruned.outC;
    // Kept features: every tap's first pruned.inC channels, in the pruned filter's row order.
    const kept = Int32Array.from({ length: taps * pruned.inC }, (_, r) => Math.floor(r / pruned.inC) * full.inC + (r % pruned.inC));
    const s = kept.length;
    const w = new Float64Array(d * outC);
    for (let r = 0; r < d; r++) for (let o = 0; o < outC; o++) w[r * outC + o] = params[this.filterIndex(full, r, o)];
    const css = new Float64Array(s * s);
    const rhs = new Float64Array(s * outC);
    for (let a = 0; a < s; a++) {
      const rowC = stats.cov.subarray(kept[a] * d, (kept[a] + 1) * d);
      for (let b = 0; b < s; b++) css[a * s + b] = rowC[kept[b]];
      const dst = rhs.subarray(a * outC, (a + 1) * outC);
      for (let j = 0; j < d; j++) {
        const cj = rowC[j];
        if (cj === 0) continue;
        for (let o = 0; o < outC; o++) dst[o] += cj * w[j * outC + o];
      }
    }
    const solvedW = ridgeSolve(css, s, rhs, outC, this.options.ridge);
    if (full.bias === undefined) return { w: solvedW };
    const bias = this.layout.get(full.bias)!;
    const b = new Float64Array(outC);
    for (let o = 0; o < outC; o++) {
      let v = params[bias.offset + o];
      for (let j = 0; j < d; j++) v += stats.mean[j] * w[j * outC + o];
      for (let a = 0; a < s; a++) v -= stats.mean[kept[a]] * solvedW[a * outC + o];
      b[o] = v;
    }
    return { w: solvedW, b };
  }

  private write(out: Float32Array, pruned: ConvSite, solved: Solved): void {
    const rows = solved.w.length / pruned.outC;
    for (let r = 0; r < rows; r++) for (let o = 0; o < pruned.outC; o++) out[this.filterIndex(pruned, r, o)] = solved.w[r * pruned.outC + o];
    if (solved.b !== undefined && pruned.bias !== undefined) out.set(solved.b, this.layout.get(pruned.bias)!.offset);
  }
}

/** Index in a parameter `info` of the flat parameters of filter row `row` (patch feature (ky, kx, c) of a k x k x inC patch), column `o`. */
function filterIndex(info: ParamInfo, site: ConvSite, row: number, o: number): number {
  const k = site.kernel;
  const c = row % site.inC;
  const tap = (row - c) / site.inC;
  if (info.shape.length === 2) return info.offset + c * info.shape[1] + o;
  const [kMax, , inMax, outMax] = info.shape;
  const off = (kMax - k) / 2;
  const ky = Math.floor(tap / k) + off;
  const kx = (tap % k) + off;
  return info.offset + ((ky * kMax + kx) * inMax + c) * outMax + o;
}

/** The filter of `site` in flat parameters `params` of layout `layout`, `[k*k*inC, outC]` row-major (rows ordered (ky, kx, c)). */
export function siteFilter(params: Float32Array, layout: readonly ParamInfo[], site: ConvSite): Float32Array {
  const info = layout.find((p) => p.name === site.param);
  if (info === undefined) throw new Error(`weight reconstruction: the supernet has no parameter ${site.param}`);
  const rows = (site.layout === 'linear' ? 1 : site.kernel * site.kernel) * site.inC;
  const out = new Float32Array(rows * site.outC);
  for (let r = 0; r < rows; r++) for (let o = 0; o < site.outC; o++) out[r * site.outC + o] = params[filterIndex(info, site, r, o)];
  return out;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
