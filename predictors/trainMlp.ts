/**
 * Training an MLP regressor with tfjs: Adam on mean squared error, seeded initialisation and
 * batch order, early stopping on a held-out part of the training samples (the best epoch's
 * weights are kept). Targets are standardised inside; the returned layers predict raw targets
 * (the scale is folded into the last layer), so a fresh network's output bias is the mean
 * target, as in OFA. A 'penalty' output is scaled but not shifted (softplus does not commute
 * with a shift); its scale is returned as `outputScale` and the layers are left unscaled.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor1D, Tensor2D } from '../supernet/backend/tf.js';
import { Rng } from '../space/rng.js';
import type { DenseLayer } from './MlpPredictor.js';

export interface MlpTrainOptions {
  /** Hidden layer widths of a fresh network (ignored when starting from given layers). */
  hidden?: number[];
  /** Adam learning rate. */
  lr?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Stop after this many epochs without a better held-out error. */
  patience?: number;
  /** Share of the samples held out for early stopping. */
  validationFraction?: number;
  /** Seed of initialisation, hold-out choice and batch order. */
  seed?: number;
  /**
   * 'linear' (default): the last layer's output is the prediction. 'penalty': the prediction
   * is -outputScale * softplus(output), never above 0 - for targets that are losses against a
   * reference (what quantization costs an architecture), so that no input can be predicted to
   * gain, however far it lies from the training samples.
   */
  output?: 'linear' | 'penalty';
}

export const kDefaultMlpTrainOptions: Required<MlpTrainOptions> = {
  hidden: [400, 400, 400],
  lr: 1e-3,
  batchSize: 32,
  maxEpochs: 300,
  patience: 30,
  validationFraction: 0.2,
  seed: 0,
  output: 'linear',
};

export interface MlpTrainResult {
  layers: DenseLayer[];
  epochs: number;
  /** Epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  /** RMSE on the early-stopping hold-out at the best epoch, in target units. */
  holdOutRmse: number;
  trainSamples: number;
  holdOutSamples: number;
  /** 'penalty' output: the prediction is -outputScale * softplus(last layer's output). */
  outputScale?: number;
}

function checkOptions(o: Required<MlpTrainOptions>): void {
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`options.${name} must be a positive integer (got ${v})`);
  };
  o.hidden.forEach((h, i) => posInt(`hidden[${i}]`, h));
  posInt('batchSize', o.batchSize);
  posInt('maxEpochs', o.maxEpochs);
  posInt('patience', o.patience);
  if (!(o.lr > 0)) throw new Error(`options.lr must be a positive number (got ${o.lr})`);
  if (!(o.validationFraction > 0 && o.validationFraction < 1)) {
    throw new Error(`options.validationFraction must be in (0, 1) (got ${o.validationFraction})`);
  }
  if (o.output !== 'linear' && o.output !== 'penalty') throw new Error(`options.output must be 'linear' or 'penalty' (got ${String(o.output)})`);
}

/** Fresh layers: He-normal hidden layers, a small uniform output layer, zero biases. */
export function initLayers(inputs: number, hidden: readonly number[], rng: Rng): DenseLayer[] {
  const widths = [inputs, ...hidden, 1];
  return widths.slice(1).map((outputs, i) => {
    const n = widths[i];
    const last = i === widths.length - 2;
    const std = Math.sqrt(2 / n);
    const bound = 1 / Math.sqrt(n);
    const weights = Float32Array.from({ length: n * outputs }, () => (last ? (2 * rng.next() - 1) * bound : rng.normal() * std));
    return { inputs: n, outputs, weights, bias: new Float32Array(outputs) };
  });
}

/** `layers` with the last one mapped by y' = (y - shift) / scale (or back, with `inverse`). */
function rescaleOutput(layers: readonly DenseLayer[], shift: number, scale: number, inverse: boolean): DenseLayer[] {
  return layers.map((l, i) => {
    if (i < layers.length - 1) return { ...l, weights: l.weights.slice(), bias: l.bias.slice() };
    const w = inverse ? l.weights.map((v) => v * scale) : l.weights.map((v) => v / scale);
    const b = inverse ? l.bias.map((v) => v * scale + shift) : l.bias.map((v) => (v - shift) / scale);
    return { ...l, weights: w, bias: b };
  });
}

function rows(x: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
  return out;
}

/**
 * Trains on `features` (`[n, inputs]`, row-major) and `targets` (`[n]`); starts from
 * `init` layers (same shapes, e.g. for transfer) or fresh ones.
 */
