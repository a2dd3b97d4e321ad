/**
 * Uniform crossover over the joint genome: each gene comes from either parent with probability
 * 1/2. A per-slot gene of a block that runs in the child but is skipped in one parent comes
 * from the parent that runs it (the other holds only a canonical placeholder). Genes pass as
 * choice indices, stage genes first: an expand index is read in the family the child's stage
 * took (see space/genome.ts).
 */
import type { Rng } from '../space/rng.js';
import type { SubnetConfig } from '../space/types.js';
import { copyConfig, geneIndex, setGeneIndex, type GeneLayout } from '../space/genome.js';

/** A child of `a` and `b`, canonical (skipped slots at the first choice). The draws come from `rng` in a fixed order. */
export function crossover(layout: GeneLayout, a: SubnetConfig, b: SubnetConfig, rng: Rng): SubnetConfig {
  const child = copyConfig(layout, a);
  for (const g of layout.stageGenes) {
    setGeneIndex(layout, child, g, geneIndex(layout, rng.next() < 0.5 ? a : b, g));
  }
  for (const g of layout.slotGenes) {
    if (g.block >= child.depths[g.stage]) {
      setGeneIndex(layout, child, g, 0);
      continue;
    }
    const inA = g.block < a.depths[g.stage];
    const inB = g.block < b.depths[g.stage];
    const source = inA && inB ? (rng.next() < 0.5 ? a : b) : inA ? a : b;
    setGeneIndex(layout, child, g, geneIndex(layout, source, g));
  }
  return child;
}
