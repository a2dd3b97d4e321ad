/**
 * A search inside part of a space (`hwnas search --only`): some stage genes - every stage's
 * depth, width ratio or block family, and the stem stride - limited to some of their choices,
 * as OFA's search may take a subset of each elastic dimension. The genome varies the same genes
 * with fewer choices, so mutation, crossover and every member it draws stay inside the part;
 * its members are configs of the whole space (the supernet's), scored, exported and verified
 * as any. A user who knows what the target or the task rules out (say, the stride-2 stem)
 * searches only what is left.
 */
import { copyConfig, geneIndex, setGeneIndex, type Gene, type GeneLayout, type GeneValue } from '../space/genome.js';
import type { Rng } from '../space/rng.js';
import { hasFamilyGenes, spaceFamilies, stemStrides, type QuantMode } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { fullGenome, type SearchGenome } from './searchGenome.js';

/** The stage genes a search can be restricted on, by the name `--only` gives them. */
export const kRestrictableGenes = Object.freeze({ 'stem-stride': 'stemStride', family: 'families', depth: 'depths', width: 'widths' } as const);
type RestrictableName = keyof typeof kRestrictableGenes;
type RestrictableField = (typeof kRestrictableGenes)[RestrictableName];

/** The values each restricted gene may take (plain JSON; a gene not named keeps all its choices). */
export type GeneRestriction = Partial<Record<RestrictableField, GeneValue[]>>;

/** Every value gene `field` takes somewhere in `space` (a stage's depths differ by stage). */
function choicesOf(space: SearchSpace, field: RestrictableField): GeneValue[] {
  if (field === 'stemStride') return [...stemStrides(space)];
  if (field === 'families') return spaceFamilies(space).map((f) => f.name);
  if (field === 'widths') return [...space.widthRatios];
  return [...new Set(space.stages.flatMap((s) => s.depths))].sort((a, b) => a - b);
}

/**
 * Parses `--only NAME=V1,V2` specs (names: stem-stride, family, depth, width) against `space`:
 * every value must be one of the gene's choices and every stage must keep one. Throws naming
 * the spec, the problem and the choices.
 */
export function parseGeneRestrictions(space: SearchSpace, specs: readonly string[]): GeneRestriction {
  const names = Object.keys(kRestrictableGenes).join(', ');
  const out: GeneRestriction = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq) as RestrictableName;
    if (eq < 0 || !(name in kRestrictableGenes)) throw new Error(`--only ${spec}: give NAME=VALUES with NAME one of ${names} (e.g. --only stem-stride=1 --only family=resnet,mbconv)`);
    const field = kRestrictableGenes[name];
    if (out[field] !== undefined) throw new Error(`--only ${name} is given twice: list every allowed value in one (e.g. --only ${name}=a,b)`);
    if (field === 'stemStride' && space.stem.strides === undefined) throw new Error(`--only ${spec}: space '${space.name}' has a fixed stem stride (${space.stem.stride}); drop it`);
    if (field === 'families' && !hasFamilyGenes(space)) throw new Error(`--only ${spec}: space '${space.name}' has no block families; drop it`);
    const choices = choicesOf(space, field);
    const values = spec.slice(eq + 1).split(',').map((v) => v.trim());
    const parsed = values.map((v) => {
      const value = choices.find((c) => (typeof c === 'number' ? v !== '' && c === Number(v) : c === v));
      if (value === undefined) throw new Error(`--only ${spec}: '${v}' is not a ${name} of space '${space.name}' (choices: ${choices.join(', ')})`);
      return value;
    });
    if (field === 'depths') {
      const empty = space.stages.findIndex((s) => !s.depths.some((d) => parsed.includes(d)));
      if (empty >= 0) throw new Error(`--only ${spec}: stage ${empty + 1} has depths ${space.stages[empty].depths.join(', ')}, none of them allowed; add one`);
    }
    out[field] = choices.filter((c) => parsed.includes(c));
  }
  return out;
}

/**
 * `cfg` moved inside the restricted `layout`: each stage gene outside it set to an allowed
 * choice (with `rng`, drawn uniformly; without, `pick`'s); the slots a deeper stage brings into
 * play drawn fresh (without `rng`: their first choice), the others kept, expand genes by index
 * (as mutation does: evolution/mutate.ts).
 */
function moveInside(layout: GeneLayout, cfg: SubnetConfig, rng?: Rng, pick: (g: Gene) => number = () => 0): SubnetConfig {
  const child = copyConfig(layout, cfg);
  for (const g of layout.stageGenes) {
    if (geneIndex(layout, child, g) < 0) setGeneIndex(layout, child, g, rng === undefined ? pick(g) : rng.int(g.choices.length));
  }
  for (const g of layout.slotGenes) {
    if (g.block >= child.depths[g.stage]) setGeneIndex(layout, child, g, 0);
    else if (g.block >= cfg.depths[g.stage]) setGeneIndex(layout, child, g, rng === undefined ? 0 : rng.int(g.choices.length));
    else if (g.field === 'expands') setGeneIndex(layout, child, g, geneIndex(layout, cfg, g));
  }
  return child;
}

/**
 * The genome of `space` in mode `quant` with the stage genes of `only` limited to its values:
 * members drawn as the full genome draws them, then moved inside; the min-latency search starts
 * from the full genome's fast seeds moved inside at the fastest allowed choices (smallest depth
 * and width, largest stem stride; a seed of a family not allowed is dropped).
 */
export function restrictedGenome(space: SearchSpace, quant: QuantMode, only: GeneRestriction): SearchGenome {
  const full = fullGenome(space, quant);
  const stageGenes = full.layout.stageGenes.map((g) => {
    const allowed = only[g.field as RestrictableField];
    if (allowed === undefined) return g;
    const choices = g.choices.filter((c) => allowed.includes(c));
    if (choices.length === 0) throw new RangeError(`the restriction leaves gene ${g.field}[${g.index}] no choice of ${g.choices.join(', ')}`);
    return { ...g, choices };
  });
  const layout: GeneLayout = Object.freeze({ ...full.layout, stageGenes, genes: [...stageGenes, ...full.layout.slotGenes] });
  const fastest = (g: Gene): number => (g.field === 'stemStride' ? g.choices.length - 1 : 0);
  return {
    layout,
    sample: (rng) => moveInside(layout, full.sample(rng), rng),
    fastSeeds: () => {
      const allowedFamilies = only.families;
      const seeds = full.fastSeeds().filter((cfg) => allowedFamilies === undefined || (cfg.families ?? []).every((f) => allowedFamilies.includes(f)));
      const moved = seeds.map((cfg) => moveInside(layout, cfg, undefined, fastest));
      // No allowed family among the seeds' (each is one family throughout): start from the smallest allowed member.
      if (moved.length === 0) moved.push(moveInside(layout, full.fastSeeds()[0], undefined, fastest));
      return moved;
    },
  };
}
