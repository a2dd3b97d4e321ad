/**
 * EfficientNetV2's Fused-MBConv: a dense kxk expand convolution (the block's stride) + BN + act,
 * a 1x1 project + BN, plus the input where the shape allows.
 */
import { tf } from '../backend/tf.js';
import type { Tensor2D, Tensor4D } from '../backend/tf.js';
import { DynamicFusedMBConv } from '../layers/DynamicFusedMBConv.js';
import { activation, conv, pointwise } from '../net/ops.js';
import { batchNorm, type Conv, type WeightForm } from './convBn.js';
import { layerAs, type BlockKit } from './BlockKit.js';

export interface FusedWeights<F extends WeightForm = 'bn'> {
  family: 'fused';
  expand: Conv<F, Tensor4D>;
  project: Conv<F, Tensor2D>;
}

export const fusedKit: BlockKit<FusedWeights<'bn'>, FusedWeights<'folded'>> = {
  family: 'fused',
  convs: [
    { field: 'expand', layout: 'dense' },
    { field: 'project', layout: 'pointwise' },
  ],

  extract(block, b, source) {
    const layer = layerAs(block, DynamicFusedMBConv, b);
    const id = layer.prefix;
    return {
      family: 'fused',
      expand: { w: source.keep(layer.denseWeight('expand', b.kernel, b.inC, b.midC)), bn: source.bn(`${id}.bn1`, layer.bn('bn1', b.midC)) },
      project: { w: source.keep(layer.projectWeight(b.midC, b.outC)), bn: source.bn(`${id}.bn2`, layer.bn('bn2', b.outC)) },
    };
  },

  random(b, init) {
    return {
      family: 'fused',
      expand: { w: init.he<Tensor4D>([b.kernel, b.kernel, b.inC, b.midC], b.kernel ** 2 * b.inC), bn: init.bn(b.midC) },
      project: { w: init.he<Tensor2D>([b.midC, b.outC], b.midC), bn: init.bn(b.outC) },
    };
  },

  forward(x, w, b) {
    const h = activation(batchNorm(conv(x, w.expand.w, b.stride), w.expand.bn), b.act);
    const y = batchNorm(pointwise(h, w.project.w), w.project.bn);
    return b.residual ? tf.add(y, x) : y;
  },

  deploy(g, p, x, w, b, bits) {
    const h = g.conv(`${p}.expand`, 'dense', x, w.expand, { kernel: b.kernel, stride: b.stride, act: b.act, bits });
    const y = g.conv(`${p}.project`, 'pointwise', h, w.project, { kernel: 1, stride: 1, act: 'none', bits });
    return b.residual ? g.residual(p, y, x, 'none', bits) : y;
  },
};
