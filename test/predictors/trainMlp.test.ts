import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { trainMlp } from '../../predictors/trainMlp.js';
import { mlpForward } from '../../predictors/mlpForward.js';
import { softplus } from '../../predictors/MlpPredictor.js';
import { fitPredictor, splitHoldOut } from '../../predictors/fitPredictor.js';
import { predictorMetrics } from '../../predictors/metrics.js';
import { Rng } from '../../space/rng.js';
import { microSpace } from '../fixtures/data.js';
import { syntheticSamples } from './synthetic.js';

const space = microSpace();
const small = { hidden: [32, 32], maxEpochs: 150, patience: 20, batchSize: 16 };

describe('trainMlp', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('learns a smooth accuracy function well enough to rank held-out configs', async () => {
    const { train, test } = splitHoldOut(syntheticSamples(space, 300, 1), 0.2, 0);
    const before = tf.memory().numTensors;
    const fit = await fitPredictor(space, train, small);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    const m = predictorMetrics(fit.predictor.predict(test.map((s) => s.config)), test.map((s) => s.accuracy));
    assert.ok(m.rmsePp < 1.5, `RMSE ${m.rmsePp.toFixed(2)} pp`);
    assert.ok(m.kendallTau > 0.7, `Kendall tau ${m.kendallTau.toFixed(3)}`);
    assert.ok(fit.train.bestEpoch > 0 && fit.train.bestEpoch <= fit.train.epochs);
    assert.equal(fit.train.trainSamples + fit.train.holdOutSamples, train.length);
    assert.equal(fit.predictor.meta.kind, 'fp32');
  });

  it('starts from the mean target (output bias = mean accuracy)', async () => {
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 40 * 3 }, () => rng.next());
    const y = Float64Array.from({ length: 40 }, () => 0.8 + 0.05 * rng.next());
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const r = await trainMlp(x, y, 3, { hidden: [4], maxEpochs: 1, lr: 1e-12 });
    assert.ok(Math.abs(r.layers[1].bias[0] - mean) < 1e-6, `bias ${r.layers[1].bias[0]} vs mean ${mean}`);
  });

  it("a 'penalty' output fits costs and never predicts a gain, even far outside the data", async () => {
    // Cost grows with the first feature; inputs in training stay in [0, 1].
    const rng = new Rng(6);
    const n = 120;
    const x = Float32Array.from({ length: n * 2 }, () => rng.next());
    const y = Float64Array.from({ length: n }, (_, i) => -0.01 - 0.03 * x[2 * i]);
    const r = await trainMlp(x, y, 2, { hidden: [16], maxEpochs: 200, patience: 40, batchSize: 16, lr: 3e-3, output: 'penalty' });
    assert.ok(r.outputScale !== undefined && r.outputScale > 0);
    const far = Float32Array.from([0, 0, 1, 0, -20, 5, 40, -40]);
    const out = mlpForward(r.layers)(Float32Array.from([...x.subarray(0, 20), ...far]), 14);
    const pred = Array.from(out, (v) => -(r.outputScale as number) * softplus(v));
    assert.ok(pred.every((p) => p <= 0), `penalties ${pred.map((p) => p.toFixed(4))}`);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(pred[i] - y[i]) < 0.006, `sample ${i}: ${pred[i].toFixed(4)} vs ${y[i].toFixed(4)}`);
    await assert.rejects(trainMlp(x, y, 2, { output: 'penalty' }, r.layers), /penalty' output trains fresh layers only/);
  });

  it('gives the same weights for the same seed', async () => {
    const samples = syntheticSamples(space, 60, 3);
    const a = await fitPredictor(space, samples, { ...small, maxEpochs: 5, seed: 4 });
    const b = await fitPredictor(space, samples, { ...small, maxEpochs: 5, seed: 4 });
    const c = await fitPredictor(space, samples, { ...small, maxEpochs: 5, seed: 5 });
    assert.deepEqual(a.predictor.layers, b.predictor.layers);
    assert.notDeepEqual(a.predictor.layers, c.predictor.layers);
  });

  it('names bad options and data', async () => {
    await assert.rejects(trainMlp(new Float32Array(6), [1, 2], 3), /at least 3 samples \(got 2\)/);
    await assert.rejects(trainMlp(new Float32Array(5), [1, 2], 3), /features must hold 2 rows of 3/);
    await assert.rejects(trainMlp(new Float32Array(30), new Float64Array(10), 3, { batchSize: 0 }), /options\.batchSize must be a positive integer \(got 0\)/);
    await assert.rejects(fitPredictor(space, syntheticSamples(space, 10, 1, 'mixed')), /sample 0 has bit-widths.*--quant-data/);
  });
});
