/**
 * A standalone subnet extracted from the supernet: only its own sliced weights and its
 * recalibrated BatchNorm statistics. It runs BatchNorm in inference mode with exactly the
 * operations of the supernet's forward pass; `folded()` gives the deployed form with
 * BatchNorm folded into the convolutions (w' = w * gamma / sqrt(var + eps),
 * b' = beta - mean * gamma / sqrt(var + eps)) for export and quantization.
 */
import { tf } from './backend/tf.js';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from './backend/tf.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { headOf, type SubnetPlan } from '../space/plan.js';
import { activation, conv, depthwise, globalPool, pointwise, squeezeExcite, type SeWeights } from './net/ops.js';
import { batchNormInfer, kDefaultBatchNormEpsilon } from './ops/batchNorm.js';

/** Inference BatchNorm parameters, `[C]` each. */
export interface BnTensors {
  gamma: Tensor1D;
  beta: Tensor1D;
  mean: Tensor1D;
  variance: Tensor1D;
}

/**
 * A convolution followed by BatchNorm: `w` is `[k,k,Cin,Cout]` (dense), `[k,k,C,1]`
 * (depthwise) or `[Cin,Cout]` (1x1).
 */
export interface ConvBn<W extends Tensor = Tensor> {
  w: W;
  bn: BnTensors;
}

/** A convolution with bias (BatchNorm folded in, or a plain linear layer). */
export interface FoldedConv<W extends Tensor = Tensor> {
  w: W;
  b: Tensor1D;
}

export interface BlockWeights<C> {
  expand: C extends 'bn' ? ConvBn<Tensor2D> : FoldedConv<Tensor2D>;
  dw: C extends 'bn' ? ConvBn<Tensor4D> : FoldedConv<Tensor4D>;
  se?: SeWeights;
  project: C extends 'bn' ? ConvBn<Tensor2D> : FoldedConv<Tensor2D>;
}

export interface NetWeights<C extends 'bn' | 'folded'> {
  stem: C extends 'bn' ? ConvBn<Tensor4D> : FoldedConv<Tensor4D>;
  blocks: BlockWeights<C>[];
  head: C extends 'bn' ? ConvBn<Tensor2D> : FoldedConv<Tensor2D>;
  classifier: FoldedConv<Tensor2D>;
}

export type SubnetBlockWeights = BlockWeights<'bn'>;
export type SubnetWeights = NetWeights<'bn'>;
export type FoldedWeights = NetWeights<'folded'>;

function bn<T extends Tensor>(x: T, p: BnTensors): T {
  return batchNormInfer(x, p.mean, p.variance, p.gamma, p.beta);
}

/** Folds BatchNorm into a weight whose last axis (or axis 2 for depthwise) is the output channel. */
export function foldConvBn<W extends Tensor>(c: ConvBn<W>, depthwiseFilter: boolean): FoldedConv<W> {
  return tf.tidy(() => {
    const scale = tf.div(c.bn.gamma, tf.sqrt(tf.add(c.bn.variance, kDefaultBatchNormEpsilon))) as Tensor1D;
    const w = depthwiseFilter ? tf.mul(c.w, tf.reshape(scale, [1, 1, -1, 1])) : tf.mul(c.w, scale);
    const b = tf.sub(c.bn.beta, tf.mul(c.bn.mean, scale));
    return { w, b } as unknown as tf.TensorContainerObject;
  }) as unknown as FoldedConv<W>;
}

function bnTensors(p: BnTensors): Tensor[] {
  return [p.gamma, p.beta, p.mean, p.variance];
}

export class Subnet {
  readonly space: SearchSpace;
  readonly config: SubnetConfig;
  readonly plan: SubnetPlan;
  readonly weights: SubnetWeights;

  constructor(space: SearchSpace, config: SubnetConfig, plan: SubnetPlan, weights: SubnetWeights) {
    this.space = space;
    this.config = config;
    this.plan = plan;
    this.weights = weights;
  }

  /** Logits `[B, classes]` for images `[B,H,W,C]`. Call inside `tf.tidy`. */
  forward(x: Tensor4D): Tensor2D {
    const { plan, weights } = this;
    let h = activation(bn(conv(x, weights.stem.w, plan.stem.stride), weights.stem.bn), plan.stem.act);
    plan.blocks.forEach((b, i) => {
      const w = weights.blocks[i];
      const input = h;
      h = activation(bn(pointwise(h, w.expand.w), w.expand.bn), b.act);
      h = activation(bn(depthwise(h, w.dw.w, b.stride), w.dw.bn), b.act);
      if (w.se) h = squeezeExcite(h, w.se);
      h = bn(pointwise(h, w.project.w), w.project.bn);
      if (b.residual) h = tf.add(h, input);
    });
    h = activation(bn(pointwise(h, weights.head.w), weights.head.bn), headOf(plan).act);
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

  /** Every tensor the subnet holds, in a fixed order (for export and disposal). */
  tensors(): Tensor[] {
    const { stem, blocks, head, classifier } = this.weights;
    const out: Tensor[] = [stem.w, ...bnTensors(stem.bn)];
    for (const b of blocks) {
      out.push(b.expand.w, ...bnTensors(b.expand.bn), b.dw.w, ...bnTensors(b.dw.bn));
      if (b.se) out.push(b.se.w1, b.se.b1, b.se.w2, b.se.b2);
      out.push(b.project.w, ...bnTensors(b.project.bn));
    }
    out.push(head.w, ...bnTensors(head.bn), classifier.w, classifier.b);
    return out;
  }

  /**
   * The deployed form: BatchNorm folded into every convolution. New tensors; the caller
   * disposes them (see `disposeWeights`).
   */
  folded(): FoldedWeights {
    const { stem, blocks, head, classifier } = this.weights;
    return {
      stem: foldConvBn(stem, false),
      blocks: blocks.map((b) => ({
        expand: foldConvBn(b.expand, false),
        dw: foldConvBn(b.dw, true),
        se: b.se ? { w1: b.se.w1.clone(), b1: b.se.b1.clone(), w2: b.se.w2.clone(), b2: b.se.b2.clone() } : undefined,
        project: foldConvBn(b.project, false),
      })),
      head: foldConvBn(head, false),
      classifier: { w: classifier.w.clone(), b: classifier.b.clone() },
    };
  }

  dispose(): void {
    for (const t of this.tensors()) t.dispose();
  }
}
