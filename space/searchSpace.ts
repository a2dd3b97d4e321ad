/**
 * The search space as data: block slots, the largest and smallest subnets, seeded sampling,
 * and the canonical form that makes equal subnets compare equal.
 *
 * Per-block arrays of a config have one entry per block slot: stage after stage, each stage
 * contributing as many slots as its largest depth. A stage at depth d runs its first d slots;
 * the rest are skipped.
 */
import type { ActBits, BlockFamily, FamilySpec, SearchSpace, SubnetConfig, WeightBits } from './types.js';
import type { Rng } from './rng.js';

/** One block position of the supernet at its largest depth. */
export interface BlockSlot {
  /** Index into the per-block arrays of a config. */
  slot: number;
  stage: number;
  /** Position of the block inside its stage (0 = the stage's first block). */
  block: number;
  /** Stride of the block's depthwise convolution: the stage stride for block 0, else 1. */
  stride: 1 | 2;
}

/** 'fp32': no bit arrays, float everywhere. 'mixed': per-block weight and activation bits. */
export type QuantMode = 'fp32' | 'mixed';

export interface QuantOptions {
  quant?: QuantMode;
}

export const kDefaultQuantOptions: Required<QuantOptions> = { quant: 'fp32' };

const slotCache = new WeakMap<SearchSpace, readonly BlockSlot[]>();

/** Every block slot of the space, in config order. */
export function blockSlots(space: SearchSpace): readonly BlockSlot[] {
  let slots = slotCache.get(space);
  if (slots === undefined) {
    const list: BlockSlot[] = [];
    space.stages.forEach((stage, s) => {
      const maxDepth = stage.depths[stage.depths.length - 1];
      for (let b = 0; b < maxDepth; b++) {
        list.push({ slot: list.length, stage: s, block: b, stride: b === 0 ? stage.stride : 1 });
      }
    });
    slots = Object.freeze(list);
    slotCache.set(space, slots);
  }
  return slots;
}

/** Whether block slot `slot` runs in `cfg` (its block index is below the stage's depth). */
export function isActiveSlot(space: SearchSpace, cfg: SubnetConfig, slot: number): boolean {
  const s = blockSlots(space)[slot];
  if (s === undefined) {
    throw new RangeError(`slot ${slot} is out of range: the space has ${blockSlots(space).length} block slots`);
  }
  return s.block < cfg.depths[s.stage];
}

const familyCache = new WeakMap<SearchSpace, readonly FamilySpec[]>();

/** The block families of the space, in order; a space without `families` has mbconv alone. */
export function spaceFamilies(space: SearchSpace): readonly FamilySpec[] {
  let families = familyCache.get(space);
  if (families === undefined) {
    families = Object.freeze(space.families ?? [{ name: 'mbconv', expands: space.expands }]);
    familyCache.set(space, families);
  }
  return families;
}

/** The family stage `stage` of `cfg` runs (the first family when the config names none). */
export function stageFamily(space: SearchSpace, cfg: SubnetConfig, stage: number): FamilySpec {
  const families = spaceFamilies(space);
  const name = cfg.families?.[stage];
  return name === undefined ? families[0] : (families.find((f) => f.name === name) as FamilySpec);
}

/** Stem stride choices, ascending (one when the stem is not elastic). */
export function stemStrides(space: SearchSpace): readonly (1 | 2)[] {
  return space.stem.strides ?? [space.stem.stride];
}

/** The stem stride `cfg` runs. */
export function configStemStride(space: SearchSpace, cfg: SubnetConfig): 1 | 2 {
  return cfg.stemStride ?? space.stem.stride;
}

/** Whether the space has genes beyond fashion-mbv3's: a block family per stage or an elastic stem stride. */
export function hasFamilyGenes(space: SearchSpace): boolean {
  return space.families !== undefined || space.stem.strides !== undefined;
}

function quantMode(options: QuantOptions | undefined): QuantMode {
  return { ...kDefaultQuantOptions, ...options }.quant;
}

function first<T>(items: readonly T[]): T {
  return items[0];
}

function last<T>(items: readonly T[]): T {
  return items[items.length - 1];
}

