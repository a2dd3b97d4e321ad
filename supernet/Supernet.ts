/**
 * The weight-sharing supernet: every subnet of a search space runs on slices of one set of
 * shared weights (elastic depth, kernel, expand ratio and width; OFA's design).
 */
import { tf } from './backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from './backend/tf.js';
import { Rng } from '../space/rng.js';
import type { BlockFamily, SearchSpace, SubnetConfig } from '../space/types.js';
import { blockSlots, spaceFamilies, type BlockSlot } from '../space/searchSpace.js';
import { midChannels, squeezeChannels, stageChannels } from '../space/channels.js';
import { subnetPlan, type BlockPlan } from '../space/plan.js';
import { ParamStore } from './layers/ParamStore.js';
import { DynamicMBConv } from './layers/DynamicMBConv.js';
import { DynamicFusedMBConv } from './layers/DynamicFusedMBConv.js';
import { DynamicResBlock } from './layers/DynamicResBlock.js';
import { DynamicPlainConv } from './layers/DynamicPlainConv.js';
import type { DynamicBlock } from './layers/DynamicBlock.js';
import { applyBatchNorm, type BnMode } from './net/batchNormMode.js';
import { activation, conv, globalPool, pointwise } from './net/ops.js';

export class Supernet {
  readonly space: SearchSpace;
  readonly store = new ParamStore();
  /** The mbconv block of each slot, in config order (empty when the space has no mbconv family). */
  readonly blocks: DynamicMBConv[] = [];
  /** The Fused-MBConv block of each slot (spaces with the fused family). */
  readonly fused: DynamicFusedMBConv[] = [];
  /** The ResNet basic block of each slot (spaces with the resnet family). */
  readonly resnet: DynamicResBlock[] = [];
  /** The plain convolution of each slot (spaces with the plain family). */
  readonly plain: DynamicPlainConv[] = [];

  constructor(space: SearchSpace, seed = 0) {
    this.space = space;
    const rng = new Rng(seed);
    const { stem, head, input, widthRatios } = space;
    const maxRatio = widthRatios[widthRatios.length - 1];
    this.store.addNormal('stem.weight', [stem.kernel, stem.kernel, input.channels, stem.width],
      Math.sqrt(2 / (stem.kernel * stem.kernel * stem.width)), rng);
    this.addBn('stem.bn', stem.width);
    let maxIn = stem.width;
    for (const slot of blockSlots(space)) {
      const maxOut = stageChannels(space, slot.stage, maxRatio);
      this.addSlot(slot, maxIn, maxOut, rng);
      maxIn = maxOut;
    }
    if (head.width > 0) {
      this.store.addNormal('head.weight', [maxIn, head.width], Math.sqrt(2 / head.width), rng);
      this.addBn('head.bn', head.width);
    }
    this.store.addNormal('classifier.weight', [head.width > 0 ? head.width : maxIn, input.classes], 0.01, rng);
    this.store.addConstant('classifier.bias', [input.classes], 0);
  }

  /**
   * The blocks of one slot, one per family. A space without `families` keeps the original
   * parameter names (`blocks.N.*`) so its checkpoints load; with families each block lives
   * under `blocks.N.<family>`.
   */
  private addSlot(slot: BlockSlot, maxIn: number, maxOut: number, rng: Rng): void {
    const { space } = this;
    const stage = space.stages[slot.stage];
    const maxKernel = space.kernels[space.kernels.length - 1];
    for (const family of spaceFamilies(space)) {
      const maxExpand = family.expands[family.expands.length - 1];
      const prefix = space.families === undefined ? `blocks.${slot.slot}` : `blocks.${slot.slot}.${family.name}`;
      switch (family.name) {
        case 'mbconv': {
          const maxMid = midChannels(maxIn, maxExpand);
          const shape = { maxIn, maxMid, maxSe: stage.se ? squeezeChannels(maxMid) : 0, maxOut, kernels: space.kernels };
          this.blocks.push(new DynamicMBConv(this.store, prefix, shape, rng));
          break;
        }
        case 'fused':
          this.fused.push(new DynamicFusedMBConv(this.store, prefix, { maxIn, maxMid: midChannels(maxIn, maxExpand), maxOut, maxKernel }, rng));
          break;
        case 'resnet': {
          const shortcut = slot.stride === 2 || (slot.block === 0 && !this.stemFeedsStageIdentically(slot.stage));
          this.resnet.push(new DynamicResBlock(this.store, prefix, { maxIn, maxMid: midChannels(maxOut, maxExpand), maxOut, maxKernel, shortcut }, rng));
          break;
        }
        case 'plain':
          this.plain.push(new DynamicPlainConv(this.store, prefix, { maxIn, maxOut, maxKernel }, rng));
          break;
        default: {
          const unknown: never = family.name;
          throw new Error(`block family '${String(unknown)}' has no supernet layer: add it to Supernet.addSlot`);
        }
      }
    }
  }

