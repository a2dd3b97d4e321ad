/**
 * The smallest space that still holds one config: each stage at the config's depth, and only
 * the kernels, expand ratios (by index, per family), width ratios, families and stem stride
 * the config uses. A network trained on its own (`hwnas train --config`) is trained as the
 * supernet of this space, so its checkpoint holds that network's weights and no others.
 */
import { canonicalConfig, blockSlots, spaceFamilies, stageFamily } from './searchSpace.js';
import type { SearchSpace, SubnetConfig } from './types.js';

/** The suffix of a reduced space's name: `fashion-hybrid-standalone`. */
const kStandaloneSuffix = '-standalone';

/** Whether `space` is the reduced space of one config (a network trained on its own: configSpace). */
export function isStandaloneSpace(space: Pick<SearchSpace, 'name'>): boolean {
  return space.name.endsWith(kStandaloneSuffix);
}

/** The name of the space a standalone network's reduced space came from. */
export function parentSpaceName(space: Pick<SearchSpace, 'name'>): string {
  return isStandaloneSpace(space) ? space.name.slice(0, -kStandaloneSuffix.length) : space.name;
}

const distinctSorted = (values: Iterable<number>): number[] => [...new Set(values)].sort((a, b) => a - b);

/** The reduced space of `cfg` (valid in `space`) and the config re-indexed for it. */
export function configSpace(space: SearchSpace, cfg: SubnetConfig): { space: SearchSpace; config: SubnetConfig } {
  const active = blockSlots(space).filter((s) => s.block < cfg.depths[s.stage]);
  const expandIndex = (slot: number, stage: number): number => stageFamily(space, cfg, stage).expands.indexOf(cfg.expands[slot]);
  const kernels = distinctSorted(active.map((s) => cfg.kernels[s.slot]));
  const indices = distinctSorted(active.map((s) => expandIndex(s.slot, s.stage)));
  const usedFamilies = new Set(space.stages.map((_, st) => stageFamily(space, cfg, st).name));
  const families = spaceFamilies(space)
    .filter((f) => usedFamilies.has(f.name))
    .map((f) => ({ name: f.name, expands: indices.map((i) => f.expands[i]) }));
  const reduced: SearchSpace = {
    ...space,
    // A reduced space reduced again (a standalone network's own space) keeps its name.
    name: isStandaloneSpace(space) ? space.name : `${space.name}${kStandaloneSuffix}`,
    stem: space.stem.strides === undefined
      ? { ...space.stem }
      : { ...space.stem, stride: cfg.stemStride ?? space.stem.stride, strides: [cfg.stemStride ?? space.stem.stride] },
    stages: space.stages.map((stage, st) => ({ ...stage, depths: [cfg.depths[st]] })),
    kernels,
    expands: families[0].expands,
    widthRatios: distinctSorted(cfg.widths),
    ...(space.families === undefined ? {} : { families }),
  };
  const config: SubnetConfig = {
    depths: [...cfg.depths],
    kernels: active.map((s) => cfg.kernels[s.slot]),
    expands: active.map((s) => cfg.expands[s.slot]),
    widths: [...cfg.widths],
  };
  if (cfg.wBits !== undefined) config.wBits = active.map((s) => cfg.wBits![s.slot]);
  if (cfg.aBits !== undefined) config.aBits = active.map((s) => cfg.aBits![s.slot]);
  if (cfg.families !== undefined) config.families = [...cfg.families];
  if (cfg.stemStride !== undefined) config.stemStride = cfg.stemStride;
  return { space: reduced, config: canonicalConfig(reduced, config) };
}
