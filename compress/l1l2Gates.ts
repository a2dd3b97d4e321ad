/**
 * The channel gates of the l1/l2 method: the BatchNorm scales (gamma) that follow the
 * convolutions writing each prunable layer's channels (network slimming's gates: no new
 * parameters, and export is unchanged).
 *
 *   - `mid` layer: the BatchNorm after the block's first convolution (`bn1` of mbconv, fused
 *     and resnet blocks); a plain block has no middle channels, so no gate.
 *   - `stage` layer: the BatchNorms of every convolution that writes the stage's channels - each
 *     block's last (mbconv `bn3`, fused `bn2`, resnet `bn2`, plain `bn`), each resnet projection
 *     shortcut (`bnS`), and the stem (`stem.bn`) when its channels are stage 0's (an elastic stem
 *     as wide as stage 0, as channelSort.ts groups it). The group shares its channels, so its
 *     gate per channel is the mean |gamma| over these BatchNorms.
 *
 * With the channels sorted by these gates (largest first, the same permutation machinery as
 * the weight-magnitude sort), every policy keeps each layer's largest-gate channels.
 */
import { subnetPlan } from '../space/plan.js';
import type { BlockFamily } from '../space/types.js';
import type { ParamInfo } from '../supernet/layers/ParamStore.js';
import { sortChannelsByImportance } from '../supernet/layers/channelSort.js';
import type { PolicySpace } from './policySpace.js';

export interface LayerGate {
  /** The BatchNorm scales (1-D parameters) whose mean |value| per channel is the gate. */
  params: string[];
  /** The layer's channels at keep 1 (the leading entries of each parameter). */
  channels: number;
}

const kLastBn: Readonly<Record<BlockFamily, string>> = Object.freeze({ mbconv: 'bn3', fused: 'bn2', resnet: 'bn2', plain: 'bn' });

/**
 * The gate of each of `policies.layers` (same order) in a supernet of `policies.space` with
 * parameters `layout`; undefined for a layer without channels of its own (a plain block's
 * middle, a stage's depth). Throws when a gate parameter is missing or too short.
 */
export function layerGates(policies: PolicySpace, layout: readonly ParamInfo[]): Array<LayerGate | undefined> {
  const { space } = policies;
  const blocks = subnetPlan(space, policies.toConfig(policies.identity())).blocks;
  const prefix = (slot: number, family: BlockFamily): string => (space.families === undefined ? `blocks.${slot}` : `blocks.${slot}.${family}`);
  const stemIsStage0 = space.families !== undefined && space.stem.widthFromStage === true && space.stem.width === space.stages[0].width;
  const gates = policies.layers.map((layer): LayerGate | undefined => {
    // Removing blocks has no per-channel gate: the surrogate leaves depth as it is.
    if (layer.kind === 'depth') return undefined;
    if (layer.kind === 'mid') {
      const b = blocks[layer.block];
      return b.family === 'plain' ? undefined : { params: [`${prefix(b.slot, b.family)}.bn1.gamma`], channels: layer.outChannels };
    }
    const params = blocks.filter((b) => b.stage === layer.stage).flatMap((b) => {
      const p = prefix(b.slot, b.family);
      return b.shortcut ? [`${p}.${kLastBn[b.family]}.gamma`, `${p}.bnS.gamma`] : [`${p}.${kLastBn[b.family]}.gamma`];
    });
    if (layer.stage === 0 && stemIsStage0) params.unshift('stem.bn.gamma');
    return { params, channels: layer.outChannels };
  });
  const byName = new Map(layout.map((p) => [p.name, p]));
  gates.forEach((gate, i) => {
    for (const name of gate?.params ?? []) {
      const info = byName.get(name);
      if (info === undefined || info.shape.length !== 1 || info.shape[0] < gate!.channels) {
        throw new Error(`l1l2: layer ${policies.layers[i].name}'s gate ${name} is ${info === undefined ? 'not a parameter of the supernet' : `of shape ${JSON.stringify(info.shape)}`}, expected a BatchNorm scale of at least ${gate!.channels} channels`);
      }
    }
  });
  return gates;
}

/** The gate's values g[c] = mean over its parameters of |p[c]|, c < channels, read from flat parameters `params`. */
export function gateValues(params: Float32Array, layout: readonly ParamInfo[], gate: LayerGate): Float64Array {
  const g = new Float64Array(gate.channels);
  for (const name of gate.params) {
    const info = layout.find((p) => p.name === name);
    if (info === undefined) throw new Error(`l1l2: gate parameter ${name} is not in the layout`);
    for (let c = 0; c < gate.channels; c++) g[c] += Math.abs(params[info.offset + c]) / gate.params.length;
  }
  return g;
}

/**
 * Sorts the channels of every gated layer by descending gate (channels past a layer's own,
 * which no policy runs, go last), permuting every weight that carries them in all `arrays`
 * (parameters first) in place; the network computes the same function afterwards. Channel
 * groups without a gate (e.g. an elastic stem narrower than stage 0) keep their order.
 */
export function sortChannelsByGates(policies: PolicySpace, layout: readonly ParamInfo[], arrays: Float32Array[], gates: ReadonlyArray<LayerGate | undefined>): void {
  const owner = new Map<string, number>();
  gates.forEach((gate, i) => gate?.params.forEach((name) => owner.set(name, i)));
  const sorted = new Set<number>();
  sortChannelsByImportance(policies.space, layout, arrays, (group, values) => {
    const found = new Set(group.axes.filter((a) => a.axis === 0 && owner.has(a.name)).map((a) => owner.get(a.name)!));
    if (found.size === 0) return undefined;
    const [i] = found;
    const gate = gates[i]!;
    const inGroup = new Set(group.axes.map((a) => a.name));
    if (found.size > 1 || gate.params.some((name) => !inGroup.has(name))) {
      throw new Error(`l1l2: the gates of ${[...found].map((j) => policies.layers[j].name).join(' and ')} do not match one channel group of the supernet (${gate.params.join(', ')})`);
    }
    const n = layout.find((p) => p.name === gate.params[0])!.shape[0];
    const importance = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    importance.set(gateValues(values, layout, gate));
    sorted.add(i);
    return importance;
  });
  const missed = gates.map((g, i) => (g !== undefined && !sorted.has(i) ? policies.layers[i].name : '')).filter((n) => n !== '');
  if (missed.length > 0) throw new Error(`l1l2: the gates of ${missed.join(', ')} belong to no elastic channel group of the supernet, so their channels cannot be sorted`);
}
