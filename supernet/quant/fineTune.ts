/**
 * Brief quantization-aware fine-tuning of a quantized subnet with straight-through estimators:
 * the BatchNorm-folded float weights are trained through the exact fake quantization of the
 * deployed graph (per-channel weight grids, fixed activation grids), with SGD + momentum and a
 * cosine learning-rate decay; then the weights are re-quantized and the activation ranges
 * re-calibrated, giving a new deployed graph.
 */
import { tf } from '../backend/tf.js';
import type { DataSplit, ImageSet } from '../data/types.js';
import { trainBatches, type TensorBatch } from '../data/tensorBatches.js';
import type { DeployGraph, DeployOp } from './deployGraph.js';
import { quantizeWeight } from './fakeQuant.js';
import { finalizeGraph } from './finalizeGraph.js';
import { calibrateRanges, type RangeOptions } from './calibrateRanges.js';
import { GraphRunner, variableOf } from './GraphRunner.js';
import { QuantizedSubnet } from './QuantizedSubnet.js';

export interface FineTuneOptions {
  steps?: number;
  batchSize?: number;
  /** Peak learning rate (cosine decay to 0 over `steps`). */
  lr?: number;
  momentum?: number;
  seed?: number;
  /** Random crop and flip, as in supernet training. */
  augment?: boolean;
  /** Activation range re-calibration after training. */
  ranges?: RangeOptions;
  /** Called after every step with its training loss. */
  onStep?: (step: number, loss: number) => void;
}

export const kDefaultFineTuneOptions: Required<Omit<FineTuneOptions, 'onStep' | 'ranges'>> = Object.freeze({
  steps: 300,
  batchSize: 64,
  lr: 0.002,
  momentum: 0.9,
  seed: 1,
  augment: true,
});

function checkOptions(options: FineTuneOptions): typeof kDefaultFineTuneOptions {
  const o = { ...kDefaultFineTuneOptions, ...options };
  for (const key of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`options.${key} must be a positive integer (got ${o[key]})`);
  }
  if (!(o.lr > 0)) throw new RangeError(`options.lr must be a positive number (got ${o.lr})`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new RangeError(`options.momentum must be in [0, 1) (got ${o.momentum})`);
  return o;
}

/** `graph` with new float weights: weights re-quantized, biases float, activation parameters cleared. */
export function reweightGraph(graph: DeployGraph, weights: ReadonlyMap<string, { w: Float32Array; b: Float32Array }>): DeployGraph {
  const ops: DeployOp[] = graph.ops.map((op) => {
    if (op.op === 'quant') return { op: 'quant', site: op.site, x: op.x, y: op.y };
    if (op.op !== 'conv') return op;
    const v = weights.get(op.name);
    if (!v) throw new Error(`no weights for convolution '${op.name}'`);
    const w = op.w.quant
      ? (() => {
        const { quant, dequantized } = quantizeWeight(v.w, op.w.shape, op.w.axis, op.w.quant!.bits);
        return { ...op.w, values: dequantized, quant, float: v.w };
      })()
      : { ...op.w, values: v.w };
    return { ...op, w, b: { values: v.b } };
  });
  return { ...graph, ops };
}

/** Fine-tunes `model` on `train` and returns the re-quantized model (the input is left as it was). */
export function fineTuneQuantized(model: QuantizedSubnet, train: DataSplit, calibration: ImageSet, options: FineTuneOptions = {}): { model: QuantizedSubnet; losses: number[] } {
  const o = checkOptions(options);
  const runner = new GraphRunner(model.graph, { trainable: true });
  const vars = runner.variables();
  const velocity = vars.map((v) => variableOf(tf.zerosLike(v), false));
  const losses: number[] = [];
  try {
    let epoch = 0;
    let batches = trainBatches(train, { batchSize: o.batchSize, seed: o.seed, epoch, augment: o.augment, oneHot: true, numClasses: model.graph.classes });
    for (let step = 0; step < o.steps; step++) {
      let next = batches.next();
      if (next.done) {
        batches = trainBatches(train, { batchSize: o.batchSize, seed: o.seed, epoch: ++epoch, augment: o.augment, oneHot: true, numClasses: model.graph.classes });
        next = batches.next();
        if (next.done) throw new Error(`the training split (${train.n} images) is smaller than one batch of ${o.batchSize}`);
      }
      const batch: TensorBatch = next.value;
      const lr = 0.5 * o.lr * (1 + Math.cos((Math.PI * step) / o.steps));
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(batch.yOneHot!, runner.forward(batch.x)) as tf.Scalar, vars);
        vars.forEach((v, i) => {
          const g = grads[v.name];
          velocity[i].assign(tf.add(tf.mul(velocity[i], o.momentum), g));
          v.assign(tf.sub(v, tf.mul(velocity[i], lr)));
        });
        return value.dataSync()[0];
      });
      batch.dispose();
      losses.push(loss);
      options.onStep?.(step, loss);
    }
    const weights = runner.weightValues();
    const graph = reweightGraph(model.graph, weights);
    const observer = new GraphRunner(graph);
    try {
      const ranges = calibrateRanges(observer, calibration, options.ranges);
      return { model: new QuantizedSubnet(finalizeGraph(graph, ranges), ranges), losses };
    } finally {
      observer.dispose();
    }
  } finally {
    runner.dispose();
    tf.dispose(velocity);
  }
}
