/**
 * Runs a deployed graph in tfjs: the simulated-quantized subnet (weights on their grids,
 * activations fake-quantized at the graph's quant ops) or, for a float graph, the folded
 * subnet. An observer sees each quant site's input instead of quantizing it (calibration).
 * A trainable runner holds the float weights as variables and quantizes them, and the
 * activations, with straight-through gradients (fine-tuning).
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '../backend/tf.js';
import { activation, conv, depthwise, globalPool, pointwise } from '../net/ops.js';
import { hsigmoid } from '../ops/hswish.js';
import type { DeployGraph } from './deployGraph.js';
import { fakeQuant } from './fakeQuant.js';
import { fakeQuantSte, fakeQuantWeightSte } from './ste.js';

/** Called with each quant site's float input during an observing forward pass. */
export type SiteObserver = (site: string, x: Tensor) => void;

/** A trainable variable holding `init` (which is disposed). */
export function variableOf(init: Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

export interface RunnerOptions {
  /** Hold float weights as variables and quantize with straight-through gradients. */
  trainable?: boolean;
}

export class GraphRunner {
  readonly graph: DeployGraph;
  readonly trainable: boolean;
  private readonly weights = new Map<string, { w: Tensor; b: Tensor1D }>();

  constructor(graph: DeployGraph, options: RunnerOptions = {}) {
    this.graph = graph;
    this.trainable = options.trainable === true;
    for (const op of graph.ops) {
      if (op.op !== 'conv') continue;
      if (this.trainable) {
        const w = variableOf(tf.tensor(op.w.float ?? op.w.values, op.w.shape));
        const b = variableOf(tf.tensor1d(op.b.float ?? op.b.values));
        this.weights.set(op.name, { w, b: b as unknown as Tensor1D });
      } else {
        this.weights.set(op.name, { w: tf.tensor(op.w.values, op.w.shape), b: tf.tensor1d(op.b.values) });
      }
    }
  }

  /** The trainable variables (empty unless trainable). */
  variables(): tf.Variable[] {
    return this.trainable ? [...this.weights.values()].flatMap(({ w, b }) => [w as tf.Variable, b as unknown as tf.Variable]) : [];
  }

  /** Current float weight and bias values of each convolution, by name. */
  weightValues(): Map<string, { w: Float32Array; b: Float32Array }> {
    const out = new Map<string, { w: Float32Array; b: Float32Array }>();
    for (const [name, { w, b }] of this.weights) out.set(name, { w: w.dataSync() as Float32Array, b: b.dataSync() as Float32Array });
    return out;
  }

  /**
   * Logits `[B, classes]` for images `[B,H,W,C]`. With `observe`, quant ops pass values
   * through and report them; otherwise they fake-quantize (parameters required). Call inside
   * `tf.tidy`.
   */
  forward(x: Tensor4D, observe?: SiteObserver): Tensor2D {
    const values = new Map<string, Tensor>([[this.graph.input, x]]);
    const get = (name: string): Tensor => {
      const t = values.get(name);
      if (!t) throw new Error(`deployed graph reads '${name}' before it is computed`);
      return t;
    };
    for (const op of this.graph.ops) {
      switch (op.op) {
        case 'conv': {
          const held = this.weights.get(op.name)!;
          const b = held.b;
          const w = this.trainable && op.w.quant ? fakeQuantWeightSte(held.w, op.w.axis, op.w.quant.bits) : held.w;
          const input = get(op.x);
          let y: Tensor;
          if (op.kind === 'dense') y = conv(input as Tensor4D, w as Tensor4D, op.stride, b);
          else if (op.kind === 'depthwise') y = depthwise(input as Tensor4D, w as Tensor4D, op.stride, b);
          else if (op.kind === 'pointwise') y = pointwise(input as Tensor4D, w as Tensor2D, b);
          else y = tf.add(tf.matMul(input as Tensor2D, w as Tensor2D), b);
          values.set(op.y, y);
          break;
        }
        case 'act':
          values.set(op.y, op.fn === 'hsigmoid' ? hsigmoid(get(op.x)) : activation(get(op.x), op.fn));
          break;
        case 'quant': {
          const input = get(op.x);
          if (observe) {
            observe(op.site, input);
            values.set(op.y, input);
          } else {
            if (!op.qp) throw new Error(`activation site '${op.site}' has no quantization parameters: calibrate and finalize the graph first`);
            values.set(op.y, this.trainable ? fakeQuantSte(input, op.qp) : fakeQuant(input, op.qp));
          }
          break;
        }
        case 'add':
          values.set(op.y, tf.add(get(op.a), get(op.b)));
          break;
        case 'scale': {
          const input = get(op.x) as Tensor4D;
          const [n, , , c] = input.shape;
          values.set(op.y, tf.mul(input, tf.reshape(get(op.gate), [n, 1, 1, c])));
          break;
        }
        case 'pool':
          values.set(op.y, globalPool(get(op.x) as Tensor4D));
          break;
      }
    }
    return get(this.graph.output) as Tensor2D;
  }

  /** Logits for many images, computed in batches, as a kept tensor. */
  predict(x: Tensor4D, batchSize = 256): Tensor2D {
    const parts: Tensor2D[] = [];
    for (let i = 0; i < x.shape[0]; i += batchSize) {
      const n = Math.min(batchSize, x.shape[0] - i);
      parts.push(tf.tidy(() => this.forward(tf.slice(x, [i, 0, 0, 0], [n, -1, -1, -1]) as Tensor4D)));
    }
    const out = tf.concat(parts, 0) as Tensor2D;
    tf.dispose(parts);
    return out;
  }

  dispose(): void {
    for (const { w, b } of this.weights.values()) tf.dispose([w, b]);
    this.weights.clear();
  }
}
