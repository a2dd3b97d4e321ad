/**
 * The reference training stack of ENVIRONMENT.md, written functionally with tf.Variables and
 * the project's fused BatchNorm + activation op:
 * stem conv 3x3 s1 1->16, BN, h-swish; six inverted-residual blocks (1x1 expand, BN, h-swish,
 * depthwise kxk, BN, h-swish, 1x1 project, BN, residual when shapes allow); head 1x1 conv
 * 80->256, BN, h-swish; global average pool; FC 256->10; softmax cross-entropy. BN in training
 * mode, SGD with Nesterov momentum 0.9. Also a replica module for the data-parallel trainer.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '../supernet/backend/tf.js';
import { batchNormTrain } from '../supernet/ops/batchNorm.js';
import type { Activation } from '../supernet/ops/activation.js';
import { Rng } from '../space/rng.js';
import type { GradientResult, Replica } from '../supernet/train/replica.js';

/** (in, out, kernel, expand, stride) per block. */
export const REFERENCE_BLOCKS = Object.freeze([
  [16, 24, 5, 4, 2],
  [24, 24, 5, 4, 1],
  [24, 40, 5, 4, 2],
  [40, 40, 5, 4, 1],
  [40, 80, 3, 4, 1],
  [80, 80, 3, 4, 1],
] as const);
export const REFERENCE_INPUT = Object.freeze({ height: 28, width: 28, channels: 1, classes: 10 });

export interface ReferenceStackInit {
  seed: number;
  momentum?: number;
}

/** One shard of a batch: NHWC images and integer labels. */
export interface ReferenceTask {
  images: Float32Array;
  labels: Int32Array;
}

interface Bn {
  gamma: tf.Variable;
  beta: tf.Variable;
  /** Running statistics (momentum 0.1), kept in JavaScript: no tensor ops per step. */
  runMean: Float32Array;
  runVar: Float32Array;
}

export class ReferenceStack {
  /** Trainable variables in a fixed order (the flat gradient's order). */
  readonly params: tf.Variable[] = [];
  private readonly bns: Bn[] = [];
  /** Flat copies of the parameters and the momentum buffer (the optimizer works on these). */
  private readonly flat: Float32Array;
  private readonly velocity: Float32Array;
  private readonly momentum: number;
  private readonly stem: { w: tf.Variable; bn: Bn };
  private readonly blocks: { expand: tf.Variable; bn1: Bn; dw: tf.Variable; bn2: Bn; project: tf.Variable; bn3: Bn }[];
  private readonly head: { w: tf.Variable; bn: Bn; fcW: tf.Variable; fcB: tf.Variable };

  constructor(init: ReferenceStackInit) {
    const rng = new Rng(init.seed);
    this.momentum = init.momentum ?? 0.9;
    const conv = (shape: number[], fanIn: number) => this.param(heNormal(rng, shape, fanIn), shape);
    this.stem = { w: conv([3, 3, 1, 16], 9), bn: this.bn(16) };
    this.blocks = REFERENCE_BLOCKS.map(([cin, cout, k, e]) => {
      const mid = cin * e;
      return {
        expand: conv([1, 1, cin, mid], cin),
        bn1: this.bn(mid),
        dw: conv([k, k, mid, 1], k * k),
        bn2: this.bn(mid),
        project: conv([1, 1, mid, cout], mid),
        bn3: this.bn(cout),
      };
    });
    this.head = {
      w: conv([1, 1, 80, 256], 80),
      bn: this.bn(256),
      fcW: this.param(heNormal(rng, [256, 10], 256, 1), [256, 10]),
      fcB: this.param(new Float32Array(10), [10]),
    };
    this.flat = flatten(this.params);
    this.velocity = new Float32Array(this.flat.length);
  }

