/**
 * One elastic plain block slot (a VGG layer): a dense kxk convolution with the block's stride,
 * BatchNorm and activation; no residual. Shared weights at the largest input and output widths
 * and the largest kernel; a subnet takes the first channels and the centre of the kernel.
 */
import type { Tensor4D } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import type { BlockPlan } from '../../space/plan.js';
import { applyBatchNorm, type BnMode } from '../net/batchNormMode.js';
import { activation, conv } from '../net/ops.js';
import { DynamicBlockBase } from './DynamicBlock.js';
import type { ParamStore } from './ParamStore.js';

export interface PlainShape {
  maxIn: number;
  maxOut: number;
  maxKernel: number;
}

export class DynamicPlainConv extends DynamicBlockBase {
  constructor(store: ParamStore, prefix: string, shape: PlainShape, rng: Rng) {
    super(store, prefix);
    this.addDense('conv', shape.maxKernel, shape.maxIn, shape.maxOut, rng);
    this.addBn('bn', shape.maxOut);
  }

  forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D {
    const bn = this.bn('bn', b.outC);
    const h = conv(x, this.denseWeight('conv', b.kernel, b.inC, b.outC), b.stride);
    return activation(applyBatchNorm(mode, `${this.prefix}.bn`, h, bn.gamma, bn.beta), b.act);
  }
}
