/**
 * One elastic ResNet basic block slot: kxk convolution (with the block's stride), BatchNorm,
 * activation, kxk convolution, BatchNorm; plus the input - through a 1x1 projection and
 * BatchNorm where the stride or the channel count changes - then the activation. Middle
 * channels are the output channels times the expand ratio. Shared weights at the largest
 * widths and kernel; a subnet takes the first channels.
 */
import { tf } from '../backend/tf.js';
import type { Tensor4D } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import type { BlockPlan } from '../../space/plan.js';
import { applyBatchNorm, type BnMode } from '../net/batchNormMode.js';
import { activation, conv } from '../net/ops.js';
import { DynamicBlockBase } from './DynamicBlock.js';
import type { ParamStore } from './ParamStore.js';

export interface ResShape {
  maxIn: number;
  maxMid: number;
  maxOut: number;
  maxKernel: number;
  /** Whether some subnet needs the projection shortcut in this slot. */
  shortcut: boolean;
}

export class DynamicResBlock extends DynamicBlockBase {
  constructor(store: ParamStore, prefix: string, shape: ResShape, rng: Rng) {
    super(store, prefix);
    const { maxIn, maxMid, maxOut, maxKernel } = shape;
    this.addDense('conv1', maxKernel, maxIn, maxMid, rng);
    this.addBn('bn1', maxMid);
    this.addDense('conv2', maxKernel, maxMid, maxOut, rng);
    this.addBn('bn2', maxOut);
    if (shape.shortcut) {
      this.addDense('shortcut', 1, maxIn, maxOut, rng);
      this.addBn('bnS', maxOut);
    }
  }

  forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D {
    const id = this.prefix;
    const bn1 = this.bn('bn1', b.midC);
    let h = conv(x, this.denseWeight('conv1', b.kernel, b.inC, b.midC), b.stride);
    h = activation(applyBatchNorm(mode, `${id}.bn1`, h, bn1.gamma, bn1.beta), b.act);
    const bn2 = this.bn('bn2', b.outC);
    h = applyBatchNorm(mode, `${id}.bn2`, conv(h, this.denseWeight('conv2', b.kernel, b.midC, b.outC), 1), bn2.gamma, bn2.beta);
    let skip = x;
    if (b.shortcut) {
      const bnS = this.bn('bnS', b.outC);
      skip = applyBatchNorm(mode, `${id}.bnS`, conv(x, this.denseWeight('shortcut', 1, b.inC, b.outC), b.stride), bnS.gamma, bnS.beta);
    }
    return activation(tf.add(h, skip), b.act);
  }
}
