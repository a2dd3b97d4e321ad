/**
 * The joint genome (architecture + width ratios + bits) as a flat list of genes, and its
 * compact encoding: one byte per gene, the index of the gene's value in its choice list.
 *
 * Stage genes come first: depth and width ratio per stage, then - only in spaces with block
 * families or an elastic stem stride (`hasFamilyGenes`) - a block family per stage and the
 * stem stride, after the genes every space has, so a space without them (fashion-mbv3) keeps
 * its genome byte for byte. Per-slot genes follow, slot by slot: kernel, expand and, with
 * `quant: 'mixed'`, weight and activation bits.
 *
 * The expand gene is an index: its value is the expand ratio of that index in the stage's
 * family (every family has as many expand choices as the space's `expands`), so a stage that
 * changes family keeps its blocks' relative expansion. Operators work on choice indices
 * (`geneIndex`, `setGeneIndex`), and stage genes before slot genes, so the family a slot's
 * expand index is read in is always the child's own.
 *
 * The encoding is what crosses to fitness workers: a batch of n configs is one Uint8Array of
 * `n * length` bytes, transferred rather than cloned.
 */
import { blockSlots, configStemStride, hasFamilyGenes, spaceFamilies, stageFamily, stemStrides, type QuantMode } from './searchSpace.js';
import type { ActBits, BlockFamily, SearchSpace, SubnetConfig, WeightBits } from './types.js';

/** Fields of a config holding one number per stage or per block slot. */
export type ArrayField = 'depths' | 'widths' | 'kernels' | 'expands' | 'wBits' | 'aBits';
export type GeneField = ArrayField | 'families' | 'stemStride';
/** A value a gene takes: a number, or a block family's name. */
export type GeneValue = number | BlockFamily;

export interface Gene {
  field: GeneField;
  /** Index into the config's array `field` (0 for the stem stride, a single value). */
  index: number;
  /**
   * Values the gene may take, in the space's order. An expand gene's value in a config is the
   * expand ratio of the same index in its stage's family (these are the first family's).
   */
  choices: readonly GeneValue[];
  /** Block slot of a per-slot gene; -1 for a stage gene. */
  slot: number;
  /** Stage the gene belongs to; -1 for the stem stride. */
  stage: number;
  /** Position of a per-slot gene's block in its stage (it runs when below the stage's depth); -1 for a stage gene. */
  block: number;
}

export interface GeneLayout {
  readonly space: SearchSpace;
  readonly quant: QuantMode;
  readonly stageGenes: readonly Gene[];
  readonly slotGenes: readonly Gene[];
  /** Stage genes, then slot genes: the order of the encoding. */
  readonly genes: readonly Gene[];
  /** Genes per config (bytes per encoded config). */
  readonly length: number;
}

/** The gene list of `space` in quant mode `quant`. */
export function geneLayout(space: SearchSpace, quant: QuantMode): GeneLayout {
  const stageGenes: Gene[] = [];
  space.stages.forEach((stage, s) => {
    stageGenes.push({ field: 'depths', index: s, choices: stage.depths, slot: -1, stage: s, block: -1 });
    stageGenes.push({ field: 'widths', index: s, choices: space.widthRatios, slot: -1, stage: s, block: -1 });
  });
  if (hasFamilyGenes(space)) {
    const families = spaceFamilies(space).map((f) => f.name);
    space.stages.forEach((_, s) => stageGenes.push({ field: 'families', index: s, choices: families, slot: -1, stage: s, block: -1 }));
    stageGenes.push({ field: 'stemStride', index: 0, choices: stemStrides(space), slot: -1, stage: -1, block: -1 });
  }
  const slotGenes: Gene[] = [];
  for (const s of blockSlots(space)) {
    const gene = (field: GeneField, choices: readonly number[]): Gene => ({ field, index: s.slot, choices, slot: s.slot, stage: s.stage, block: s.block });
    slotGenes.push(gene('kernels', space.kernels), gene('expands', space.expands));
    if (quant === 'mixed') slotGenes.push(gene('wBits', space.quant.weightBits), gene('aBits', space.quant.actBits));
  }
  for (const g of [...stageGenes, ...slotGenes]) {
    if (g.choices.length > 256) throw new RangeError(`gene ${g.field}[${g.index}] has ${g.choices.length} choices: at most 256 fit the byte encoding`);
  }
  const genes = [...stageGenes, ...slotGenes];
  return Object.freeze({ space, quant, stageGenes, slotGenes, genes, length: genes.length });
}

/** The array of `cfg` a per-stage or per-slot numeric gene reads and writes. */
export function geneArray(cfg: SubnetConfig, field: ArrayField): number[] {
  const values = cfg[field];
  if (values === undefined) throw new Error(`config has no ${field}: the genome has bits but the config is fp32`);
  return values;
}

/** The values gene `g` takes in `cfg`, by choice index (an expand gene's: its stage family's ratios). */
function valuesOf(layout: GeneLayout, cfg: SubnetConfig, g: Gene): readonly GeneValue[] {
  return g.field === 'expands' ? stageFamily(layout.space, cfg, g.stage).expands : g.choices;
}

