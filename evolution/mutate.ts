/**
 * Mutation over the joint genome: each gene is redrawn uniformly from its choices with
 * probability p (OFA's rule; the redraw may give the same value). Stage genes go first; a
 * block slot that a deeper stage brings into play has no meaningful value in the parent (the
 * canonical form parks skipped slots at the first choice), so its genes are drawn fresh
 * rather than inherited - otherwise deeper mutants would be biased to the first choices.
 */
import { canonicalConfig } from '../supernet/space/searchSpace.js';
import type { Rng } from '../supernet/rng.js';
import type { SubnetConfig } from '../supernet/types.js';
import { copyConfig, geneArray, slotActive, type GeneLayout } from './genome.js';

/** A mutated, canonical copy of `parent`. The draws come from `rng` in a fixed order. */
export function mutate(layout: GeneLayout, parent: SubnetConfig, rng: Rng, probability: number): SubnetConfig {
  const child = copyConfig(layout, parent);
  for (const g of layout.stageGenes) {
    if (rng.next() < probability) geneArray(child, g.field)[g.index] = rng.pick(g.choices);
  }
  for (const g of layout.slotGenes) {
    if (!slotActive(layout, child, g.slot)) continue;
    const fresh = !slotActive(layout, parent, g.slot);
    if (fresh || rng.next() < probability) geneArray(child, g.field)[g.index] = rng.pick(g.choices);
  }
  return canonicalConfig(layout.space, child);
}
