/**
 * Mutation over the joint genome: each gene is redrawn uniformly from its choices with
 * probability p (OFA's rule; the redraw may give the same value). Stage genes go first; a
 * block slot that a deeper stage brings into play has no meaningful value in the parent (the
 * canonical form parks skipped slots at the first choice), so its genes are drawn fresh
 * rather than inherited - otherwise deeper mutants would be biased to the first choices.
 */
import type { Rng } from '../space/rng.js';
import type { SubnetConfig } from '../space/types.js';
import { copyConfig, geneArray, type GeneLayout } from '../space/genome.js';

/** A mutated copy of `parent`, canonical (skipped slots at the first choice). The draws come from `rng` in a fixed order. */
export function mutate(layout: GeneLayout, parent: SubnetConfig, rng: Rng, probability: number): SubnetConfig {
  const child = copyConfig(layout, parent);
  for (const g of layout.stageGenes) {
    if (rng.next() < probability) geneArray(child, g.field)[g.index] = rng.pick(g.choices);
  }
  for (const g of layout.slotGenes) {
    const values = geneArray(child, g.field);
    if (g.block >= child.depths[g.stage]) values[g.index] = g.choices[0];
    else if (g.block >= parent.depths[g.stage] || rng.next() < probability) values[g.index] = rng.pick(g.choices);
  }
  return child;
}
