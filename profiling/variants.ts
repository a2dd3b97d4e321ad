/**
 * Every part variant a search space can produce, each with a config that contains it:
 * - the stem at every stem stride and every width ratio of stage 0 (the stem's width when it
 *   follows stage 0), float and at the space's stem bits;
 * - every block slot at every family, stem stride (the block's feature-map size), input width
 *   (the previous stage's ratio for a stage's first block; stage 0's own for the first block,
 *   whose input is the stem), width ratio, expand ratio of the family and kernel, and with bits
 *   every weight/activation precision after a float or a quantized predecessor;
 * - the head after every width of the last stage, at every stem stride, and with bits after a
 *   float or a quantized last block.
 * Keys come from latencyParts on the config's lowering, the same function the latency model
 * uses, so a config's parts are always found in the table; choices that give the same key (the
 * weight widths 4, 6 and 8, a plain block's expand ratios, the stem's width in a space whose
 * stem does not follow stage 0) are measured once.
 */
import { layersOf } from '../space/layers.js';
import { blockSlots, canonicalConfig, smallestConfig, spaceFamilies, stemStrides } from '../space/searchSpace.js';
import { subnetPlan } from '../space/plan.js';
import type { ActBits, FamilySpec, SearchSpace, SubnetConfig, WeightBits } from '../space/types.js';
import { latencyParts, type LatencyPart, type PartKind } from '../latency/latencyParts.js';
import type { PartSpec } from './partGraph.js';

export interface PartVariant {
  key: string;
  kind: PartKind;
  /** A config containing the part, and the part's index among the config's parts. */
  config: SubnetConfig;
  index: number;
}

/** The graph position of part `index` of `config` (lowered as `parts`). */
export function partSpec(space: SearchSpace, config: SubnetConfig, parts: readonly LatencyPart[], index: number): PartSpec {
  const layers = layersOf(space, config);
  const p = parts[index];
  // The lowering lists a part's operators in execution order: the first reads the part's
  // input (a resnet shortcut reads it too, later), the last writes its output.
  const first = layers[p.start];
  const last = layers[p.end - 1];
  return {
    kind: p.kind,
    // The deployed graph names a block's operators by its slot.
    slot: p.kind === 'block' ? subnetPlan(space, config).blocks[p.block].slot : undefined,
    inputShape: [first.inH, first.inW, first.inC],
    outputShape: [last.outH, last.outW, last.outC],
  };
}

interface Precision {
  w: WeightBits;
  a: ActBits;
}

/** Weight and activation choices of a block: one float pair without bits, all pairs with. */
function precisions(space: SearchSpace, bits: boolean): (Precision | undefined)[] {
  if (!bits) return [undefined];
  return space.quant.weightBits.flatMap((w) => space.quant.actBits.map((a) => ({ w, a })));
}

function lastActiveSlot(space: SearchSpace, cfg: SubnetConfig, stage: number): number {
  const slots = blockSlots(space).filter((s) => s.stage === stage && s.block < cfg.depths[stage]);
  return slots[slots.length - 1].slot;
}

/** A copy of `cfg` at stem stride `stride` (a space without elastic stem strides has one). */
function atStemStride(space: SearchSpace, cfg: SubnetConfig, stride: 1 | 2): SubnetConfig {
  const out = structuredClone(cfg);
  if (space.stem.strides !== undefined) out.stemStride = stride;
  return out;
}

/** `cfg` with stage `stage` running `family`, every slot of the stage at the family's first expand ratio (changes `cfg`). */
function setFamily(space: SearchSpace, cfg: SubnetConfig, stage: number, family: FamilySpec): void {
  if (space.families === undefined) return;
  cfg.families![stage] = family.name;
  for (const s of blockSlots(space)) if (s.stage === stage) cfg.expands[s.slot] = family.expands[0];
}

type AddVariant = (config: SubnetConfig, pick: (parts: LatencyPart[]) => number) => void;

