/**
 * The linear layers of a network whose input channels a policy can narrow - each block's
 * convolutions that read the block's input or its middle channels, the head convolution, the
 * classifier - and a forward pass of an extracted subnet that also returns what each of them
 * reads. Weight reconstruction (reconstruct.ts) re-solves these layers' kept weights.
 *
 * Depthwise convolutions are left out: each output channel reads only its own input channel,
 * so pruning one drops the other with nothing to re-solve. Convolutions followed by BatchNorm
 * are reconstructed up to a per-channel offset (BatchNorm is recalibrated after pruning); the
 * classifier, which has none, with its bias.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor, Tensor2D, Tensor4D } from '../supernet/backend/tf.js';
import type { SubnetPlan } from '../space/plan.js';
import type { Supernet } from '../supernet/Supernet.js';
import type { Subnet } from '../supernet/Subnet.js';
import type { BlockWeights } from '../supernet/blocks/index.js';
import { batchNorm } from '../supernet/blocks/convBn.js';
import { activation, conv, depthwise, globalPool, pointwise, squeezeExcite } from '../supernet/net/ops.js';

/**
 * 'conv': a k x k convolution with 'same' padding on a feature map (its filter `[K,K,in,out]`
 * with the centre k x k used, or `[in,out]` for 1x1); 'linear': `[in,out]` plus bias on pooled features.
 */
export type SiteLayout = 'conv' | 'linear';

export interface ConvSite {
  /** e.g. 'blocks.1.conv2' (the filter is `${name}.weight` in the policy space's supernet). */
  name: string;
  param: string;
  /** The classifier's bias, re-solved with its weights. */
  bias?: string;
  layout: SiteLayout;
  kernel: number;
  stride: number;
  /** Input and output channels under the plan the sites were listed for. */
  inC: number;
  outC: number;
}

const dense = (prefix: string, field: string, kernel: number, stride: number, inC: number, outC: number): ConvSite =>
  ({ name: `${prefix}.${field}`, param: `${prefix}.${field}.weight`, layout: 'conv', kernel, stride, inC, outC });

/** The sites of `plan` in forward order; equal structures for every policy of one network (couplings are checked by the policy space). */
export function convSites(net: Supernet, plan: SubnetPlan): ConvSite[] {
  const sites: ConvSite[] = [];
  for (const b of plan.blocks) {
    const p = net.block(b).prefix;
    switch (b.family) {
      case 'resnet':
        sites.push(dense(p, 'conv1', b.kernel, b.stride, b.inC, b.midC), dense(p, 'conv2', b.kernel, 1, b.midC, b.outC));
        if (b.shortcut) sites.push(dense(p, 'shortcut', 1, b.stride, b.inC, b.outC));
        break;
      case 'fused':
        sites.push(dense(p, 'expand', b.kernel, b.stride, b.inC, b.midC), dense(p, 'project', 1, 1, b.midC, b.outC));
        break;
      case 'mbconv':
        sites.push(dense(p, 'expand', 1, 1, b.inC, b.midC), dense(p, 'project', 1, 1, b.midC, b.outC));
        break;
      case 'plain':
        sites.push(dense(p, 'conv', b.kernel, b.stride, b.inC, b.outC));
        break;
    }
  }
  if (plan.head !== null) sites.push({ name: 'head', param: 'head.weight', layout: 'conv', kernel: 1, stride: 1, inC: plan.head.inC, outC: plan.head.outC });
  sites.push({ name: 'classifier', param: 'classifier.weight', bias: 'classifier.bias', layout: 'linear', kernel: 1, stride: 1, inC: plan.classifier.inC, outC: plan.classifier.outC });
  return sites;
}

/** Block `b`'s output and the inputs of its sites (convSites order). */
function blockTapped(x: Tensor4D, w: BlockWeights, b: SubnetPlan['blocks'][number]): { y: Tensor4D; inputs: Tensor4D[] } {
  switch (w.family) {
    case 'resnet': {
      const h = activation(batchNorm(conv(x, w.conv1.w, b.stride), w.conv1.bn), b.act);
      const main = batchNorm(conv(h, w.conv2.w, 1), w.conv2.bn);
      const skip = w.shortcut ? batchNorm(conv(x, w.shortcut.w, b.stride), w.shortcut.bn) : x;
      return { y: activation(tf.add(main, skip), b.act), inputs: w.shortcut ? [x, h, x] : [x, h] };
    }
    case 'fused': {
      const h = activation(batchNorm(conv(x, w.expand.w, b.stride), w.expand.bn), b.act);
      const y = batchNorm(pointwise(h, w.project.w), w.project.bn);
      return { y: b.residual ? tf.add(y, x) : y, inputs: [x, h] };
    }
    case 'mbconv': {
      let h = activation(batchNorm(pointwise(x, w.expand.w), w.expand.bn), b.act);
      h = activation(batchNorm(depthwise(h, w.dw.w, b.stride), w.dw.bn), b.act);
      if (w.se) h = squeezeExcite(h, w.se);
      const y = batchNorm(pointwise(h, w.project.w), w.project.bn);
      return { y: b.residual ? tf.add(y, x) : y, inputs: [x, h] };
    }
    case 'plain':
      return { y: activation(batchNorm(conv(x, w.conv.w, b.stride), w.conv.bn), b.act), inputs: [x] };
  }
}

/**
 * Logits of float `subnet` for images `x` and the input of each of its sites (convSites
 * order; the classifier's is the pooled features `[B,C]`). Call inside `tf.tidy`.
 */
export function tappedForward(subnet: Subnet, x: Tensor4D): { logits: Tensor2D; inputs: Tensor[] } {
  const { plan, weights } = subnet;
  const inputs: Tensor[] = [];
  let h = activation(batchNorm(conv(x, weights.stem.w, plan.stem.stride), weights.stem.bn), plan.stem.act);
  plan.blocks.forEach((b, i) => {
    const r = blockTapped(h, weights.blocks[i], b);
    inputs.push(...r.inputs);
    h = r.y;
  });
  if (plan.head !== null && weights.head !== null) {
    inputs.push(h);
    h = activation(batchNorm(pointwise(h, weights.head.w), weights.head.bn), plan.head.act);
  }
  const pooled = globalPool(h);
  inputs.push(pooled);
  return { logits: tf.add(tf.matMul(pooled, weights.classifier.w), weights.classifier.b) as Tensor2D, inputs };
}
