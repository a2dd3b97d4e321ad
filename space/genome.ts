/**
 * The joint genome (architecture + width ratios + bits) as a flat list of genes, and its
 * compact encoding: one byte per gene, the index of the gene's value in its choice list. Stage
 * genes (depth and width ratio per stage) come first, then per-slot genes (kernel, expand and,
 * with `quant: 'mixed'`, weight and activation bits per block slot), slot by slot.
 *
 * The encoding is what crosses to fitness workers: a batch of n configs is one Uint8Array of
 * `n * length` bytes, transferred rather than cloned.
 */
import { blockSlots, type QuantMode } from './searchSpace.js';
import type { ActBits, SearchSpace, SubnetConfig, WeightBits } from './types.js';

export type GeneField = 'depths' | 'widths' | 'kernels' | 'expands' | 'wBits' | 'aBits';

export interface Gene {
  field: GeneField;
  /** Index into the config's array `field`. */
  index: number;
  /** Values the gene may take, in the space's order. */
  choices: readonly number[];
  /** Block slot of a per-slot gene; -1 for a stage gene. */
  slot: number;
  /** Stage the gene belongs to. */
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

/** The array of `cfg` a gene reads and writes. */
export function geneArray(cfg: SubnetConfig, field: GeneField): number[] {
  const values = cfg[field];
  if (values === undefined) throw new Error(`config has no ${field}: the genome has bits but the config is fp32`);
  return values;
}

/** Whether block slot `slot` runs in `cfg`. */
export function slotActive(layout: GeneLayout, cfg: SubnetConfig, slot: number): boolean {
  const s = blockSlots(layout.space)[slot];
  return s.block < cfg.depths[s.stage];
}

/** A deep copy of a config's arrays, keeping or dropping the bits by the layout's quant mode. */
export function copyConfig(layout: GeneLayout, cfg: SubnetConfig): SubnetConfig {
  const out: SubnetConfig = { depths: [...cfg.depths], kernels: [...cfg.kernels], expands: [...cfg.expands], widths: [...cfg.widths] };
  if (layout.quant === 'mixed') {
    out.wBits = [...geneArray(cfg, 'wBits')] as WeightBits[];
    out.aBits = [...geneArray(cfg, 'aBits')] as ActBits[];
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
      const value = geneArray(cfg, g.field)[g.index];
      const k = g.choices.indexOf(value);
      if (k < 0) throw new RangeError(`config ${c}: ${g.field}[${g.index}] = ${value} is not one of ${g.choices.join(', ')}`);
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
  const { genes } = layout;
  const slots = blockSlots(layout.space).length;
  const stages = layout.space.stages.length;
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
    genes.forEach((g, j) => {
      const k = bytes[c * layout.length + j];
      if (k >= g.choices.length) throw new RangeError(`encoded config ${c}: ${g.field}[${g.index}] has choice ${k} of ${g.choices.length}`);
      geneArray(cfg, g.field)[g.index] = g.choices[k];
    });
    out.push(cfg);
  }
  return out;
}
