/**
 * A standalone subnet extracted from the supernet: only its own sliced weights and its
 * recalibrated BatchNorm statistics. It runs BatchNorm in inference mode with exactly the
 * operations of the supernet's forward pass; `folded()` gives the deployed form with
 * BatchNorm folded into the convolutions (w' = w * gamma / sqrt(var + eps),
 * b' = beta - mean * gamma / sqrt(var + eps)) for export and quantization. Each block's
 * weights are those of its family (supernet/blocks).
 */
import { tf } from './backend/tf.js';
import type { Tensor, Tensor2D, Tensor4D } from './backend/tf.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { SubnetPlan } from '../space/plan.js';
import { activation, conv, globalPool, pointwise } from './net/ops.js';
import { batchNorm, convTensors, foldConvBn, type Conv, type FoldedConv, type WeightForm } from './blocks/convBn.js';
import { blockForward, blockTensors, foldBlock, type BlockWeights } from './blocks/index.js';

export { foldConvBn, type BnTensors, type ConvBn, type FoldedConv } from './blocks/convBn.js';
export type { BlockWeights } from './blocks/index.js';

export interface NetWeights<F extends WeightForm> {
  stem: Conv<F, Tensor4D>;
  blocks: BlockWeights<F>[];
  /** The 1x1 head convolution; null when the plan has none. */
  head: Conv<F, Tensor2D> | null;
  classifier: FoldedConv<Tensor2D>;
}

export type SubnetBlockWeights = BlockWeights<'bn'>;
export type SubnetWeights = NetWeights<'bn'>;
export type FoldedWeights = NetWeights<'folded'>;

/** Every tensor of `weights` (either form), for disposal. */
export function netTensors(weights: NetWeights<WeightForm>): Tensor[] {
  const out: Tensor[] = [...convTensors(weights.stem)];
  for (const b of weights.blocks) out.push(...blockTensors(b));
  if (weights.head !== null) out.push(...convTensors(weights.head));
  out.push(weights.classifier.w, weights.classifier.b);
  return out;
}

function checkWeights(plan: SubnetPlan, weights: SubnetWeights): void {
  if (weights.blocks.length !== plan.blocks.length) {
    throw new Error(`the subnet plan has ${plan.blocks.length} blocks but the weights hold ${weights.blocks.length}`);
  }
  if ((plan.head === null) !== (weights.head === null)) {
    throw new Error(`the subnet plan ${plan.head === null ? 'has no' : 'has a'} head convolution but the weights ${weights.head === null ? 'lack one' : 'carry one'}`);
  }
}

export class Subnet {
  readonly space: SearchSpace;
  readonly config: SubnetConfig;
  readonly plan: SubnetPlan;
  readonly weights: SubnetWeights;

  constructor(space: SearchSpace, config: SubnetConfig, plan: SubnetPlan, weights: SubnetWeights) {
    checkWeights(plan, weights);
    this.space = space;
    this.config = config;
    this.plan = plan;
    this.weights = weights;
  }

  /** Logits `[B, classes]` for images `[B,H,W,C]`. Call inside `tf.tidy`. */
  forward(x: Tensor4D): Tensor2D {
    const { plan, weights } = this;
    let h = activation(batchNorm(conv(x, weights.stem.w, plan.stem.stride), weights.stem.bn), plan.stem.act);
    plan.blocks.forEach((b, i) => {
      h = blockForward(h, weights.blocks[i], b);
    });
    if (plan.head !== null && weights.head !== null) {
      h = activation(batchNorm(pointwise(h, weights.head.w), weights.head.bn), plan.head.act);
    }
    return tf.add(tf.matMul(globalPool(h), weights.classifier.w), weights.classifier.b) as Tensor2D;
  }

  /** Predicted logits, computed in batches, as a kept tensor. */
  predict(x: Tensor4D, batchSize = 256): Tensor2D {
    const parts: Tensor2D[] = [];
    for (let i = 0; i < x.shape[0]; i += batchSize) {
      const n = Math.min(batchSize, x.shape[0] - i);
      parts.push(tf.tidy(() => this.forward(tf.slice(x, [i, 0, 0, 0], [n, -1, -1, -1]) as Tensor4D)));
    }
    const out = tf.concat(parts, 0) as Tensor2D;
    for (const p of parts) p.dispose();
    return out;
  }

  /** Every tensor the subnet holds (for disposal). */
  tensors(): Tensor[] {
    return netTensors(this.weights);
  }

  /**
   * The deployed form: BatchNorm folded into every convolution. New tensors; the caller
   * disposes them (see `netTensors`).
   */
  folded(): FoldedWeights {
    const { stem, blocks, head, classifier } = this.weights;
    return {
      stem: foldConvBn(stem, false),
      blocks: blocks.map(foldBlock),
      head: head === null ? null : foldConvBn(head, false),
      classifier: { w: classifier.w.clone(), b: classifier.b.clone() },
    };
  }

  dispose(): void {
    for (const t of this.tensors()) t.dispose();
  }
}
