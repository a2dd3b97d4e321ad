/**
 * What an EvolutionFinder varies. The full genome (the default) is every gene of the space;
 * a bits-only genome keeps one architecture (depths, widths, kernels, expand ratios) fixed and
 * varies only the weight and activation bits of its running blocks - the second stage of a
 * separate "architecture first, then bits" search. Mutation and crossover change only the
 * layout's genes, so every config the finder makes stays in the genome it was given.
 */
import type { Rng } from '../space/rng.js';
import { canonicalConfig, sampleConfig, smallestConfig, smallestOfFamily, spaceFamilies, type QuantMode } from '../space/searchSpace.js';
import { hasFloatBits, withUniformBits } from '../space/bits.js';
import { kFloatBits, type ActBits, type SearchSpace, type SubnetConfig, type WeightBits } from '../space/types.js';
import { copyConfig, geneLayout, setGeneIndex, type GeneLayout } from '../space/genome.js';

export interface SearchGenome {
  /** The genes the search may change (mutation, crossover, cache keys). */
  readonly layout: GeneLayout;
  /** A random member, canonical; its draws come from `rng` in a fixed order. */
  sample(rng: Rng): SubnetConfig;
  /** The members a min-latency search starts from (those likely fastest). */
  fastSeeds(): SubnetConfig[];
}

/** `base` at each uniform (weight, activation) bit-width pair of the space, canonical. */
function uniformBitSeeds(space: SearchSpace, base: SubnetConfig): SubnetConfig[] {
  return space.quant.weightBits.flatMap((w) => space.quant.actBits.map((a) => canonicalConfig(space, withUniformBits(space, base, w, a))));
}

/**
 * Share of the float model among a 'mixed' genome's random members. The float model is one
 * corner of the joint genome (every running block at 32 bits, see deployedConfig); uniform bits
 * would reach it with probability 1/8 per block, i.e. never, although on a CPU without fast int8
 * kernels it is often the fastest model per accuracy. Half the draws are float architectures,
 * half architectures with uniformly drawn bits, so the search starts from both regions.
 */
export const kFloatShare = 0.5;

/** A random member of `space` in mode `quant`: with 'mixed', the float model with probability kFloatShare (when the space has float bits). */
export function sampleMember(space: SearchSpace, rng: Rng, quant: QuantMode): SubnetConfig {
  if (quant === 'mixed' && hasFloatBits(space) && rng.next() < kFloatShare) {
    return canonicalConfig(space, withUniformBits(space, sampleConfig(space, rng), kFloatBits as WeightBits, kFloatBits as ActBits));
  }
  return sampleConfig(space, rng, { quant });
}

/**
 * Every gene of `space` (bits too with 'mixed', whose all-32-bit corner is the float model);
 * the min-latency search starts from the smallest architecture (of each block family, in a
 * space with families: which family is fastest depends on the target).
 */
export function fullGenome(space: SearchSpace, quant: QuantMode): SearchGenome {
  return {
    layout: geneLayout(space, quant),
    sample: (rng) => sampleMember(space, rng, quant),
    fastSeeds: () => {
      const smallest = space.families === undefined ? [smallestConfig(space, { quant })] : spaceFamilies(space).map((f) => smallestOfFamily(space, f.name, { quant }));
      return quant === 'fp32' ? smallest : smallest.flatMap((cfg) => uniformBitSeeds(space, cfg));
    },
  };
}

/**
 * The weight and activation bits of `architecture`'s running blocks, the rest of it fixed
 * (its own bits, if any, are ignored). A 'mixed' genome: every member has bits, and the stem
 * and classifier take the space's fixed bits. The min-latency search starts from the
 * architecture at each uniform bit-width pair.
 */
export function bitsGenome(space: SearchSpace, architecture: SubnetConfig): SearchGenome {
  const full = geneLayout(space, 'mixed');
  const base = canonicalConfig(space, withUniformBits(space, architecture, space.quant.weightBits[0], space.quant.actBits[0]));
  const slotGenes = full.slotGenes.filter((g) => (g.field === 'wBits' || g.field === 'aBits') && g.block < base.depths[g.stage]);
  const layout: GeneLayout = Object.freeze({ space, quant: 'mixed', stageGenes: [], slotGenes, genes: slotGenes, length: slotGenes.length });
  return {
    layout,
    sample: (rng) => {
      const cfg = copyConfig(layout, base);
      for (const g of slotGenes) setGeneIndex(layout, cfg, g, rng.int(g.choices.length));
      return cfg;
    },
    fastSeeds: () => uniformBitSeeds(space, base),
  };
}
