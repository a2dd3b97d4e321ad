/**
 * Uniform crossover over the joint genome: each gene comes from either parent with probability
 * 1/2. A per-slot gene of a block that runs in the child but is skipped in one parent comes
 * from the parent that runs it (the other holds only a canonical placeholder).
 */
import { canonicalConfig } from '../supernet/space/searchSpace.js';
import type { Rng } from '../supernet/rng.js';
import type { SubnetConfig } from '../supernet/types.js';
import { copyConfig, geneArray, slotActive, type GeneLayout } from './genome.js';

/** A canonical child of `a` and `b`. The draws come from `rng` in a fixed order. */
export function crossover(layout: GeneLayout, a: SubnetConfig, b: SubnetConfig, rng: Rng): SubnetConfig {
  const child = copyConfig(layout, a);
  for (const g of layout.stageGenes) {
    geneArray(child, g.field)[g.index] = geneArray(rng.next() < 0.5 ? a : b, g.field)[g.index];
  }
  for (const g of layout.slotGenes) {
    if (!slotActive(layout, child, g.slot)) continue;
    const inA = slotActive(layout, a, g.slot);
    const inB = slotActive(layout, b, g.slot);
    const source = inA && inB ? (rng.next() < 0.5 ? a : b) : inA ? a : b;
    geneArray(child, g.field)[g.index] = geneArray(source, g.field)[g.index];
  }
  return canonicalConfig(layout.space, child);
}
