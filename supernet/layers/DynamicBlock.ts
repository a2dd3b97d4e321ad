/**
 * What the elastic blocks of one supernet slot share: parameters under one prefix in the
 * ParamStore, BatchNorms sliced to the channels a subnet keeps, and dense kxk filters whose
 * smaller kernels are the centre of the largest (no transform: dense kernels are not elastic
 * enough in practice to need OFA's depthwise transform matrices).
 */
import { tf } from '../backend/tf.js';
import type { Tensor1D, Tensor4D } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';
import type { BlockPlan } from '../../space/plan.js';
import type { BnMode } from '../net/batchNormMode.js';
import type { ParamStore } from './ParamStore.js';

/** A block of one family in one slot: runs a planned block on shared weights. */
export interface DynamicBlock {
  readonly prefix: string;
  forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D;
}

export abstract class DynamicBlockBase implements DynamicBlock {
  readonly prefix: string;
  protected readonly store: ParamStore;

  protected constructor(store: ParamStore, prefix: string) {
    this.store = store;
    this.prefix = prefix;
  }

  abstract forward(x: Tensor4D, b: BlockPlan, mode: BnMode): Tensor4D;

  protected addBn(name: string, channels: number): void {
    this.store.addConstant(`${this.prefix}.${name}.gamma`, [channels], 1);
    this.store.addConstant(`${this.prefix}.${name}.beta`, [channels], 0);
  }

  /** A dense kxk filter `[k,k,in,out]`, He-initialised with fan-out. */
  protected addDense(name: string, k: number, maxIn: number, maxOut: number, rng: Rng): void {
    this.store.addNormal(`${this.prefix}.${name}.weight`, [k, k, maxIn, maxOut], Math.sqrt(2 / (k * k * maxOut)), rng);
  }

  protected p(name: string): tf.Variable {
    return this.store.get(`${this.prefix}.${name}`);
  }

  /** Gamma and beta of BatchNorm `name` for the first `c` channels. */
  bn(name: string, c: number): { gamma: Tensor1D; beta: Tensor1D } {
    return {
      gamma: tf.slice(this.p(`${name}.gamma`), 0, c) as Tensor1D,
      beta: tf.slice(this.p(`${name}.beta`), 0, c) as Tensor1D,
    };
  }

  /** Dense filter `name` for kernel `k` (the centre of the largest) and the first `inC`/`outC` channels. */
  denseWeight(name: string, k: number, inC: number, outC: number): Tensor4D {
    const w = this.p(`${name}.weight`);
    const off = (w.shape[0] - k) / 2;
    if (!Number.isInteger(off) || off < 0) throw new Error(`kernel ${k} does not fit ${this.prefix}.${name} (largest kernel ${w.shape[0]})`);
    return tf.slice(w, [off, off, 0, 0], [k, k, inC, outC]) as Tensor4D;
  }
}
