/**
 * The elastic channel groups of a supernet with block families (see channelSort.ts): each
 * block's middle channels per family (a plain block has none), and each stage's output channels - written by every
 * family's blocks of the stage (and their projection shortcuts), read by every family's next
 * blocks, and by the head or the classifier. With an elastic stem that feeds the first stage
 * identically (ResNet's identity shortcut), the stem's channels join the first stage's group.
 */
import type { BlockFamily, SearchSpace } from '../../space/types.js';
import { blockSlots, spaceFamilies, type BlockSlot } from '../../space/searchSpace.js';
import type { ParamInfo } from './ParamStore.js';

export interface AxisRef {
  name: string;
  axis: number;
}

export interface ChannelGroup {
  /** Axes whose weights' L1 norms rank the channels. */
  readers: AxisRef[];
  /** Every axis that carries the channels (readers included). */
  axes: AxisRef[];
}

const bnAxes = (prefix: string): AxisRef[] => [{ name: `${prefix}.gamma`, axis: 0 }, { name: `${prefix}.beta`, axis: 0 }];

/** Middle channels of one block: readers and axes (none for plain, which has no middle). */
function middle(family: BlockFamily, p: string): ChannelGroup[] {
  switch (family) {
    case 'mbconv': {
      const reader = { name: `${p}.project.weight`, axis: 0 };
      return [{
        readers: [reader],
        axes: [{ name: `${p}.expand.weight`, axis: 1 }, ...bnAxes(`${p}.bn1`), { name: `${p}.dw.weight`, axis: 2 }, ...bnAxes(`${p}.bn2`), reader],
      }];
    }
    case 'fused': {
      const reader = { name: `${p}.project.weight`, axis: 0 };
      return [{ readers: [reader], axes: [{ name: `${p}.expand.weight`, axis: 3 }, ...bnAxes(`${p}.bn1`), reader] }];
    }
    case 'resnet': {
      const reader = { name: `${p}.conv2.weight`, axis: 2 };
      return [{ readers: [reader], axes: [{ name: `${p}.conv1.weight`, axis: 3 }, ...bnAxes(`${p}.bn1`), reader] }];
    }
    case 'plain':
      return [];
  }
}

/** Axes that write a block's output channels. */
function outputs(family: BlockFamily, p: string, has: (name: string) => boolean): AxisRef[] {
  switch (family) {
    case 'mbconv': return [{ name: `${p}.project.weight`, axis: 1 }, ...bnAxes(`${p}.bn3`)];
    case 'fused': return [{ name: `${p}.project.weight`, axis: 1 }, ...bnAxes(`${p}.bn2`)];
    case 'resnet': {
      const out = [{ name: `${p}.conv2.weight`, axis: 3 }, ...bnAxes(`${p}.bn2`)];
      if (has(`${p}.shortcut.weight`)) out.push({ name: `${p}.shortcut.weight`, axis: 3 }, ...bnAxes(`${p}.bnS`));
      return out;
    }
    case 'plain': return [{ name: `${p}.conv.weight`, axis: 3 }, ...bnAxes(`${p}.bn`)];
  }
}

/** Axes that read a block's input channels. */
function inputs(family: BlockFamily, p: string, has: (name: string) => boolean): AxisRef[] {
  switch (family) {
    case 'mbconv': return [{ name: `${p}.expand.weight`, axis: 0 }];
    case 'fused': return [{ name: `${p}.expand.weight`, axis: 2 }];
    case 'resnet': {
      const out = [{ name: `${p}.conv1.weight`, axis: 2 }];
      if (has(`${p}.shortcut.weight`)) out.push({ name: `${p}.shortcut.weight`, axis: 2 });
      return out;
    }
    case 'plain': return [{ name: `${p}.conv.weight`, axis: 2 }];
  }
}

export function familyChannelGroups(space: SearchSpace, layout: readonly ParamInfo[]): ChannelGroup[] {
  const names = new Set(layout.map((p) => p.name));
  const has = (name: string): boolean => names.has(name);
  const families = spaceFamilies(space).map((f) => f.name);
  const slots = blockSlots(space);
  const prefix = (slot: BlockSlot, family: BlockFamily): string => `blocks.${slot.slot}.${family}`;
  const readersOf = (slot: BlockSlot | undefined): AxisRef[] => {
    if (slot !== undefined) return families.flatMap((f) => inputs(f, prefix(slot, f), has));
    return [{ name: space.head.width > 0 ? 'head.weight' : 'classifier.weight', axis: 0 }];
  };
  const groups: ChannelGroup[] = slots.flatMap((slot) => families.flatMap((f) => middle(f, prefix(slot, f))));
  const stemAxes: AxisRef[] = [{ name: 'stem.weight', axis: 3 }, ...bnAxes('stem.bn')];
  const first = slots.find((sl) => sl.stage === 0 && sl.block === 0);
  const stemJoinsStage = space.stem.widthFromStage === true && space.stem.width === space.stages[0].width;
  if (space.stem.widthFromStage === true && !stemJoinsStage) {
    const readers = readersOf(first);
    groups.push({ readers, axes: [...stemAxes, ...readers] });
  }
  space.stages.forEach((_, s) => {
    const inStage = slots.filter((sl) => sl.stage === s);
    const readers = [...inStage.slice(1).flatMap((sl) => readersOf(sl)), ...readersOf(slots.find((sl) => sl.stage === s + 1 && sl.block === 0))];
    const axes = [...readers, ...inStage.flatMap((sl) => families.flatMap((f) => outputs(f, prefix(sl, f), has)))];
    if (s === 0 && stemJoinsStage) {
      readers.push(...readersOf(first));
      axes.push(...stemAxes, ...readersOf(first));
    }
    groups.push({ readers, axes });
  });
  return groups;
}