/** The value of gene `g` in `cfg` (a family or stem stride the config leaves out: the space's default). */
export function geneValue(layout: GeneLayout, cfg: SubnetConfig, g: Gene): GeneValue {
  if (g.field === 'families') return stageFamily(layout.space, cfg, g.index).name;
  if (g.field === 'stemStride') return configStemStride(layout.space, cfg);
  return geneArray(cfg, g.field)[g.index];
}

/** The choice index of gene `g` in `cfg`, or -1 when its value is not one of the choices. */
export function geneIndex(layout: GeneLayout, cfg: SubnetConfig, g: Gene): number {
  return valuesOf(layout, cfg, g).indexOf(geneValue(layout, cfg, g));
}

/**
 * Sets gene `g` of `cfg` to its choice `k`. An expand gene takes the k-th ratio of its stage's
 * family in `cfg`, so set a stage's family before its slots' expand genes.
 */
export function setGeneIndex(layout: GeneLayout, cfg: SubnetConfig, g: Gene, k: number): void {
  const value = valuesOf(layout, cfg, g)[k];
  if (g.field === 'families') (cfg.families ??= layout.space.stages.map((_, s) => stageFamily(layout.space, cfg, s).name))[g.index] = value as BlockFamily;
  else if (g.field === 'stemStride') cfg.stemStride = value as 1 | 2;
  else geneArray(cfg, g.field)[g.index] = value as number;
}

/** Whether block slot `slot` runs in `cfg`. */
export function slotActive(layout: GeneLayout, cfg: SubnetConfig, slot: number): boolean {
  const s = blockSlots(layout.space)[slot];
  return s.block < cfg.depths[s.stage];
}

/**
 * A deep copy of a config's arrays, keeping or dropping the bits by the layout's quant mode. In
 * a space with family genes the copy names every stage's family and the stem stride (defaults
 * made explicit, as the sampler writes them).
 */
export function copyConfig(layout: GeneLayout, cfg: SubnetConfig): SubnetConfig {
  const out: SubnetConfig = { depths: [...cfg.depths], kernels: [...cfg.kernels], expands: [...cfg.expands], widths: [...cfg.widths] };
  const { space } = layout;
  if (layout.quant === 'mixed') {
    out.wBits = [...geneArray(cfg, 'wBits')] as WeightBits[];
    out.aBits = [...geneArray(cfg, 'aBits')] as ActBits[];
  }
  if (hasFamilyGenes(space)) {
    out.families = space.stages.map((_, s) => stageFamily(space, cfg, s).name);
    out.stemStride = configStemStride(space, cfg);
  }
  return out;
}

/** Encodes configs as choice indices, `layout.length` bytes each. Throws on a value outside the space. */
export function encodeConfigs(layout: GeneLayout, configs: readonly SubnetConfig[]): Uint8Array {
  const { genes, length } = layout;
  const out = new Uint8Array(configs.length * length);
  for (let c = 0; c < configs.length; c++) {
    const cfg = configs[c];
    for (let j = 0; j < length; j++) {
      const g = genes[j];
      const k = geneIndex(layout, cfg, g);
      if (k < 0) {
        const what = g.field === 'stemStride' ? 'stemStride' : `${g.field}[${g.index}]`;
        const family = g.field === 'expands' && layout.space.families !== undefined ? ` (family ${stageFamily(layout.space, cfg, g.stage).name})` : '';
        throw new RangeError(`config ${c}: ${what} = ${geneValue(layout, cfg, g)} is not one of ${valuesOf(layout, cfg, g).join(', ')}${family}`);
      }
      out[c * length + j] = k;
    }
  }
  return out;
}

/** Decodes `encodeConfigs` output back into configs. */
export function decodeConfigs(layout: GeneLayout, bytes: Uint8Array): SubnetConfig[] {
  if (bytes.length % layout.length !== 0) {
    throw new RangeError(`encoded genomes hold ${bytes.length} bytes, not a multiple of the genome length ${layout.length}`);
  }
  const { genes, space } = layout;
  const slots = blockSlots(space).length;
  const stages = space.stages.length;
  const n = bytes.length / layout.length;
  const out: SubnetConfig[] = [];
  for (let c = 0; c < n; c++) {
    const cfg: SubnetConfig = {
      depths: new Array<number>(stages),
      kernels: new Array<number>(slots),
      expands: new Array<number>(slots),
      widths: new Array<number>(stages),
    };
    if (layout.quant === 'mixed') {
      cfg.wBits = new Array<WeightBits>(slots);
      cfg.aBits = new Array<ActBits>(slots);
    }
    if (hasFamilyGenes(space)) {
      // Placeholders, so the keys come in the sampler's order; every gene is set below.
      cfg.families = new Array<BlockFamily>(stages);
      cfg.stemStride = space.stem.stride;
    }
    // Stage genes (families among them) precede slot genes, so expand genes decode in their family.
    genes.forEach((g, j) => {
      const k = bytes[c * layout.length + j];
      if (k >= g.choices.length) throw new RangeError(`encoded config ${c}: ${g.field}[${g.index}] has choice ${k} of ${g.choices.length}`);
      setGeneIndex(layout, cfg, g, k);
    });
    out.push(cfg);
  }
  return out;
}
