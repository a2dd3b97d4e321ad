/**
 * The ResNet basic block: kxk conv (the block's stride) + BN + act, kxk conv + BN, plus the
 * input - through a 1x1 projection + BN (`shortcut`) where the stride or the channel count
 * changes - then the activation after the sum.
 */
import { tf } from '../backend/tf.js';
import type { Tensor4D } from '../backend/tf.js';
import { DynamicResBlock } from '../layers/DynamicResBlock.js';
import { activation, conv } from '../net/ops.js';
import { batchNorm, type Conv, type WeightForm } from './convBn.js';
import { layerAs, type BlockKit } from './BlockKit.js';
import type { BlockPlan } from '../../space/plan.js';

export interface ResBlockWeights<F extends WeightForm = 'bn'> {
  family: 'resnet';
  conv1: Conv<F, Tensor4D>;
  conv2: Conv<F, Tensor4D>;
  /** The 1x1 projection `[1,1,Cin,Cout]` of the input, where the plan has a shortcut. */
  shortcut?: Conv<F, Tensor4D>;
}

function checkShortcut(w: { shortcut?: unknown }, b: BlockPlan): void {
  if ((w.shortcut !== undefined) !== b.shortcut) {
    throw new Error(`resnet block slot ${b.slot}: the plan ${b.shortcut ? 'has' : 'has no'} projection shortcut but the weights ${b.shortcut ? 'lack one' : 'carry one'}`);
  }
}

export const resnetKit: BlockKit<ResBlockWeights<'bn'>, ResBlockWeights<'folded'>> = {
  family: 'resnet',
  convs: [
    { field: 'conv1', layout: 'dense' },
    { field: 'conv2', layout: 'dense' },
    { field: 'shortcut', layout: 'dense' },
  ],

  extract(block, b, source) {
    const layer = layerAs(block, DynamicResBlock, b);
    const id = layer.prefix;
    const w: ResBlockWeights = {
      family: 'resnet',
      conv1: { w: source.keep(layer.denseWeight('conv1', b.kernel, b.inC, b.midC)), bn: source.bn(`${id}.bn1`, layer.bn('bn1', b.midC)) },
      conv2: { w: source.keep(layer.denseWeight('conv2', b.kernel, b.midC, b.outC)), bn: source.bn(`${id}.bn2`, layer.bn('bn2', b.outC)) },
    };
    if (b.shortcut) {
      w.shortcut = { w: source.keep(layer.denseWeight('shortcut', 1, b.inC, b.outC)), bn: source.bn(`${id}.bnS`, layer.bn('bnS', b.outC)) };
    }
    return w;
  },

  random(b, init) {
    const w: ResBlockWeights = {
      family: 'resnet',
      conv1: { w: init.he<Tensor4D>([b.kernel, b.kernel, b.inC, b.midC], b.kernel ** 2 * b.inC), bn: init.bn(b.midC) },
      conv2: { w: init.he<Tensor4D>([b.kernel, b.kernel, b.midC, b.outC], b.kernel ** 2 * b.midC), bn: init.bn(b.outC) },
    };
    if (b.shortcut) w.shortcut = { w: init.he<Tensor4D>([1, 1, b.inC, b.outC], b.inC), bn: init.bn(b.outC) };
    return w;
  },

  forward(x, w, b) {
    checkShortcut(w, b);
    let h = activation(batchNorm(conv(x, w.conv1.w, b.stride), w.conv1.bn), b.act);
    h = batchNorm(conv(h, w.conv2.w, 1), w.conv2.bn);
    const skip = w.shortcut ? batchNorm(conv(x, w.shortcut.w, b.stride), w.shortcut.bn) : x;
    return activation(tf.add(h, skip), b.act);
  },

  deploy(g, p, x, w, b, bits) {
    checkShortcut(w, b);
    let h = g.conv(`${p}.conv1`, 'dense', x, w.conv1, { kernel: b.kernel, stride: b.stride, act: b.act, bits });
    h = g.conv(`${p}.conv2`, 'dense', h, w.conv2, { kernel: b.kernel, stride: 1, act: 'none', bits });
    const skip = w.shortcut ? g.conv(`${p}.shortcut`, 'dense', x, w.shortcut, { kernel: 1, stride: b.stride, act: 'none', bits }) : x;
    return g.residual(p, h, skip, b.act, bits);
  },
};
