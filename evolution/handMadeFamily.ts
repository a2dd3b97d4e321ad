/**
 * The hand-made baseline: a model family as a person would scale one by hand (MobileNet-style),
 * with no per-block choices. Every running block takes the same kernel, the same expand ratio
 * and the same bit-widths; every stage the same width ratio and its largest depth. With
 * `depths: 'uniform'` the family is scaled by depth too: at depth level i every stage runs its
 * i-th depth choice (its largest when it has fewer choices), from the shallowest level up.
 * In a space with block families every stage takes the same family and the expand ratio of
 * the same index in it, at each stem stride: ResNet-8 and ResNet-14 are members of
 * fashion-hybrid's family.
 */
import { withUniformBits } from '../space/bits.js';
import { blockSlots, canonicalConfig, hasFamilyGenes, spaceFamilies, stemStrides } from '../space/searchSpace.js';
import type { ActBits, BlockFamily, SearchSpace, SubnetConfig, WeightBits } from '../space/types.js';

/** Bit-widths of every block of a member: 'fp32' (a float model, no bits) or a (weight, activation) pair. */
export type UniformBits = 'fp32' | { w: WeightBits; a: ActBits };

export interface FamilyOptions {
  /** The bit-widths members take, each a member of its own (e.g. ['fp32', { w: 8, a: 8 }]). */
  bits: readonly UniformBits[];
  /** 'max': every stage at its largest depth; 'uniform': also every uniform depth level below. */
  depths: 'max' | 'uniform';
}

/** Per stage, the depth at each level (level i: the stage's i-th choice, capped at its last). */
function depthLevels(space: SearchSpace, depths: FamilyOptions['depths']): number[][] {
  const levels = Math.max(...space.stages.map((s) => s.depths.length));
  const all = Array.from({ length: levels }, (_, i) => space.stages.map((s) => s.depths[Math.min(i, s.depths.length - 1)]));
  return depths === 'max' ? [all[levels - 1]] : all;
}

/** A whole network's block family and stem stride (absent in a space without family genes) and its expand ratios. */
interface Variant {
  family?: BlockFamily;
  stemStride?: 1 | 2;
  expands: readonly number[];
}

function variants(space: SearchSpace): Variant[] {
  if (!hasFamilyGenes(space)) return [{ expands: space.expands }];
  return spaceFamilies(space).flatMap((f) => stemStrides(space).map((stemStride) => ({ family: f.name, stemStride, expands: f.expands })));
}

/**
 * Every member of the family, canonical, in order of depth level, width ratio, block family and
 * stem stride (spaces with family genes), kernel, expand ratio and bits:
 * |levels| x |widthRatios| (x |families| x |stem strides|) x |kernels| x |expands| x |bits| configs.
 * Throws on a bit pair the space does not offer or an empty `bits`.
 */
export function handMadeFamily(space: SearchSpace, options: FamilyOptions): SubnetConfig[] {
  if (options.bits.length === 0) throw new RangeError("options.bits must name at least one bit-width ('fp32' or { w, a })");
  if (options.depths !== 'max' && options.depths !== 'uniform') throw new RangeError(`options.depths must be 'max' or 'uniform' (got ${String(options.depths)})`);
  const slots = blockSlots(space).length;
  const out: SubnetConfig[] = [];
  for (const depths of depthLevels(space, options.depths)) {
    for (const ratio of space.widthRatios) {
      for (const variant of variants(space)) {
        for (const kernel of space.kernels) {
          for (const expand of variant.expands) {
            const float: SubnetConfig = {
              depths: [...depths],
              kernels: new Array<number>(slots).fill(kernel),
              expands: new Array<number>(slots).fill(expand),
              widths: space.stages.map(() => ratio),
            };
            if (variant.family !== undefined) float.families = space.stages.map(() => variant.family as BlockFamily);
            if (variant.stemStride !== undefined) float.stemStride = variant.stemStride;
            for (const bits of options.bits) {
              out.push(canonicalConfig(space, bits === 'fp32' ? float : withUniformBits(space, float, bits.w, bits.a)));
            }
          }
        }
      }
    }
  }
  return out;
}