  /** Whether stage `s` reads the stem with as many channels as it writes, in every subnet. */
  private stemFeedsStageIdentically(s: number): boolean {
    const { stem, stages } = this.space;
    return s === 0 && stem.widthFromStage === true && stem.width === stages[0].width;
  }

  /** The layers of `family`, one per slot (empty when the space lacks the family). */
  private layersOf(family: BlockFamily): readonly DynamicBlock[] {
    switch (family) {
      case 'mbconv': return this.blocks;
      case 'fused': return this.fused;
      case 'resnet': return this.resnet;
      case 'plain': return this.plain;
    }
  }

  /** The block that runs `b` (its slot, its family). */
  block(b: BlockPlan): DynamicBlock {
    const list = this.layersOf(b.family);
    const block = list[b.slot];
    if (block === undefined) throw new Error(`the supernet of space '${this.space.name}' has no ${b.family} block in slot ${b.slot}`);
    return block;
  }

  private addBn(prefix: string, channels: number): void {
    this.store.addConstant(`${prefix}.gamma`, [channels], 1);
    this.store.addConstant(`${prefix}.beta`, [channels], 0);
  }

  /** Gamma and beta of a top-level BatchNorm ('stem.bn' or 'head.bn'), the first `c` channels. */
  private bn(prefix: string, c: number): { gamma: Tensor1D; beta: Tensor1D } {
    return {
      gamma: tf.slice(this.store.get(`${prefix}.gamma`), 0, c) as Tensor1D,
      beta: tf.slice(this.store.get(`${prefix}.beta`), 0, c) as Tensor1D,
    };
  }

  /** Stem filter for `outC` output channels. */
  stemWeight(outC: number): Tensor4D {
    const w = this.store.get('stem.weight');
    return (outC === w.shape[3] ? w : tf.slice(w, [0, 0, 0, 0], [-1, -1, -1, outC])) as unknown as Tensor4D;
  }

  /** Classifier weight for `inC` input features. */
  classifierWeight(inC: number): Tensor2D {
    const w = this.store.get('classifier.weight');
    return (inC === w.shape[0] ? w : tf.slice(w, [0, 0], [inC, -1])) as unknown as Tensor2D;
  }

  /** Head 1x1 weight for `inC` input channels. */
  headWeight(inC: number): Tensor2D {
    return tf.slice(this.store.get('head.weight'), [0, 0], [inC, this.space.head.width]) as Tensor2D;
  }

  /**
   * Logits `[B, classes]` of subnet `cfg` for images `x` `[B,H,W,C]`. Call inside `tf.tidy`
   * or a gradient function; BatchNorm runs as `mode` says.
   */
  forward(cfg: SubnetConfig, x: Tensor4D, mode: BnMode): Tensor2D {
    const plan = subnetPlan(this.space, cfg);
    const stemBn = this.bn('stem.bn', plan.stem.outC);
    let h = conv(x, this.stemWeight(plan.stem.outC), plan.stem.stride);
    h = activation(applyBatchNorm(mode, 'stem.bn', h, stemBn.gamma, stemBn.beta), plan.stem.act);
    for (const b of plan.blocks) h = this.block(b).forward(h, b, mode);
    if (plan.head !== null) {
      const headBn = this.bn('head.bn', plan.head.outC);
      h = pointwise(h, this.headWeight(plan.head.inC));
      h = activation(applyBatchNorm(mode, 'head.bn', h, headBn.gamma, headBn.beta), plan.head.act as 'relu' | 'hswish');
    }
    const pooled = globalPool(h);
    return tf.add(tf.matMul(pooled, this.classifierWeight(plan.classifier.inC)), this.store.get('classifier.bias')) as Tensor2D;
  }

  dispose(): void {
    this.store.dispose();
  }
}
