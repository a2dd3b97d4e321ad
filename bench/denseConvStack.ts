/**
 * CIFAR-style ResNets for the dense-convolution benchmark (bench/denseConv.ts), the same
 * architecture as bench/denseConvTorch.py: stem conv 3x3 1->16, BN, ReLU; three stages of
 * `blocks` basic blocks at 16/32/64 channels, the first block of a stage with stride 1/2/2;
 * basic block = conv 3x3 (stride s), BN, ReLU, conv 3x3, BN, + shortcut, ReLU, the shortcut a
 * 1x1 conv (stride s) + BN where the shape changes; global average pool; FC 64->10;
 * softmax cross-entropy. ResNet-8 has one block per stage, ResNet-14 two. BN in training mode,
 * SGD with Nesterov momentum 0.9 on flat parameter arrays, as in bench/referenceStack.ts.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '../supernet/backend/tf.js';
import { batchNormTrain } from '../supernet/ops/batchNorm.js';
import { activation, type Activation } from '../supernet/ops/activation.js';
import { Rng } from '../space/rng.js';
import { flatten } from './referenceStack.js';

export const RESNET_INPUT = Object.freeze({ height: 28, width: 28, channels: 1, classes: 10 });
export const RESNET_WIDTHS = Object.freeze([16, 32, 64] as const);
export const RESNET_STRIDES = Object.freeze([1, 2, 2] as const);

interface Bn { gamma: tf.Variable; beta: tf.Variable }
interface Block { conv1: tf.Variable; bn1: Bn; conv2: tf.Variable; bn2: Bn; shortcut?: { w: tf.Variable; bn: Bn }; stride: number }

export class DenseConvStack {
  readonly params: tf.Variable[] = [];
  readonly depth: number;
  private readonly stem: { w: tf.Variable; bn: Bn };
  private readonly blocks: Block[] = [];
  private readonly fc: { w: tf.Variable; b: tf.Variable };
  private flat: Float32Array;
  private readonly velocity: Float32Array;

  /** `blocks` basic blocks per stage (depth 6 * blocks + 2). */
  constructor(blocks: number, seed: number) {
    const rng = new Rng(seed);
    this.depth = 6 * blocks + 2;
    const conv = (k: number, cin: number, cout: number) => this.param(heNormal(rng, [k, k, cin, cout], k * k * cin), [k, k, cin, cout]);
    this.stem = { w: conv(3, RESNET_INPUT.channels, 16), bn: this.bn(16) };
    let cin = 16;
    RESNET_WIDTHS.forEach((cout, stage) => {
      for (let i = 0; i < blocks; i++) {
        const stride = i === 0 ? RESNET_STRIDES[stage] : 1;
        this.blocks.push({
          conv1: conv(3, cin, cout), bn1: this.bn(cout), conv2: conv(3, cout, cout), bn2: this.bn(cout),
          shortcut: stride !== 1 || cin !== cout ? { w: conv(1, cin, cout), bn: this.bn(cout) } : undefined,
          stride,
        });
        cin = cout;
      }
    });
    this.fc = { w: this.param(heNormal(rng, [cin, 10], cin, 1), [cin, 10]), b: this.param(new Float32Array(10), [10]) };
    this.flat = flatten(this.params);
    this.velocity = new Float32Array(this.flat.length);
  }

  forward(images: Tensor4D): Tensor2D {
    let x = this.bnAct(tf.conv2d(images, this.stem.w as Tensor4D, 1, 'same'), this.stem.bn, 'relu');
    for (const b of this.blocks) {
      const h = this.bnAct(tf.conv2d(x, b.conv1 as Tensor4D, b.stride, 'same'), b.bn1, 'relu');
      const y = this.bnAct(tf.conv2d(h, b.conv2 as Tensor4D, 1, 'same'), b.bn2, 'linear');
      const skip = b.shortcut ? this.bnAct(tf.conv2d(x, b.shortcut.w as Tensor4D, b.stride, 'same'), b.shortcut.bn, 'linear') : x;
      x = activation(tf.add(y, skip) as Tensor4D, 'relu');
    }
    const pooled = tf.mean(x, [1, 2]) as Tensor2D;
    return tf.add(tf.matMul(pooled, this.fc.w as Tensor2D), this.fc.b);
  }

  /** One training step (forward, backward, Nesterov SGD); returns the loss. */
  trainStep(images: Tensor4D, labels: Tensor1D, lr: number): number {
    const { value, grads } = tf.variableGrads(() => {
      const onehot = tf.oneHot(labels, RESNET_INPUT.classes);
      return tf.losses.softmaxCrossEntropy(onehot, this.forward(images)) as tf.Scalar;
    }, this.params);
    const loss = value.dataSync()[0];
    const ordered = this.params.map((p) => grads[p.name]);
    const g = flatten(ordered);
    tf.dispose([value, ...ordered]);
    const { flat, velocity: v } = this;
    for (let i = 0; i < flat.length; i++) {
      v[i] = 0.9 * v[i] + g[i];
      flat[i] -= lr * (g[i] + 0.9 * v[i]);
    }
    tf.tidy(() => {
      let offset = 0;
      for (const p of this.params) {
        p.assign(tf.tensor(flat.subarray(offset, offset + p.size), p.shape));
        offset += p.size;
      }
    });
    return loss;
  }

  dispose(): void {
    tf.dispose(this.params);
  }

  private bnAct(x: Tensor4D, bn: Bn, act: Activation): Tensor4D {
    const out = batchNormTrain(x, bn.gamma as Tensor1D, bn.beta as Tensor1D, { activation: act });
    tf.dispose([out.mean, out.variance] as Tensor[]);
    return out.y;
  }

  private param(values: Float32Array, shape: number[]): tf.Variable {
    const v = tf.variable(tf.tensor(values, shape), true);
    this.params.push(v);
    return v;
  }

  private bn(channels: number): Bn {
    return {
      gamma: this.param(new Float32Array(channels).fill(1), [channels]),
      beta: this.param(new Float32Array(channels), [channels]),
    };
  }
}

function heNormal(rng: Rng, shape: number[], fanIn: number, gain = 2): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const std = Math.sqrt(gain / fanIn);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}
