/**
 * The structured shape of one subnet: per-layer channels, kernels, strides, activations and
 * bits. The tfjs supernet, the extracted subnet and the exporters all build from this plan,
 * so the model that runs is the model that is counted.
 */
import { kFloatBits, type SearchSpace, type SubnetConfig } from './types.js';
import { midChannels, squeezeChannels, stageChannels } from './channels.js';
import { blockSlots } from './searchSpace.js';

export type Activation = 'relu' | 'hswish';


export interface ConvPlan {
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  act: Activation | 'none';
  wBits: number;
  aBits: number;
}

export interface BlockPlan {
  /** Block slot index (position in the config's per-block arrays). */
  slot: number;
  stage: number;
  inC: number;
  midC: number;
  /** Squeeze channels of the SE unit; 0 when the stage has no SE. */
  seC: number;
  outC: number;
  kernel: number;
  stride: 1 | 2;
  act: Activation;
  residual: boolean;
  wBits: number;
  aBits: number;
}

export interface SubnetPlan {
  stem: ConvPlan;
  blocks: BlockPlan[];
  head: ConvPlan;
  classifier: { inC: number; outC: number; wBits: number; aBits: number };
  /** Whether the config carries bits (quantized) or runs float everywhere. */
  quantized: boolean;
}

/** The plan of subnet `cfg` (assumed valid for `space`; validate at the boundary). */
export function subnetPlan(space: SearchSpace, cfg: SubnetConfig): SubnetPlan {
  const quantized = cfg.wBits !== undefined && cfg.aBits !== undefined;
  const stemBits = quantized ? space.quant.stemBits : { w: kFloatBits, a: kFloatBits };
  const clsBits = quantized ? space.quant.classifierBits : { w: kFloatBits, a: kFloatBits };
  const { input, stem, head } = space;
  const blocks: BlockPlan[] = [];
  let c = stem.width;
  for (const slot of blockSlots(space)) {
    if (slot.block >= cfg.depths[slot.stage]) continue;
    const stage = space.stages[slot.stage];
    const outC = stageChannels(space, slot.stage, cfg.widths[slot.stage]);
    const midC = midChannels(c, cfg.expands[slot.slot]);
    blocks.push({
      slot: slot.slot,
      stage: slot.stage,
      inC: c,
      midC,
      seC: stage.se ? squeezeChannels(midC) : 0,
      outC,
      kernel: cfg.kernels[slot.slot],
      stride: slot.stride,
      act: stage.hswish ? 'hswish' : 'relu',
      residual: slot.stride === 1 && c === outC,
      wBits: quantized ? cfg.wBits![slot.slot] : kFloatBits,
      aBits: quantized ? cfg.aBits![slot.slot] : kFloatBits,
    });
    c = outC;
  }
  return {
    stem: {
      inC: input.channels, outC: stem.width, kernel: stem.kernel, stride: stem.stride,
      act: stem.hswish ? 'hswish' : 'relu', wBits: stemBits.w, aBits: stemBits.a,
    },
    blocks,
    head: {
      inC: c, outC: head.width, kernel: 1, stride: 1,
      act: head.hswish ? 'hswish' : 'relu', wBits: clsBits.w, aBits: clsBits.a,
    },
    classifier: { inC: head.width, outC: input.classes, wBits: clsBits.w, aBits: clsBits.a },
    quantized,
  };
}