/** A config taking the same end (first or last) of every choice list. */
function extremeConfig(space: SearchSpace, end: <T>(items: readonly T[]) => T, quant: QuantMode): SubnetConfig {
  const n = blockSlots(space).length;
  const cfg: SubnetConfig = {
    depths: space.stages.map((stage) => end(stage.depths)),
    kernels: new Array<number>(n).fill(end(space.kernels)),
    expands: new Array<number>(n).fill(end(space.expands)),
    widths: space.stages.map(() => end(space.widthRatios)),
  };
  if (quant === 'mixed') {
    cfg.wBits = new Array<WeightBits>(n).fill(end(space.quant.weightBits));
    cfg.aBits = new Array<ActBits>(n).fill(end(space.quant.actBits));
  }
  if (hasFamilyGenes(space)) {
    // The largest takes the last family and the smallest stem stride (the most work); the
    // smallest the first family and the largest stride.
    const family = end(spaceFamilies(space));
    const isLargest = end === last;
    cfg.families = space.stages.map(() => family.name);
    cfg.expands = new Array<number>(n).fill(end(family.expands));
    const strides = stemStrides(space);
    cfg.stemStride = isLargest ? strides[0] : strides[strides.length - 1];
  }
  return cfg;
}

/**
 * The largest subnet: deepest, widest, largest kernel and expand ratio. With
 * `{ quant: 'mixed' }` every block also takes the space's highest bit-widths.
 */
export function largestConfig(space: SearchSpace, options?: QuantOptions): SubnetConfig {
  return extremeConfig(space, last, quantMode(options));
}

/**
 * The largest subnet of one block family: every stage takes `family` at its largest expand
 * ratio, everything else as in `largestConfig`.
 */
export function largestOfFamily(space: SearchSpace, family: BlockFamily, options?: QuantOptions): SubnetConfig {
  const spec = spaceFamilies(space).find((f) => f.name === family);
  if (spec === undefined) throw new Error(`space '${space.name}' has no block family '${family}': it has ${spaceFamilies(space).map((f) => f.name).join(', ')}`);
  const cfg = largestConfig(space, options);
  return { ...cfg, families: space.stages.map(() => family), expands: cfg.expands.map(() => last(spec.expands)) };
}

/**
 * The smallest subnet: shallowest, narrowest, smallest kernel and expand ratio. With
 * `{ quant: 'mixed' }` every block also takes the space's lowest bit-widths.
 */
export function smallestConfig(space: SearchSpace, options?: QuantOptions): SubnetConfig {
  return extremeConfig(space, first, quantMode(options));
}

/**
 * The smallest subnet of one block family: every stage takes `family` at its smallest expand
 * ratio, everything else as in `smallestConfig`.
 */
export function smallestOfFamily(space: SearchSpace, family: BlockFamily, options?: QuantOptions): SubnetConfig {
  const spec = spaceFamilies(space).find((f) => f.name === family);
  if (spec === undefined) throw new Error(`space '${space.name}' has no block family '${family}': it has ${spaceFamilies(space).map((f) => f.name).join(', ')}`);
  const cfg = smallestConfig(space, options);
  return { ...cfg, families: space.stages.map(() => family), expands: cfg.expands.map(() => first(spec.expands)) };
}

/**
 * A uniformly random subnet: each stage's depth and width ratio and each slot's kernel and
 * expand ratio (and bits with `{ quant: 'mixed' }`) drawn independently. The result is
 * canonical. The draw order is fixed, so a seed always gives the same config.
 */
export function sampleConfig(space: SearchSpace, rng: Rng, options?: QuantOptions): SubnetConfig {
  return drawConfig(space, rng, quantMode(options), (items) => rng.pick(items));
}

/**
 * A config whose architecture genes come from `pickArch` and whose bits (quant 'mixed') are
 * uniform, in one fixed draw order: depths, widths, then per slot kernel, expand, wBits, aBits.
 */
function drawConfig(space: SearchSpace, rng: Rng, quant: QuantMode, pickArch: <T>(items: readonly T[]) => T): SubnetConfig {
  const cfg: SubnetConfig = {
    depths: space.stages.map((stage) => pickArch(stage.depths)),
    kernels: [],
    expands: [],
    widths: space.stages.map(() => pickArch(space.widthRatios)),
  };
  if (quant === 'mixed') {
    cfg.wBits = [];
    cfg.aBits = [];
  }
  for (let i = 0; i < blockSlots(space).length; i++) {
    cfg.kernels.push(pickArch(space.kernels));
    cfg.expands.push(pickArch(space.expands));
    cfg.wBits?.push(rng.pick(space.quant.weightBits));
    cfg.aBits?.push(rng.pick(space.quant.actBits));
  }
  if (hasFamilyGenes(space)) {
    // Drawn after the genes above, so spaces without these genes keep their streams. The
    // expand gene keeps its index and takes the value of the stage's family.
    const families = spaceFamilies(space);
    cfg.families = space.stages.map(() => rng.pick(families).name);
    cfg.stemStride = pickArch([...stemStrides(space)].reverse());
    for (const s of blockSlots(space)) {
      const index = space.expands.indexOf(cfg.expands[s.slot]);
      cfg.expands[s.slot] = stageFamily(space, cfg, s.stage).expands[index];
    }
  }
  return canonicalConfig(space, cfg);
}

