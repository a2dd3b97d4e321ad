/**
 * OFA's channel re-organisation for elastic width: before smaller widths are trained, the
 * channels of every elastic dimension are sorted by importance (L1 norm of the weights that
 * read them), so each width keeps the most important channels as its prefix. Every weight
 * that writes or reads a channel is permuted the same way (and so are the optimizer's slots),
 * so the largest subnet computes exactly the same function afterwards.
 *
 * Elastic dimensions: each block's middle channels (read by its project conv), and each
 * stage's output channels (written by every block of the stage, read by the later blocks'
 * expand convs and by the next stage's first block or the head).
 */
import type { SearchSpace } from '../../space/types.js';
import { blockSlots } from '../../space/searchSpace.js';
import type { ParamInfo } from './ParamStore.js';
import { familyChannelGroups, type AxisRef, type ChannelGroup } from './familyChannelGroups.js';

/**
 * Another measure of a group's channel importance (one value per channel, larger first), read
 * from the parameters `values`; undefined leaves the group's channels in their order.
 */
export type ChannelImportance = (group: ChannelGroup, values: Float32Array) => Float64Array | undefined;

function infoOf(layout: readonly ParamInfo[], name: string): ParamInfo | undefined {
  return layout.find((p) => p.name === name);
}

/** Strides (in elements) of a row-major shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Adds |w| summed over every axis but `axis` into `into` (one entry per channel). */
export function addL1(values: Float32Array, info: ParamInfo, axis: number, into: Float64Array): void {
  const st = strides(info.shape);
  const n = info.shape[axis];
  for (let i = 0; i < info.size; i++) {
    const c = Math.floor(i / st[axis]) % n;
    into[c] += Math.abs(values[info.offset + i]);
  }
}

/** Permutes `axis` of parameter `info` in `values`: new channel k takes old channel perm[k]. */
function permuteAxis(values: Float32Array, info: ParamInfo, axis: number, perm: Int32Array): void {
  const st = strides(info.shape);
  const n = info.shape[axis];
  const src = values.slice(info.offset, info.offset + info.size);
  for (let i = 0; i < info.size; i++) {
    const c = Math.floor(i / st[axis]) % n;
    const from = i + (perm[c] - c) * st[axis];
    values[info.offset + i] = src[from];
  }
}

/** The channel groups of the supernet: who reads them (importance) and every axis that carries them. */
function channelGroups(space: SearchSpace, layout: readonly ParamInfo[]): Array<{ readers: AxisRef[]; axes: AxisRef[] }> {
  if (space.families !== undefined) return familyChannelGroups(space, layout);
  const groups: Array<{ readers: AxisRef[]; axes: AxisRef[] }> = [];
  const slots = blockSlots(space);
  for (const slot of slots) {
    const p = `blocks.${slot.slot}`;
    const axes: AxisRef[] = [
      { name: `${p}.expand.weight`, axis: 1 }, { name: `${p}.bn1.gamma`, axis: 0 }, { name: `${p}.bn1.beta`, axis: 0 },
      { name: `${p}.dw.weight`, axis: 2 }, { name: `${p}.bn2.gamma`, axis: 0 }, { name: `${p}.bn2.beta`, axis: 0 },
      { name: `${p}.project.weight`, axis: 0 },
    ];
    if (infoOf(layout, `${p}.se.w1`)) {
      axes.push({ name: `${p}.se.w1`, axis: 0 }, { name: `${p}.se.w2`, axis: 1 }, { name: `${p}.se.b2`, axis: 0 });
    }
    groups.push({ readers: [{ name: `${p}.project.weight`, axis: 0 }], axes });
  }
  space.stages.forEach((_, s) => {
    const inStage = slots.filter((sl) => sl.stage === s);
    const next = slots.find((sl) => sl.stage === s + 1 && sl.block === 0);
    const readers: AxisRef[] = inStage.slice(1).map((sl) => ({ name: `blocks.${sl.slot}.expand.weight`, axis: 0 }));
    readers.push(next ? { name: `blocks.${next.slot}.expand.weight`, axis: 0 } : { name: 'head.weight', axis: 0 });
    const axes: AxisRef[] = [...readers];
    for (const sl of inStage) {
      const p = `blocks.${sl.slot}`;
      axes.push({ name: `${p}.project.weight`, axis: 1 }, { name: `${p}.bn3.gamma`, axis: 0 }, { name: `${p}.bn3.beta`, axis: 0 });
    }
    groups.push({ readers, axes });
  });
  return groups;
}

/**
 * Sorts every elastic channel dimension by importance, measured on `arrays[0]` (the
 * parameters) by `measure` (default: the L1 norm of the weights that read the channels);
 * permutes all `arrays` (parameters and optimizer slots with the same layout) in place.
 * Returns the number of channel groups sorted.
 */
export function sortChannelsByImportance(space: SearchSpace, layout: readonly ParamInfo[], arrays: Float32Array[], measure?: ChannelImportance): number {
  const groups = channelGroups(space, layout);
  const need = (name: string): ParamInfo => {
    const info = infoOf(layout, name);
    if (!info) throw new Error(`channel sort: parameter '${name}' is missing from the layout`);
    return info;
  };
  let sorted = 0;
  for (const group of groups) {
    const { readers, axes } = group;
    const first = need(readers[0].name);
    const n = first.shape[readers[0].axis];
    let importance = measure?.(group, arrays[0]);
    if (measure !== undefined && importance === undefined) continue;
    if (importance !== undefined && importance.length !== n) throw new Error(`channel sort: the importance measure gave ${importance.length} values for ${n} channels of ${readers[0].name}`);
    if (importance === undefined) {
      importance = new Float64Array(n);
      for (const r of readers) addL1(arrays[0], need(r.name), r.axis, importance);
    }
    const by = importance;
    const perm = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => by[b] - by[a] || a - b);
    for (const a of axes) {
      const info = need(a.name);
      if (info.shape[a.axis] !== n) throw new Error(`channel sort: ${a.name} axis ${a.axis} has ${info.shape[a.axis]} channels, expected ${n}`);
      for (const values of arrays) permuteAxis(values, info, a.axis, perm);
    }
    sorted += 1;
  }
  return sorted;
}
