/**
 * One elastic Fused-MBConv block slot (EfficientNetV2): a dense kxk expand convolution (with
 * the block's stride), BatchNorm and activation, then a 1x1 project convolution and
 * BatchNorm; the input is added back where the shape allows. Shared weights at the largest
 * input, middle and output widths and the largest kernel; a subnet takes the first channels.
 */
import { tf } from '../backend/tf.js';
import type { Tensor2D, Tensor4D } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import type { BlockPlan } from '../../space/plan.js';
import { applyBatchNorm, type BnMode } from '../net/batchNormMode.js';
import { activation, conv, pointwise } from '../net/ops.js';
import { DynamicBlockBase } from './DynamicBlock.js';
import type { ParamStore } from './ParamStore.js';

export interface FusedShape {
  maxIn: number;
  maxMid: number;
  maxOut: number;
  maxKernel: number;
}

export class DynamicFusedMBConv extends DynamicBlockBase {
  constructor(store: ParamStore, prefix: string, shape: FusedShape, rng: Rng) {
    super(store, prefix);
    const { maxIn, maxMid, maxOut, maxKernel } = shape;
    this.addDense('expand', maxKernel, maxIn, maxMid, rng);
    this.addBn('bn1', maxMid);
    store.addNormal(`${prefix}.project.weight`, [maxMid, maxOut], Math.sqrt(2 / maxOut), rng);
    this.addBn('bn2', maxOut);
  }

  projectWeight(midC: number, outC: number): Tensor2D {
    return tf.slice(this.p('project.weight'), [0, 0], [midC, outC]) as Tensor2D;
  }

  forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D {
    const bn1 = this.bn('bn1', b.midC);
    let h = conv(x, this.denseWeight('expand', b.kernel, b.inC, b.midC), b.stride);
    h = activation(applyBatchNorm(mode, `${this.prefix}.bn1`, h, bn1.gamma, bn1.beta), b.act);
    const bn2 = this.bn('bn2', b.outC);
    h = applyBatchNorm(mode, `${this.prefix}.bn2`, pointwise(h, this.projectWeight(b.midC, b.outC)), bn2.gamma, bn2.beta);
    return b.residual ? tf.add(h, x) : h;
  }
}
