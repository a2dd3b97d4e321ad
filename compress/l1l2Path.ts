/**
 * The arithmetic of the l1/l2 method around its training run: each layer's latency cost per
 * channel from the problem's latency model, the regulariser those costs weight, and the
 * policies a global threshold on the trained gates gives (the threshold path).
 */
import type { GateRegularizer } from '../supernet/train/gateRegularizer.js';
import type { LayerGate } from './l1l2Gates.js';
import type { CompressPolicy, CompressProblem } from './types.js';

/**
 * costMs_l = (latency(identity) - latency(identity with layer l at its smallest keep)) /
 * (channels at keep 1 - channels at the smallest keep), in ms per channel; 0 for a layer with
 * one choice or whose pruning the latency model says saves nothing (never negative).
 */
export function layerCosts(problem: CompressProblem): number[] {
  const id = problem.identity();
  const full = problem.latencyMs(id);
  return problem.layers.map((layer, l) => {
    const span = layer.channels[layer.channels.length - 1] - layer.channels[0];
    if (span <= 0) return 0;
    const narrowed = { ...id, keep: id.keep.map((k, i) => (i === l ? layer.keeps[0] : k)) };
    return Math.max(0, (full - problem.latencyMs(narrowed)) / span);
  });
}

/**
 * The training regulariser: weight = lambda / sum_l costMs_l * channels_l, so that the term is
 * lambda times the surrogate's latency as a fraction of the latency the gated layers cost at
 * full width (lambda at uniform gates). Layers without a gate or a cost are left out.
 */
export function buildRegularizer(gates: ReadonlyArray<LayerGate | undefined>, costs: readonly number[], lambda: number): GateRegularizer {
  const groups = gates.flatMap((gate, l) => (gate !== undefined && costs[l] > 0 ? [{ params: [...gate.params], channels: gate.channels, costMs: costs[l] }] : []));
  const full = groups.reduce((s, g) => s + g.costMs * g.channels, 0);
  if (groups.length === 0 || !(full > 0)) {
    throw new Error('l1l2: the latency model gives no gated layer a latency cost (pruning any of them saves nothing), so there is nothing for the surrogate to trade: check the latency profile of the policy space');
  }
  return { weight: lambda / full, groups };
}

/** The smallest grid index of `channels` holding at least `count` channels. */
function gridIndex(channels: readonly number[], count: number): number {
  const i = channels.findIndex((c) => c >= count);
  return i < 0 ? channels.length - 1 : i;
}

/**
 * The policy at global threshold `tau`: each gated layer keeps its channels with
 * g[c] / max(g) > tau, rounded up to the layer's grid (at least its smallest keep); an
 * ungated layer keeps everything. Float bits throughout.
 */
export function policyAt(problem: CompressProblem, gates: ReadonlyArray<Float64Array | undefined>, tau: number): CompressPolicy {
  const id = problem.identity();
  const keep = problem.layers.map((layer, l) => {
    const g = gates[l];
    if (g === undefined) return 1;
    const max = g.reduce((a, b) => Math.max(a, b), 0);
    let count = 0;
    for (const v of g) if (max > 0 && v / max > tau) count += 1;
    return layer.keeps[gridIndex(layer.channels, count)];
  });
  return { ...id, keep };
}

export interface PathPoint {
  /** The smallest threshold giving this policy. */
  tau: number;
  policy: CompressPolicy;
}

/**
 * Every distinct policy as tau rises from 0 to 1, in that order: the policy changes only where
 * tau passes a normalised gate value, so those values (and 0) are the path's breakpoints. Each
 * layer's keep only falls along the path.
 */
export function thresholdPath(problem: CompressProblem, gates: ReadonlyArray<Float64Array | undefined>): PathPoint[] {
  const taus = new Set<number>([0]);
  for (const g of gates) {
    if (g === undefined) continue;
    const max = g.reduce((a, b) => Math.max(a, b), 0);
    if (max > 0) for (const v of g) taus.add(v / max);
  }
  const path: PathPoint[] = [];
  for (const tau of [...taus].sort((a, b) => a - b)) {
    const policy = policyAt(problem, gates, tau);
    const last = path[path.length - 1];
    if (last === undefined || JSON.stringify(last.policy.keep) !== JSON.stringify(policy.keep)) path.push({ tau, policy });
  }
  return path;
}

/**
 * The first point of `path` within `maxLatencyMs`, by binary search (latency taken as
 * non-increasing along the path, as every keep only falls); path.length when none is.
 */
export function firstWithinBudget(problem: CompressProblem, path: readonly PathPoint[], maxLatencyMs: number): number {
  let lo = 0;
  let hi = path.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (problem.latencyMs(path[mid].policy) <= maxLatencyMs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
