/**
 * Every part variant a search space can produce, each with a config that contains it: the
 * stem (float, and at the space's stem bits), every block at every slot (input channels from
 * the previous stage's width choices, expand, kernel, this stage's width, and with bits every
 * weight/activation precision after a float or a quantized predecessor), and the head after
 * every width of the last stage. Keys come from latencyParts on the config's lowering, the
 * same function the latency model uses, so a config's parts are always found in the table.
 */
import { layersOf } from '../space/layers.js';
import { blockSlots, canonicalConfig, smallestConfig } from '../space/searchSpace.js';
import { subnetPlan } from '../space/plan.js';
import type { ActBits, SearchSpace, SubnetConfig, WeightBits } from '../space/types.js';
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
  const first = layers[p.start];
  const last = layers[p.end - 1];
  return {
    kind: p.kind,
    slot: p.kind === 'block' ? subnetPlan(space, config).blocks[index - 1].slot : undefined,
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

/** Every distinct part variant of `space`; `bits: false` for runtimes that run float graphs only. */
export function partVariants(space: SearchSpace, options: { bits: boolean }): PartVariant[] {
  const found = new Map<string, PartVariant>();
  const add = (config: SubnetConfig, pick: (parts: LatencyPart[]) => number) => {
    const cfg = canonicalConfig(space, config);
    const parts = latencyParts(layersOf(space, cfg), { bits: options.bits });
    const index = pick(parts);
    const key = parts[index].key;
    if (!found.has(key)) found.set(key, { key, kind: parts[index].kind, config: cfg, index });
  };
  const modes = options.bits ? (['fp32', 'mixed'] as const) : (['fp32'] as const);
  const lastStage = space.stages.length - 1;
  for (const quant of modes) {
    const base = smallestConfig(space, { quant });
    add(base, () => 0);
    const preds: (ActBits | undefined)[] = quant === 'mixed' ? [...space.quant.actBits] : [undefined];
    for (const ratio of space.widthRatios) {
      for (const prevA of preds) {
        const cfg = { ...structuredClone(base), widths: base.widths.map((r, s) => (s === lastStage ? ratio : r)) };
        if (prevA !== undefined) cfg.aBits![lastActiveSlot(space, cfg, lastStage)] = prevA;
        add(cfg, (parts) => parts.length - 1);
      }
    }
    for (const slot of blockSlots(space)) addBlockVariants(space, base, slot.slot, quant === 'mixed', add);
  }
  return [...found.values()];
}

function addBlockVariants(
  space: SearchSpace, base: SubnetConfig, slotIndex: number, bits: boolean,
  add: (config: SubnetConfig, pick: (parts: LatencyPart[]) => number) => void,
): void {
  const slot = blockSlots(space)[slotIndex];
  const stage = space.stages[slot.stage];
  const depth = stage.depths.find((d) => d > slot.block);
  if (depth === undefined) return;
  // The previous stage's width sets a stage's first block's input channels.
  const inputRatios = slot.block === 0 && slot.stage > 0 ? space.widthRatios : [undefined];
  const preds: (ActBits | undefined)[] = bits && !(slot.block === 0 && slot.stage === 0) ? [...space.quant.actBits] : [undefined];
  for (const inRatio of inputRatios) {
    for (const ratio of space.widthRatios) {
      for (const expand of space.expands) {
        for (const kernel of space.kernels) {
          for (const prec of precisions(space, bits)) {
            for (const prevA of preds) {
              const cfg = structuredClone(base);
              cfg.depths[slot.stage] = depth;
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
              add(cfg, () => position + 1);
            }
          }
        }
      }
    }
  }
}