/** How configs are drawn: every gene uniformly, or the size first (see `sampleConfigBySize`). */
export type Sampling = 'uniform' | 'sizes';

/** A choice of the ascending list `items` whose index is Binomial(length - 1, scale). */
function pickAtScale<T>(items: readonly T[], scale: number, rng: Rng): T {
  let index = 0;
  for (let i = 1; i < items.length; i++) if (rng.next() < scale) index++;
  return items[index];
}

/**
 * A config whose size is drawn first: scale ~ U(0, 1), then every architecture gene (depth,
 * kernel, expand, width ratio) takes the choice of index Binomial(k - 1, scale) in its
 * ascending list of k choices. Uniform genes put nearly every config at middling size (the
 * sizes add up like a sum of independent draws); this stream spreads configs from the
 * smallest subnet to the largest, as the search's budgets do, and still reaches every config.
 * Bits (quant 'mixed') stay uniform.
 */
export function sampleConfigBySize(space: SearchSpace, rng: Rng, options?: QuantOptions): SubnetConfig {
  const scale = rng.next();
  return drawConfig(space, rng, quantMode(options), (items) => pickAtScale(items, scale, rng));
}

/** One config of the stream `sampling` names. */
export function sampleConfigWith(sampling: Sampling, space: SearchSpace, rng: Rng, options?: QuantOptions): SubnetConfig {
  return sampling === 'sizes' ? sampleConfigBySize(space, rng, options) : sampleConfig(space, rng, options);
}

/**
 * A copy of `cfg` whose skipped slots hold the first choice of each list, so that two configs
 * describing the same subnet are deep-equal and share a `configKey`.
 */
export function canonicalConfig(space: SearchSpace, cfg: SubnetConfig): SubnetConfig {
  const out: SubnetConfig = {
    depths: [...cfg.depths],
    kernels: [...cfg.kernels],
    expands: [...cfg.expands],
    widths: [...cfg.widths],
  };
  if (cfg.wBits !== undefined) out.wBits = [...cfg.wBits];
  if (cfg.aBits !== undefined) out.aBits = [...cfg.aBits];
  if (cfg.families !== undefined) out.families = [...cfg.families];
  if (cfg.stemStride !== undefined) out.stemStride = cfg.stemStride;
  for (const s of blockSlots(space)) {
    if (s.block < cfg.depths[s.stage]) continue;
    out.kernels[s.slot] = space.kernels[0];
    out.expands[s.slot] = stageFamily(space, cfg, s.stage).expands[0];
    if (out.wBits !== undefined) out.wBits[s.slot] = space.quant.weightBits[0];
    if (out.aBits !== undefined) out.aBits[s.slot] = space.quant.actBits[0];
  }
  return out;
}

/**
 * A stable string naming the subnet `cfg` describes, for de-duplication and caches: equal for
 * configs with the same canonical form, different otherwise. Only active slots appear, stage
 * by stage, e.g. `d2,3|r0.5,1|k3:5,7:3:3|e4:6,3:3:4` (+ `|w..|a..` with bits).
 */
export function configKey(space: SearchSpace, cfg: SubnetConfig): string {
  const slots = blockSlots(space);
  const perStage = (values: readonly number[]): string =>
    space.stages
      .map((_, st) =>
        slots
          .filter((s) => s.stage === st && s.block < cfg.depths[st])
          .map((s) => values[s.slot])
          .join(':'),
      )
      .join(',');
  const parts = [
    `d${cfg.depths.join(',')}`,
    `r${cfg.widths.join(',')}`,
    `k${perStage(cfg.kernels)}`,
    `e${perStage(cfg.expands)}`,
  ];
  if (cfg.wBits !== undefined) parts.push(`w${perStage(cfg.wBits)}`);
  if (cfg.aBits !== undefined) parts.push(`a${perStage(cfg.aBits)}`);
  if (hasFamilyGenes(space)) {
    parts.push(`f${space.stages.map((_, st) => stageFamily(space, cfg, st).name).join(',')}`, `s${configStemStride(space, cfg)}`);
  }
  return parts.join('|');
}
