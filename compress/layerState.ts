/**
 * The pieces of an RL agent's per-layer state shared by AMC and Galen: the static layer
 * features (min-max normalised per feature over the layers, as AMC does), the keep ratios a
 * layer may take, the block -> mid layer map, and `LayerWalk`, the partial policy of an
 * episode with its latency features (latency removed so far, latency the later layers can
 * still remove), both as fractions of the unpruned network's latency.
 */
import type { CompressPolicy, CompressProblem, PrunableLayer } from './types.js';

const kKindCode: Readonly<Record<PrunableLayer['kind'], number>> = Object.freeze({ mid: 0, stage: 1, depth: 2 });

/** Static features of a layer: index, kind (mid 0, stage 1, depth 2), in, out, stride, kernel, weights, MACs. */
export function layerFeatureRows(layers: readonly PrunableLayer[]): number[][] {
  return layers.map((l, i) => [i, kKindCode[l.kind], l.inChannels, l.outChannels, l.stride, l.kernel, l.weights, l.macs]);
}

/** Scales each column to [0, 1] over the rows; a constant column becomes 0. */
export function normaliseColumns(rows: readonly (readonly number[])[]): number[][] {
  if (rows.length === 0) return [];
  const width = rows[0].length;
  const lo = new Array<number>(width).fill(Infinity);
  const hi = new Array<number>(width).fill(-Infinity);
  for (const r of rows) {
    if (r.length !== width) throw new RangeError(`normaliseColumns needs rows of equal length (${width} and ${r.length})`);
    r.forEach((v, j) => {
      lo[j] = Math.min(lo[j], v);
      hi[j] = Math.max(hi[j], v);
    });
  }
  return rows.map((r) => r.map((v, j) => (hi[j] > lo[j] ? (v - lo[j]) / (hi[j] - lo[j]) : 0)));
}

/** The layer's keep ratios at or above `minKeep` (never empty: every layer offers 1). */
export function allowedKeeps(layer: PrunableLayer, minKeep: number): number[] {
  const keeps = layer.keeps.filter((k) => k >= minKeep - 1e-9);
  if (keeps.length === 0) throw new RangeError(`layer ${layer.name} offers no keep ratio >= ${minKeep} (keeps [${layer.keeps.join(', ')}])`);
  return keeps;
}

/** The element of a non-empty list nearest to x (the first of a tie). */
export function nearest(values: readonly number[], x: number): number {
  return values.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
}

/** The index in `problem.layers` of each block's `mid` layer; throws unless there is exactly one. */
export function blockMidLayers(problem: CompressProblem): number[] {
  const mid = new Array<number>(problem.blocks).fill(-1);
  problem.layers.forEach((l, i) => {
    if (l.kind !== 'mid') return;
    if (l.block < 0 || l.block >= problem.blocks) throw new RangeError(`mid layer ${l.name} names block ${l.block}; the problem has ${problem.blocks} blocks`);
    if (mid[l.block] >= 0) throw new RangeError(`block ${l.block} has two mid layers (${problem.layers[mid[l.block]].name}, ${l.name})`);
    mid[l.block] = i;
  });
  const missing = mid.indexOf(-1);
  if (missing >= 0) throw new RangeError(`block ${missing} has no mid layer: a block's bits are set at its mid layer`);
  return mid;
}

const copy = (p: CompressPolicy): CompressPolicy => ({ keep: [...p.keep], wBits: [...p.wBits], aBits: [...p.aBits] });

/**
 * The policy of an episode as it walks the layers: layers (and blocks) not reached yet are
 * unchanged. `floor` is the most compressed policy the walk may end at.
 */
export class LayerWalk {
  current: CompressPolicy;

  constructor(private readonly problem: CompressProblem, readonly floor: CompressPolicy, private readonly blockMid: readonly number[]) {
    if (problem.layers.length === 0) throw new RangeError('the problem has no prunable layers: there is nothing for an agent to walk');
    this.current = problem.identity();
  }

  reset(): void {
    this.current = this.problem.identity();
  }

  /** `base` (default: the current policy) with layer `from` on, and the blocks whose mid layer is `from` on, at the floor. */
  floorFrom(from: number, base: CompressPolicy = this.current): CompressPolicy {
    const p = copy(base);
    for (let j = from; j < p.keep.length; j++) p.keep[j] = this.floor.keep[j];
    this.blockMid.forEach((m, b) => {
      if (m >= from) {
        p.wBits[b] = this.floor.wBits[b];
        p.aBits[b] = this.floor.aBits[b];
      }
    });
    return p;
  }

  /** The current policy with layer t's keep replaced. */
  withKeep(t: number, keep: number): CompressPolicy {
    const p = copy(this.current);
    p.keep[t] = keep;
    return p;
  }

  /**
   * At layer t (not yet set): [latency removed by the layers before t, latency the layers
   * after t can still remove], as fractions of the unpruned latency.
   */
  latencyFeatures(t: number): [number, number] {
    const original = this.problem.original.latencyMs;
    const now = this.problem.latencyMs(this.current);
    const floorAfter = this.problem.latencyMs(this.floorFrom(t + 1));
    return [Math.max(0, (original - now) / original), Math.max(0, (now - floorAfter) / original)];
  }
}
