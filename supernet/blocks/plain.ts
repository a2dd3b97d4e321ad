/**
 * The plain block (a VGG layer): one dense kxk convolution (the block's stride) + BN + act, and
 * no residual.
 */
import type { Tensor4D } from '../backend/tf.js';
import { DynamicPlainConv } from '../layers/DynamicPlainConv.js';
import { activation, conv } from '../net/ops.js';
import { batchNorm, type Conv, type WeightForm } from './convBn.js';
import { layerAs, type BlockKit } from './BlockKit.js';

export interface PlainWeights<F extends WeightForm = 'bn'> {
  family: 'plain';
  conv: Conv<F, Tensor4D>;
}

export const plainKit: BlockKit<PlainWeights<'bn'>, PlainWeights<'folded'>> = {
  family: 'plain',
  convs: [{ field: 'conv', layout: 'dense' }],

  extract(block, b, source) {
    const layer = layerAs(block, DynamicPlainConv, b);
    return {
      family: 'plain',
      conv: { w: source.keep(layer.denseWeight('conv', b.kernel, b.inC, b.outC)), bn: source.bn(`${layer.prefix}.bn`, layer.bn('bn', b.outC)) },
    };
  },

  random(b, init) {
    return { family: 'plain', conv: { w: init.he<Tensor4D>([b.kernel, b.kernel, b.inC, b.outC], b.kernel ** 2 * b.inC), bn: init.bn(b.outC) } };
  },

  forward(x, w, b) {
    return activation(batchNorm(conv(x, w.conv.w, b.stride), w.conv.bn), b.act);
  },

  deploy(g, p, x, w, b, bits) {
    return g.conv(`${p}.conv`, 'dense', x, w.conv, { kernel: b.kernel, stride: b.stride, act: b.act, bits });
  },
};