/** Every distinct part variant of `space`; `bits: false` for runtimes that run float graphs only. */
export function partVariants(space: SearchSpace, options: { bits: boolean }): PartVariant[] {
  const found = new Map<string, PartVariant>();
  const add: AddVariant = (config, pick) => {
    const cfg = canonicalConfig(space, config);
    const parts = latencyParts(layersOf(space, cfg), { bits: options.bits });
    const index = pick(parts);
    if (index < 0) throw new Error(`internal: part variant config ${JSON.stringify(cfg)} lacks the part it was built for`);
    const key = parts[index].key;
    if (!found.has(key)) found.set(key, { key, kind: parts[index].kind, config: cfg, index });
  };
  const modes = options.bits ? (['fp32', 'mixed'] as const) : (['fp32'] as const);
  const lastStage = space.stages.length - 1;
  for (const quant of modes) {
    const mixed = quant === 'mixed';
    for (const stride of stemStrides(space)) {
      const base = atStemStride(space, smallestConfig(space, { quant }), stride);
      for (const ratio of space.widthRatios) {
        add({ ...base, widths: base.widths.map((r, s) => (s === 0 ? ratio : r)) }, () => 0);
      }
      const preds: (ActBits | undefined)[] = mixed ? [...space.quant.actBits] : [undefined];
      for (const ratio of space.widthRatios) {
        for (const prevA of preds) {
          const cfg = { ...structuredClone(base), widths: base.widths.map((r, s) => (s === lastStage ? ratio : r)) };
          if (prevA !== undefined) cfg.aBits![lastActiveSlot(space, cfg, lastStage)] = prevA;
          add(cfg, (parts) => parts.length - 1);
        }
      }
      for (const slot of blockSlots(space)) addBlockVariants(space, base, slot.slot, mixed, add);
    }
  }
  return [...found.values()];
}

function addBlockVariants(space: SearchSpace, base: SubnetConfig, slotIndex: number, bits: boolean, add: AddVariant): void {
  const slot = blockSlots(space)[slotIndex];
  const stage = space.stages[slot.stage];
  const depth = stage.depths.find((d) => d > slot.block);
  if (depth === undefined) return;
  // The previous stage's width sets a stage's first block's input channels (stage 0's first
  // block reads the stem, whose width follows stage 0's own ratio when it follows at all).
  const inputRatios = slot.block === 0 && slot.stage > 0 ? space.widthRatios : [undefined];
  const preds: (ActBits | undefined)[] = bits && !(slot.block === 0 && slot.stage === 0) ? [...space.quant.actBits] : [undefined];
  for (const family of spaceFamilies(space)) {
    for (const inRatio of inputRatios) {
      for (const ratio of space.widthRatios) {
        for (const expand of new Set(family.expands)) {
          for (const kernel of space.kernels) {
            for (const prec of precisions(space, bits)) {
              for (const prevA of preds) {
                const cfg = structuredClone(base);
                cfg.depths[slot.stage] = depth;
                setFamily(space, cfg, slot.stage, family);
                cfg.widths[slot.stage] = ratio;
                if (inRatio !== undefined) cfg.widths[slot.stage - 1] = inRatio;
                cfg.kernels[slotIndex] = kernel;
                cfg.expands[slotIndex] = expand;
                if (prec !== undefined) {
                  cfg.wBits![slotIndex] = prec.w;
                  cfg.aBits![slotIndex] = prec.a;
                }
                if (prevA !== undefined) {
                  const prev = slot.block > 0 ? slotIndex - 1 : lastActiveSlot(space, cfg, slot.stage - 1);
                  cfg.aBits![prev] = prevA;
                }
                const position = subnetPlan(space, cfg).blocks.findIndex((b) => b.slot === slotIndex);
                add(cfg, (parts) => parts.findIndex((p) => p.kind === 'block' && p.block === position));
              }
            }
          }
        }
      }
    }
  }
}