export async function trainMlp(
  features: Float32Array, targets: ArrayLike<number>, inputs: number,
  options: MlpTrainOptions = {}, init?: readonly DenseLayer[],
): Promise<MlpTrainResult> {
  const o = { ...kDefaultMlpTrainOptions, ...options };
  checkOptions(o);
  const n = targets.length;
  if (features.length !== n * inputs) throw new Error(`features must hold ${n} rows of ${inputs} (got ${features.length} values)`);
  const nHold = Math.max(1, Math.round(n * o.validationFraction));
  if (n - nHold < 2) throw new Error(`training needs at least 3 samples (got ${n})`);
  if (init && init[0].inputs !== inputs) throw new Error(`init layers take ${init[0].inputs} inputs, the features have ${inputs}`);
  const penalty = o.output === 'penalty';
  if (penalty && init) throw new Error("a 'penalty' output trains fresh layers only (no init layers)");
  const rng = new Rng(o.seed);
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const holdIdx = order.subarray(0, nHold);
  const trainIdx = order.slice(nHold);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (targets[i] - mean) ** 2;
  // A penalty keeps its sign: scaled by the root mean square, not shifted.
  const shift = penalty ? 0 : mean;
  const scale = Math.max(Math.sqrt(penalty ? ss / n + mean * mean : ss / n), 1e-3);
  const normTargets = Float32Array.from({ length: n }, (_, i) => (targets[i] - shift) / scale);

  const start = init ? rescaleOutput(init, mean, scale, false) : initLayers(inputs, o.hidden, rng.fork());
  if (penalty) {
    // Start at the mean penalty: softplus(bias) = -mean / scale (at least a little above 0).
    const p = Math.max(-mean / scale, 0.05);
    start[start.length - 1].bias.fill(Math.log(Math.expm1(p)));
  }
  // Variables outlive the tidy scope; the tensors they were created from do not.
  const vars = tf.tidy(() => start.map((l) => ({
    w: tf.variable(tf.tensor2d(l.weights, [l.inputs, l.outputs])) as unknown as Tensor2D,
    b: tf.variable(tf.tensor1d(l.bias)) as unknown as Tensor1D,
  })));
  const varList = vars.flatMap((v) => [v.w, v.b]) as unknown as tf.Variable[];
  const forward = (x: Tensor2D): Tensor1D => {
    let h: Tensor2D = x;
    vars.forEach((v, i) => {
      h = tf.add(tf.matMul(h, v.w), v.b) as Tensor2D;
      if (i < vars.length - 1) h = tf.relu(h);
    });
    const out = tf.reshape(h, [-1]) as Tensor1D;
    return penalty ? (tf.neg(tf.softplus(out)) as Tensor1D) : out;
  };
  const xTrain = tf.tensor2d(rows(features, inputs, trainIdx), [trainIdx.length, inputs]);
  const yTrain = tf.tensor1d(Float32Array.from(trainIdx, (i) => normTargets[i]));
  const xHold = tf.tensor2d(rows(features, inputs, holdIdx), [nHold, inputs]);
  const yHold = tf.tensor1d(Float32Array.from(holdIdx, (i) => normTargets[i]));
  const optimizer = tf.train.adam(o.lr);
  const snapshot = (): DenseLayer[] => vars.map((v, i) => ({
    inputs: start[i].inputs, outputs: start[i].outputs,
    weights: Float32Array.from(v.w.dataSync()), bias: Float32Array.from(v.b.dataSync()),
  }));
  const holdOutMse = (): number => tf.tidy(() => tf.mean(tf.square(tf.sub(forward(xHold), yHold))).dataSync()[0]);
  let best = { mse: holdOutMse(), epoch: 0, layers: snapshot() };
  let epoch = 0;
  try {
    const batchOrder = rng.fork();
    while (epoch < o.maxEpochs && epoch - best.epoch < o.patience) {
      epoch++;
      const perm = batchOrder.shuffle(Int32Array.from({ length: trainIdx.length }, (_, i) => i));
      for (let s = 0; s < perm.length; s += o.batchSize) {
        tf.tidy(() => {
          const idx = tf.tensor1d(perm.subarray(s, s + o.batchSize), 'int32');
          const xb = tf.gather(xTrain, idx) as Tensor2D;
          const yb = tf.gather(yTrain, idx) as Tensor1D;
          optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(xb), yb))) as unknown as tf.Scalar, false, varList);
        });
      }
      const mse = holdOutMse();
      if (mse < best.mse) best = { mse, epoch, layers: snapshot() };
      // Let the event loop breathe (progress output, signals) between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
    for (const v of varList) v.dispose();
    for (const t of [xTrain, yTrain, xHold, yHold]) t.dispose();
  }
  return {
    layers: penalty ? best.layers : rescaleOutput(best.layers, mean, scale, true),
    epochs: epoch,
    bestEpoch: best.epoch,
    holdOutRmse: Math.sqrt(best.mse) * scale,
    trainSamples: trainIdx.length,
    holdOutSamples: nHold,
    ...(penalty ? { outputScale: scale } : {}),
  };
}
