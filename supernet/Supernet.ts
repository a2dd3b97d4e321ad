/**
 * The weight-sharing supernet: every subnet of a search space runs on slices of one set of
 * shared weights (elastic depth, kernel, expand ratio and width; OFA's design).
 */
import { tf } from './backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from './backend/tf.js';
import { Rng } from '../space/rng.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { blockSlots } from '../space/searchSpace.js';
import { midChannels, squeezeChannels, stageChannels } from '../space/channels.js';
import { subnetPlan } from '../space/plan.js';
import { ParamStore } from './layers/ParamStore.js';
import { DynamicMBConv } from './layers/DynamicMBConv.js';
import { applyBatchNorm, type BnMode } from './net/batchNormMode.js';
import { activation, conv, globalPool, pointwise } from './net/ops.js';

export class Supernet {
  readonly space: SearchSpace;
  readonly store = new ParamStore();
  /** One block per slot of the space, in config order. */
  readonly blocks: DynamicMBConv[] = [];

  constructor(space: SearchSpace, seed = 0) {
    this.space = space;
    const rng = new Rng(seed);
    const { stem, head, input, kernels, expands, widthRatios } = space;
    const maxRatio = widthRatios[widthRatios.length - 1];
    const maxExpand = expands[expands.length - 1];
    this.store.addNormal('stem.weight', [stem.kernel, stem.kernel, input.channels, stem.width],
      Math.sqrt(2 / (stem.kernel * stem.kernel * stem.width)), rng);
    this.addBn('stem.bn', stem.width);
    let maxIn = stem.width;
    for (const slot of blockSlots(space)) {
      const stage = space.stages[slot.stage];
      const maxOut = stageChannels(space, slot.stage, maxRatio);
      const maxMid = midChannels(maxIn, maxExpand);
      const shape = { maxIn, maxMid, maxSe: stage.se ? squeezeChannels(maxMid) : 0, maxOut, kernels };
      this.blocks.push(new DynamicMBConv(this.store, `blocks.${slot.slot}`, shape, rng));
      maxIn = maxOut;
    }
    this.store.addNormal('head.weight', [maxIn, head.width], Math.sqrt(2 / head.width), rng);
    this.addBn('head.bn', head.width);
    this.store.addNormal('classifier.weight', [head.width, input.classes], 0.01, rng);
    this.store.addConstant('classifier.bias', [input.classes], 0);
  }

  private addBn(prefix: string, channels: number): void {
    this.store.addConstant(`${prefix}.gamma`, [channels], 1);
    this.store.addConstant(`${prefix}.beta`, [channels], 0);
  }

  /** Gamma and beta of a top-level BatchNorm ('stem.bn' or 'head.bn'). */
  private bn(prefix: string): { gamma: Tensor1D; beta: Tensor1D } {
    return {
      gamma: this.store.get(`${prefix}.gamma`) as unknown as Tensor1D,
      beta: this.store.get(`${prefix}.beta`) as unknown as Tensor1D,
    };
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
    const stemBn = this.bn('stem.bn');
    let h = conv(x, this.store.get('stem.weight') as unknown as Tensor4D, plan.stem.stride);
    h = activation(applyBatchNorm(mode, 'stem.bn', h, stemBn.gamma, stemBn.beta), plan.stem.act);
    for (const b of plan.blocks) h = this.blocks[b.slot].forward(h, b, mode);
    const headBn = this.bn('head.bn');
    h = pointwise(h, this.headWeight(plan.head.inC));
    h = activation(applyBatchNorm(mode, 'head.bn', h, headBn.gamma, headBn.beta), plan.head.act as 'relu' | 'hswish');
    const pooled = globalPool(h);
    const w = this.store.get('classifier.weight') as unknown as Tensor2D;
    return tf.add(tf.matMul(pooled, w), this.store.get('classifier.bias')) as Tensor2D;
  }

  dispose(): void {
    this.store.dispose();
  }
}
