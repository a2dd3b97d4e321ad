/**
 * The MobileNetV3 inverted residual: 1x1 expand + BN + act, kxk depthwise (the block's stride)
 * + BN + act, [squeeze-and-excitation], 1x1 project + BN, plus the input where the shape allows.
 */
import { tf } from '../backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from '../backend/tf.js';
import { DynamicMBConv } from '../layers/DynamicMBConv.js';
import { activation, depthwise, pointwise, squeezeExcite, type SeWeights } from '../net/ops.js';
import { kFloatBits } from '../../space/types.js';
import { batchNorm, type Conv, type WeightForm } from './convBn.js';
import { layerAs, type BlockKit } from './BlockKit.js';

export interface MBConvWeights<F extends WeightForm = 'bn'> {
  family: 'mbconv';
  expand: Conv<F, Tensor2D>;
  dw: Conv<F, Tensor4D>;
  /** Squeeze-and-excitation (float, no BatchNorm), when the stage has it. */
  se?: SeWeights;
  project: Conv<F, Tensor2D>;
}

export const mbconvKit: BlockKit<MBConvWeights<'bn'>, MBConvWeights<'folded'>> = {
  family: 'mbconv',
  convs: [
    { field: 'expand', layout: 'pointwise' },
    { field: 'dw', layout: 'depthwise' },
    { field: 'project', layout: 'pointwise' },
  ],

  extract(block, b, source) {
    const layer = layerAs(block, DynamicMBConv, b);
    const id = layer.prefix;
    const w: MBConvWeights = {
      family: 'mbconv',
      expand: { w: source.keep(layer.expandWeight(b.inC, b.midC)), bn: source.bn(`${id}.bn1`, layer.bn('bn1', b.midC)) },
      dw: { w: source.keep(layer.depthwiseWeight(b.midC, b.kernel)), bn: source.bn(`${id}.bn2`, layer.bn('bn2', b.midC)) },
      project: { w: source.keep(layer.projectWeight(b.midC, b.outC)), bn: source.bn(`${id}.bn3`, layer.bn('bn3', b.outC)) },
    };
    if (b.seC > 0) {
      const se = layer.seWeights(b.midC, b.seC);
      w.se = { w1: source.keep(se.w1), b1: source.keep(se.b1), w2: source.keep(se.w2), b2: source.keep(se.b2) };
    }
    return w;
  },

  random(b, init) {
    const expand = { w: init.he<Tensor2D>([b.inC, b.midC], b.inC), bn: init.bn(b.midC) };
    const dw = { w: init.he<Tensor4D>([b.kernel, b.kernel, b.midC, 1], b.kernel ** 2), bn: init.bn(b.midC) };
    const se = b.seC > 0
      ? {
        w1: init.he<Tensor2D>([b.midC, b.seC], b.midC),
        b1: init.zeros(b.seC),
        w2: init.he<Tensor2D>([b.seC, b.midC], b.seC),
        b2: init.zeros(b.midC) as Tensor1D,
      }
      : undefined;
    const project = { w: init.he<Tensor2D>([b.midC, b.outC], b.midC), bn: init.bn(b.outC) };
    return { family: 'mbconv', expand, dw, se, project };
  },

  forward(x, w, b) {
    let h = activation(batchNorm(pointwise(x, w.expand.w), w.expand.bn), b.act);
    h = activation(batchNorm(depthwise(h, w.dw.w, b.stride), w.dw.bn), b.act);
    if (w.se) h = squeezeExcite(h, w.se);
    h = batchNorm(pointwise(h, w.project.w), w.project.bn);
    return b.residual ? tf.add(h, x) : h;
  },

  deploy(g, p, x, w, b, bits) {
    let h = g.conv(`${p}.expand`, 'pointwise', x, w.expand, { kernel: 1, stride: 1, act: b.act, bits });
    h = g.conv(`${p}.dw`, 'depthwise', h, w.dw, { kernel: b.kernel, stride: b.stride, act: b.act, bits });
    if (w.se) {
      // Squeeze-and-excitation runs in float on the dequantized tensor, weights on the block's grid.
      const seBits = { w: bits.w, a: kFloatBits };
      g.ops.push({ op: 'pool', x: h, y: `${p}.se.pool` });
      const s = g.conv(`${p}.se.reduce`, 'fc', `${p}.se.pool`, { w: w.se.w1, b: w.se.b1 }, { kernel: 1, stride: 1, act: 'relu', bits: seBits });
      const gate = g.conv(`${p}.se.expand`, 'fc', s, { w: w.se.w2, b: w.se.b2 }, { kernel: 1, stride: 1, act: 'hsigmoid', bits: seBits });
      g.ops.push({ op: 'scale', x: h, gate, y: `${p}.se` });
      h = `${p}.se`;
    }
    h = g.conv(`${p}.project`, 'pointwise', h, w.project, { kernel: 1, stride: 1, act: 'none', bits });
    return b.residual ? g.residual(p, h, x, 'none', bits) : h;
  },
};
