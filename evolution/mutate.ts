/**
 * Mutation over the joint genome: each gene is redrawn uniformly from its choices with
 * probability p (OFA's rule; the redraw may give the same value). Stage genes go first; a
 * block slot that a deeper stage brings into play has no meaningful value in the parent (the
 * canonical form parks skipped slots at the first choice), so its genes are drawn fresh
 * rather than inherited - otherwise deeper mutants would be biased to the first choices.
 * Genes are handled as choice indices: a slot whose stage changed family keeps its expand
 * index, read in the new family (see space/genome.ts).
 */
import type { Rng } from '../space/rng.js';
import type { SubnetConfig } from '../space/types.js';
import { copyConfig, geneIndex, setGeneIndex, type GeneLayout } from '../space/genome.js';

/** A mutated copy of `parent`, canonical (skipped slots at the first choice). The draws come from `rng` in a fixed order. */
export function mutate(layout: GeneLayout, parent: SubnetConfig, rng: Rng, probability: number): SubnetConfig {
  const child = copyConfig(layout, parent);
  for (const g of layout.stageGenes) {
    if (rng.next() < probability) setGeneIndex(layout, child, g, rng.int(g.choices.length));
  }
  for (const g of layout.slotGenes) {
    if (g.block >= child.depths[g.stage]) setGeneIndex(layout, child, g, 0);
    else if (g.block >= parent.depths[g.stage] || rng.next() < probability) setGeneIndex(layout, child, g, rng.int(g.choices.length));
    else if (g.field === 'expands') setGeneIndex(layout, child, g, geneIndex(layout, parent, g));
  }
  return child;
}
