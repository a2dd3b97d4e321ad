/**
 * A subnet in its deployed form, run in tfjs: BatchNorm folded, weights on the config's bit
 * grids and activations fake-quantized with ranges calibrated on training images - the
 * simulation of exactly what the QDQ ONNX file computes. Inherited weights, no retraining.
 */
import { tf } from '../backend/tf.js';
import type { Tensor2D, Tensor4D } from '../backend/tf.js';
import type { ImageSet } from '../data/types.js';
import { Subnet } from '../Subnet.js';
import { subnetPlan } from '../../space/plan.js';
import { withUniformBits } from '../../space/bits.js';
import { buildDeployGraph, type DeployGraph } from './deployGraph.js';
import { finalizeGraph, type ActRange } from './finalizeGraph.js';
import { calibrateRanges, type RangeOptions } from './calibrateRanges.js';
import { GraphRunner } from './GraphRunner.js';

export class QuantizedSubnet {
  readonly graph: DeployGraph;
  /** Calibrated range of each activation site. */
  readonly ranges: ReadonlyMap<string, ActRange>;
  private readonly runner: GraphRunner;

  constructor(graph: DeployGraph, ranges: ReadonlyMap<string, ActRange>) {
    this.graph = graph;
    this.ranges = ranges;
    this.runner = new GraphRunner(graph);
  }

  /** Logits `[B, classes]` for images `[B,H,W,C]`. Call inside `tf.tidy`. */
  forward(x: Tensor4D): Tensor2D {
    return this.runner.forward(x);
  }

  /** Logits in batches, as a kept tensor. */
  predict(x: Tensor4D, batchSize = 256): Tensor2D {
    return this.runner.predict(x, batchSize);
  }

  dispose(): void {
    this.runner.dispose();
  }
}

/**
 * Quantizes `subnet` at its config's bits (use `withUniformBits` for a float config):
 * weights per channel, then activation ranges calibrated on `calibration` images.
 */
export function quantizeSubnet(subnet: Subnet, calibration: ImageSet, options: RangeOptions = {}): QuantizedSubnet {
  if (!subnet.plan.quantized) {
    throw new Error('the subnet config has no bits (wBits/aBits): give them in the config, or use withUniformBits(space, config, 8, 8)');
  }
  const graph = buildDeployGraph(subnet, { quantize: true });
  const observer = new GraphRunner(graph);
  let ranges: Map<string, ActRange>;
  try {
    ranges = calibrateRanges(observer, calibration, options);
  } finally {
    observer.dispose();
  }
  return new QuantizedSubnet(finalizeGraph(graph, ranges), ranges);
}

/**
 * `subnet` itself when its config has bits; otherwise a view at 8-bit weights and activations
 * over the same weight tensors (dispose the original, not the view).
 */
export function withDefaultBits(subnet: Subnet): Subnet {
  if (subnet.plan.quantized) return subnet;
  const config = withUniformBits(subnet.space, subnet.config, 8, 8);
  return new Subnet(subnet.space, config, subnetPlan(subnet.space, config), subnet.weights);
}

/** The float deployed form of `subnet` (BatchNorm folded, no quantization). */
export function floatSubnet(subnet: Subnet): QuantizedSubnet {
  return new QuantizedSubnet(buildDeployGraph(subnet, { quantize: false }), new Map());
}

/** Runs `model.forward` over `images` `[N,H,W,C]` in batches and returns the logits. */
export function logitsOf(model: { forward(x: Tensor4D): Tensor2D }, images: Float32Array, shape: readonly number[], batchSize = 250): Float32Array {
  const [n, h, w, c] = shape;
  const px = h * w * c;
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    out.push(tf.tidy(() => model.forward(tf.tensor4d(images.subarray(start * px, (start + m) * px), [m, h, w, c])).dataSync() as Float32Array));
  }
  const all = new Float32Array(out.reduce((s, a) => s + a.length, 0));
  let off = 0;
  for (const a of out) {
    all.set(a, off);
    off += a.length;
  }
  return all;
}
