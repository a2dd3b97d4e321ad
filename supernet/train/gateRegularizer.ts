/**
 * The l1/l2 latency surrogate of arXiv 2306.05785 (section 3) as a term of the training loss.
 * Each group l is a set of channels with a gate per channel; its differentiable channel count
 * is the scale-invariant (||g_l||_1 / ||g_l||_2)^2, which is n for n equal gates and 1 for one
 * non-zero gate. The term added to the loss of a training step is
 *
 *   R = weight * sum_l costMs_l * (||g_l||_1 / ||g_l||_2)^2,
 *   g_l[c] = (1 / |P_l|) * sum_{p in P_l} |p[c]|,   c < channels_l,
 *
 * where P_l are the group's parameters (BatchNorm scales of the convolutions writing the
 * channels: network slimming's gates) and costMs_l is the latency one channel of the group
 * costs. Gradients reach every parameter of every group. A group is plain JSON, so it crosses
 * worker threads and lives in a checkpoint's options unchanged. Plain data and arithmetic here
 * (the schedule checks it without tfjs); the loss tensor is built in gateLoss.ts.
 */

export interface GateGroup {
  /** Parameters whose |values| (averaged over the list) gate the group's channels: 1-D, one value per channel. */
  params: string[];
  /** Active channels: the leading `channels` entries of each parameter. */
  channels: number;
  /** Latency per channel of the group (ms): its weight in the surrogate. */
  costMs: number;
}

export interface GateRegularizer {
  /** Multiplies the surrogate (e.g. lambda over the latency the surrogate stands for at full counts). */
  weight: number;
  groups: GateGroup[];
}

/** Keeps the ratio finite when every gate of a group is zero (the count is then 0, not NaN). */
export const kGateEps = 1e-12;

/** Throws naming the first bad field of `reg` (`where` names it, e.g. 'options.phases[0].gateRegularizer'). */
export function checkGateRegularizer(reg: GateRegularizer, where: string): void {
  if (!(Number.isFinite(reg.weight) && reg.weight >= 0)) throw new Error(`${where}.weight must be a finite number >= 0 (got ${reg.weight})`);
  if (!Array.isArray(reg.groups) || reg.groups.length === 0) throw new Error(`${where}.groups must list at least one group of gates`);
  reg.groups.forEach((g, i) => {
    if (!Array.isArray(g.params) || g.params.length === 0 || g.params.some((p) => typeof p !== 'string' || p === '')) {
      throw new Error(`${where}.groups[${i}].params must list parameter names (got ${JSON.stringify(g.params)})`);
    }
    if (!Number.isInteger(g.channels) || g.channels < 1) throw new Error(`${where}.groups[${i}].channels must be a positive integer (got ${g.channels})`);
    if (!(Number.isFinite(g.costMs) && g.costMs >= 0)) throw new Error(`${where}.groups[${i}].costMs must be a finite number >= 0 (got ${g.costMs})`);
  });
}

/** (||g||_1 / ||g||_2)^2 of plain numbers: the surrogate count of active channels. */
export function l1l2Count(g: ArrayLike<number>): number {
  let s = 0;
  let q = 0;
  for (let i = 0; i < g.length; i++) {
    s += Math.abs(g[i]);
    q += g[i] * g[i];
  }
  return (s * s) / (q + kGateEps);
}

