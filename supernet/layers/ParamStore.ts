/**
 * An ordered, named set of tfjs variables: the supernet's shared weights. The order is fixed
 * at construction, so a flat Float32Array of all values (for checkpoints and gradient
 * exchange between data-parallel replicas) means the same thing in every replica.
 */
import { tf } from '../backend/tf.js';
import type { Tensor } from '../backend/tf.js';
import type { Rng } from '../../space/rng.js';

export interface ParamInfo {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Whether weight decay applies (conv and linear weights; not BN, biases, kernel transforms). */
  decay: boolean;
}

let nextStoreId = 0;

export class ParamStore {
  /** Variable-name prefix unique to this store, so several stores can live in one process. */
  readonly prefix = `hwnas${nextStoreId++}/`;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly infos: ParamInfo[] = [];
  private total = 0;

  /** Registers a trainable variable initialised from `values`. */
  add(name: string, shape: number[], values: Float32Array, decay: boolean): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter '${name}' is registered twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`parameter '${name}': ${values.length} values for shape [${shape}]`);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${this.prefix}${name}`));
    this.vars.set(name, v);
    this.infos.push({ name, shape, offset: this.total, size, decay });
    this.total += size;
    return v;
  }

  /** Normal(0, std) initialisation. */
  addNormal(name: string, shape: number[], std: number, rng: Rng, decay = true): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
    return this.add(name, shape, values, decay);
  }

  addConstant(name: string, shape: number[], value: number, decay = false): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, shape, new Float32Array(size).fill(value), decay);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`unknown parameter '${name}'`);
    return v;
  }

  /** Every variable, in registration order. */
  variables(): tf.Variable[] {
    return this.infos.map((info) => this.get(info.name));
  }

  get size(): number {
    return this.total;
  }

  get params(): readonly ParamInfo[] {
    return this.infos;
  }

  /** All values as one flat array, in registration order. */
  flatten(): Float32Array {
    const out = new Float32Array(this.total);
    for (const info of this.infos) out.set(this.get(info.name).dataSync() as Float32Array, info.offset);
    return out;
  }

  /** Sets every variable from a flat array in registration order. */
  assignFlat(flat: Float32Array): void {
    if (flat.length !== this.total) {
      throw new Error(`flat parameter array has ${flat.length} values, the store holds ${this.total}`);
    }
    for (const info of this.infos) {
      const v = this.get(info.name);
      tf.tidy(() => v.assign(tf.tensor(flat.subarray(info.offset, info.offset + info.size), info.shape)));
    }
  }

  /**
   * Writes named gradients into a flat array aligned with `flatten()`; parameters without a
   * gradient (not used by any subnet of the step) contribute zeros. Adds into `out`.
   */
  accumulate(grads: Record<string, Tensor>, out: Float32Array): void {
    for (const info of this.infos) {
      const g = grads[`${this.prefix}${info.name}`];
      if (!g) continue;
      const data = g.dataSync() as Float32Array;
      const dst = out.subarray(info.offset, info.offset + info.size);
      for (let i = 0; i < data.length; i++) dst[i] += data[i];
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