  get paramCount(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  /** Logits `[B, 10]`; in training mode BN uses batch statistics and updates running ones. */
  forward(images: Tensor4D): Tensor2D {
    let x = this.bnTrain(tf.conv2d(images, this.stem.w as Tensor4D, 1, 'same'), this.stem.bn, 'hswish');
    REFERENCE_BLOCKS.forEach(([cin, cout, , , stride], i) => {
      const b = this.blocks[i];
      let h = this.bnTrain(tf.conv2d(x, b.expand as Tensor4D, 1, 'same'), b.bn1, 'hswish');
      h = this.bnTrain(tf.depthwiseConv2d(h, b.dw as Tensor4D, stride, 'same'), b.bn2, 'hswish');
      h = this.bnTrain(tf.conv2d(h, b.project as Tensor4D, 1, 'same'), b.bn3, 'linear');
      x = cin === cout && stride === 1 ? tf.add(x, h) : h;
    });
    x = this.bnTrain(tf.conv2d(x, this.head.w as Tensor4D, 1, 'same'), this.head.bn, 'hswish');
    const pooled = tf.mean(x, [1, 2]) as Tensor2D;
    return tf.add(tf.matMul(pooled, this.head.fcW as Tensor2D), this.head.fcB);
  }

  /** Mean softmax cross-entropy of the batch. */
  loss(images: Tensor4D, labels: Tensor1D): tf.Scalar {
    const logits = this.forward(images);
    const onehot = tf.oneHot(tf.cast(labels, 'int32') as Tensor1D, REFERENCE_INPUT.classes);
    return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
  }

  /** Loss and flat gradient (in `params` order) of one batch. */
  gradients(images: Tensor4D, labels: Tensor1D): { loss: number; grads: Float32Array } {
    const { value, grads } = tf.variableGrads(() => this.loss(images, labels), this.params);
    const loss = value.dataSync()[0];
    const ordered = this.params.map((p) => grads[p.name]);
    const flat = flatten(ordered);
    tf.dispose([value, ...ordered]);
    return { loss, grads: flat };
  }

  /**
   * SGD with Nesterov momentum on the flat parameters (v = m v + g; p -= lr (g + m v)), in plain
   * JavaScript (one pass over ~140k floats beats ~300 small tensor ops), then one assign per
   * variable.
   */
  applyGradients(grads: Float32Array, lr: number): void {
    const { flat, velocity: v, momentum: m } = this;
    if (grads.length !== flat.length) throw new Error(`applyGradients: expected ${flat.length} gradients (got ${grads.length})`);
    for (let i = 0; i < flat.length; i++) {
      const vi = m * v[i] + grads[i];
      v[i] = vi;
      flat[i] -= lr * (grads[i] + m * vi);
    }
    this.assignFlat();
  }

  /** One full training step; returns the loss. */
  trainStep(images: Tensor4D, labels: Tensor1D, lr: number): number {
    const { loss, grads } = this.gradients(images, labels);
    this.applyGradients(grads, lr);
    return loss;
  }

  /** Parameters, BN running statistics (mean, variance per BN) and the momentum buffer. */
  getState(): Float32Array[] {
    return [this.flat.slice(), ...this.bns.flatMap((b) => [b.runMean.slice(), b.runVar.slice()]),
      this.velocity.slice()];
  }

  setState(state: Float32Array[]): void {
    const expected = 2 + 2 * this.bns.length;
    if (state.length !== expected || state[0].length !== this.flat.length) {
      throw new Error(`setState: expected ${expected} arrays, the first of ${this.flat.length} parameters`);
    }
    this.flat.set(state[0]);
    this.velocity.set(state[state.length - 1]);
    this.assignFlat();
    this.bns.forEach((b, i) => {
      b.runMean.set(state[1 + 2 * i]);
      b.runVar.set(state[2 + 2 * i]);
    });
  }

  dispose(): void {
    tf.dispose(this.params);
  }

  private assignFlat(): void {
    tf.tidy(() => {
      let offset = 0;
      for (const p of this.params) {
        p.assign(tf.tensor(this.flat.subarray(offset, offset + p.size), p.shape));
        offset += p.size;
      }
    });
  }

  /** BatchNorm with batch statistics fused with its activation; updates the running statistics. */
  private bnTrain(x: Tensor4D, bn: Bn, activation: Activation): Tensor4D {
    const { y, mean, variance } = batchNormTrain(x, bn.gamma as Tensor1D, bn.beta as Tensor1D, { activation });
    const m = mean.dataSync();
    const v = variance.dataSync();
    for (let c = 0; c < m.length; c++) {
      bn.runMean[c] = 0.9 * bn.runMean[c] + 0.1 * m[c];
      bn.runVar[c] = 0.9 * bn.runVar[c] + 0.1 * v[c];
    }
    return y;
  }

  private param(values: Float32Array, shape: number[]): tf.Variable {
    const v = tf.variable(tf.tensor(values, shape), true);
    this.params.push(v);
    return v;
  }

  private bn(channels: number): Bn {
    const bn = {
      gamma: this.param(new Float32Array(channels).fill(1), [channels]),
      beta: this.param(new Float32Array(channels), [channels]),
      runMean: new Float32Array(channels),
      runVar: new Float32Array(channels).fill(1),
    };
    this.bns.push(bn);
    return bn;
  }
}

function heNormal(rng: Rng, shape: number[], fanIn: number, gain = 2): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const std = Math.sqrt(gain / fanIn);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}

/** Replica module entry: the reference stack behind the data-parallel trainer's contract. */
export async function createReplica(init: ReferenceStackInit): Promise<Replica<ReferenceTask>> {
  const net = new ReferenceStack(init);
  const { height, width, channels } = REFERENCE_INPUT;
  return {
    paramCount: net.paramCount,
    computeGradients(task: ReferenceTask): GradientResult {
      const count = task.labels.length;
      const images = tf.tensor4d(task.images, [count, height, width, channels]);
      const labels = tf.tensor1d(task.labels, 'int32');
      try {
        const { loss, grads } = net.gradients(images, labels);
        return { loss, count, grads };
      } finally {
        tf.dispose([images, labels]);
      }
    },
    applyGradients: (grads, lr) => net.applyGradients(grads, lr),
    getState: () => net.getState(),
    setState: (state) => net.setState(state),
    dispose: () => net.dispose(),
  };
}

/** Concatenates tensors' values into one Float32Array. */
export function flatten(tensors: Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}
