/**
 * The structured shape of one subnet: per-layer channels, kernels, strides, activations and
 * bits. The tfjs supernet, the extracted subnet and the exporters all build from this plan,
 * so the model that runs is the model that is counted.
 */
import { kFloatBits, type BlockFamily, type SearchSpace, type SubnetConfig } from './types.js';
import { familyMidChannels, squeezeChannels, stageChannels, stemChannels } from './channels.js';
import { blockSlots, configStemStride, stageFamily } from './searchSpace.js';

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
  family: BlockFamily;
  inC: number;
  /** Middle channels (plain, which has none: its output channels). */
  midC: number;
  /** Squeeze channels of the SE unit; 0 when the stage has no SE. */
  seC: number;
  outC: number;
  kernel: number;
  stride: 1 | 2;
  act: Activation;
  /** The block adds its input to its output (identity, or through `shortcut`); never for plain. */
  residual: boolean;
  /** resnet: a 1x1 projection (stride, BatchNorm) on the residual path, where the shape changes. */
  shortcut: boolean;
  wBits: number;
  aBits: number;
}

export interface SubnetPlan {
  stem: ConvPlan;
  blocks: BlockPlan[];
  /** The 1x1 convolution before pooling; null when the space has none (head width 0). */
  head: ConvPlan | null;
  classifier: { inC: number; outC: number; wBits: number; aBits: number };
  /** Whether the config carries bits (quantized) or runs float everywhere. */
  quantized: boolean;
}

/**
 * How a block of `family` keeps its input: mbconv and fused add it where the shape allows,
 * resnet always (through a projection where the shape changes), plain never.
 */
function residualOf(family: BlockFamily, sameShape: boolean): { residual: boolean; shortcut: boolean } {
  switch (family) {
    case 'mbconv':
    case 'fused':
      return { residual: sameShape, shortcut: false };
    case 'resnet':
      return { residual: true, shortcut: !sameShape };
    case 'plain':
      return { residual: false, shortcut: false };
  }
}

/** The plan of subnet `cfg` (assumed valid for `space`; validate at the boundary). */
export function subnetPlan(space: SearchSpace, cfg: SubnetConfig): SubnetPlan {
  const quantized = cfg.wBits !== undefined && cfg.aBits !== undefined;
  const stemBits = quantized ? space.quant.stemBits : { w: kFloatBits, a: kFloatBits };
  const clsBits = quantized ? space.quant.classifierBits : { w: kFloatBits, a: kFloatBits };
  const { input, stem, head } = space;
  const blocks: BlockPlan[] = [];
  const stemC = stemChannels(space, cfg.widths[0]);
  let c = stemC;
  for (const slot of blockSlots(space)) {
    if (slot.block >= cfg.depths[slot.stage]) continue;
    const stage = space.stages[slot.stage];
    const family = stageFamily(space, cfg, slot.stage).name;
    const outC = stageChannels(space, slot.stage, cfg.widths[slot.stage]);
    const midC = familyMidChannels(family, c, outC, cfg.expands[slot.slot]);
    const sameShape = slot.stride === 1 && c === outC;
    blocks.push({
      slot: slot.slot,
      stage: slot.stage,
      family,
      inC: c,
      midC,
      seC: stage.se ? squeezeChannels(midC) : 0,
      outC,
      kernel: cfg.kernels[slot.slot],
      stride: slot.stride,
      act: stage.hswish ? 'hswish' : 'relu',
      ...residualOf(family, sameShape),
      wBits: quantized ? cfg.wBits![slot.slot] : kFloatBits,
      aBits: quantized ? cfg.aBits![slot.slot] : kFloatBits,
    });
    c = outC;
  }
  return {
    stem: {
      inC: input.channels, outC: stemC, kernel: stem.kernel, stride: configStemStride(space, cfg),
      act: stem.hswish ? 'hswish' : 'relu', wBits: stemBits.w, aBits: stemBits.a,
    },
    blocks,
    head: head.width === 0 ? null : {
      inC: c, outC: head.width, kernel: 1, stride: 1,
      act: head.hswish ? 'hswish' : 'relu', wBits: clsBits.w, aBits: clsBits.a,
    },
    classifier: { inC: head.width === 0 ? c : head.width, outC: input.classes, wBits: clsBits.w, aBits: clsBits.a },
    quantized,
  };
}
