/**
 * One elastic inverted-residual block slot of the supernet (OFA's DynamicMBConvLayer):
 * shared weights at the largest input, middle and output widths and the largest kernel.
 * A subnet's block takes the first channels of each weight (channels are kept in importance
 * order) and the centre of the largest depthwise kernel, passed through a learned transform
 * per smaller kernel (7 -> 5 -> 3, identity at initialisation).
 */
import { tf } from '../backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import type { BlockPlan } from '../../space/plan.js';
import { applyBatchNorm, type BnMode } from '../net/batchNormMode.js';
import { activation, depthwise, pointwise, squeezeExcite, type SeWeights } from '../net/ops.js';
import type { ParamStore } from './ParamStore.js';

export interface MBConvShape {
  maxIn: number;
  maxMid: number;
  maxSe: number;
  maxOut: number;
  /** Kernel choices, ascending. */
  kernels: readonly number[];
}

function identity(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

export class DynamicMBConv {
  readonly prefix: string;
  private readonly store: ParamStore;
  private readonly shape: MBConvShape;

  constructor(store: ParamStore, prefix: string, shape: MBConvShape, rng: Rng) {
    this.store = store;
    this.prefix = prefix;
    this.shape = shape;
    const { maxIn, maxMid, maxSe, maxOut, kernels } = shape;
    const kMax = kernels[kernels.length - 1];
    // He initialisation with fan-out, as torchvision's MobileNetV3.
    store.addNormal(`${prefix}.expand.weight`, [maxIn, maxMid], Math.sqrt(2 / maxMid), rng);
    this.addBn('bn1', maxMid);
    store.addNormal(`${prefix}.dw.weight`, [kMax, kMax, maxMid, 1], Math.sqrt(2 / (kMax * kMax)), rng);
    for (let i = kernels.length - 1; i > 0; i--) {
      const k = kernels[i - 1];
      store.add(`${prefix}.dw.transform${kernels[i]}to${k}`, [k * k, k * k], identity(k * k), false);
    }
    this.addBn('bn2', maxMid);
    if (maxSe > 0) {
      store.addNormal(`${prefix}.se.w1`, [maxMid, maxSe], Math.sqrt(2 / maxSe), rng);
      store.addConstant(`${prefix}.se.b1`, [maxSe], 0);
      store.addNormal(`${prefix}.se.w2`, [maxSe, maxMid], Math.sqrt(2 / maxMid), rng);
      store.addConstant(`${prefix}.se.b2`, [maxMid], 0);
    }
    store.addNormal(`${prefix}.project.weight`, [maxMid, maxOut], Math.sqrt(2 / maxOut), rng);
    this.addBn('bn3', maxOut);
  }

  private addBn(name: string, channels: number): void {
    this.store.addConstant(`${this.prefix}.${name}.gamma`, [channels], 1);
    this.store.addConstant(`${this.prefix}.${name}.beta`, [channels], 0);
  }

  private p(name: string): tf.Variable {
    return this.store.get(`${this.prefix}.${name}`);
  }

  /** Gamma and beta of BatchNorm `name` for the first `c` channels. */
  bn(name: 'bn1' | 'bn2' | 'bn3', c: number): { gamma: Tensor1D; beta: Tensor1D } {
    return {
      gamma: tf.slice(this.p(`${name}.gamma`), 0, c) as Tensor1D,
      beta: tf.slice(this.p(`${name}.beta`), 0, c) as Tensor1D,
    };
  }

  expandWeight(inC: number, midC: number): Tensor2D {
    return tf.slice(this.p('expand.weight'), [0, 0], [inC, midC]) as Tensor2D;
  }

  projectWeight(midC: number, outC: number): Tensor2D {
    return tf.slice(this.p('project.weight'), [0, 0], [midC, outC]) as Tensor2D;
  }

  /** The depthwise filter `[k,k,midC,1]` for kernel `k`: nested centres through the transforms. */
  depthwiseWeight(midC: number, k: number): Tensor4D {
    const { kernels } = this.shape;
    let kCur = kernels[kernels.length - 1];
    let w = tf.slice(this.p('dw.weight'), [0, 0, 0, 0], [kCur, kCur, midC, 1]) as Tensor4D;
    for (let i = kernels.length - 1; i > 0 && kCur > k; i--) {
      const kNext = kernels[i - 1];
      const off = (kCur - kNext) / 2;
      const centre = tf.slice(w, [off, off, 0, 0], [kNext, kNext, midC, 1]);
      const t = this.p(`dw.transform${kCur}to${kNext}`) as unknown as Tensor2D;
      const flat = tf.reshape(centre, [kNext * kNext, midC]) as Tensor2D;
      w = tf.reshape(tf.matMul(t, flat), [kNext, kNext, midC, 1]) as Tensor4D;
      kCur = kNext;
    }
    if (kCur !== k) throw new Error(`kernel ${k} is not one of the block's kernels [${kernels.join(', ')}]`);
    return w;
  }

  seWeights(midC: number, seC: number): SeWeights {
    return {
      w1: tf.slice(this.p('se.w1'), [0, 0], [midC, seC]) as Tensor2D,
      b1: tf.slice(this.p('se.b1'), 0, seC) as Tensor1D,
      w2: tf.slice(this.p('se.w2'), [0, 0], [seC, midC]) as Tensor2D,
      b2: tf.slice(this.p('se.b2'), 0, midC) as Tensor1D,
    };
  }

  /** Runs the block as planned, with BatchNorm under `mode`. */
  forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D {
    const id = this.prefix;
    const bn1 = this.bn('bn1', b.midC);
    let h = pointwise(x, this.expandWeight(b.inC, b.midC));
    h = activation(applyBatchNorm(mode, `${id}.bn1`, h, bn1.gamma, bn1.beta), b.act);
    const bn2 = this.bn('bn2', b.midC);
    h = depthwise(h, this.depthwiseWeight(b.midC, b.kernel), b.stride);
    h = activation(applyBatchNorm(mode, `${id}.bn2`, h, bn2.gamma, bn2.beta), b.act);
    if (b.seC > 0) h = squeezeExcite(h, this.seWeights(b.midC, b.seC));
    const bn3 = this.bn('bn3', b.outC);
    h = applyBatchNorm(mode, `${id}.bn3`, pointwise(h, this.projectWeight(b.midC, b.outC)), bn3.gamma, bn3.beta);
    return b.residual ? tf.add(h, x) : h;
  }
}
