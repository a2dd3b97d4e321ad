import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { Supernet } from '../../supernet/Supernet.js';
import { calibrationSet, evaluateConfig } from '../../supernet/evaluate.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { Rng } from '../../space/rng.js';
import type { FashionMnist, ImageSet } from '../../supernet/data/types.js';
import { LocalEvaluator, PoolEvaluator } from '../../predictors/SubnetEvaluator.js';
import { scoreLogits } from '../../predictors/evaluateSample.js';
import { extract } from '../../supernet/extract.js';
import { logitsOf, quantizeSubnet } from '../../supernet/quant/QuantizedSubnet.js';
import { withUniformBits } from '../../space/bits.js';
import { imageBatch } from '../fixtures/images.js';
import { collect } from '../../predictors/collect.js';
import { readSamples } from '../../predictors/samples.js';
import { microSpace, smallFashionMnist } from '../fixtures/data.js';

const space = microSpace();
const dir = mkdtempSync(join(tmpdir(), 'hwnas-eval-'));

describe('subnet evaluators', () => {
  let net: Supernet;
  let data: FashionMnist;
  let calibration: ImageSet;
  const checkpoint = join(dir, 'micro.ckpt');

  before(async () => {
    await initBackend({ backend: 'wasm' });
    net = new Supernet(space, 3);
    data = smallFashionMnist(400, 120);
    calibration = calibrationSet(data.train, 200);
    saveCheckpoint(checkpoint, { kind: 'hwnas-supernet', space, options: { seed: 3 } }, { params: net.store.flatten() });
  });
  after(() => {
    net.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures a sample on val with BatchNorm recalibration, timing it', async () => {
    const cfg = sampleConfig(space, new Rng(1));
    const sample = await new LocalEvaluator(net, calibration, data.val, 100).evaluate(cfg);
    const direct = evaluateConfig(net, cfg, calibration, data.val, 100);
    assert.equal(sample.n, 100);
    assert.equal(sample.accuracy, direct.accuracy);
    assert.equal(sample.loss, direct.loss);
    assert.ok(sample.seconds > 0);
    assert.deepEqual(sample.config, cfg);
  });

  it('evaluates a config with bits in its simulated-quantized form', async () => {
    const before = tf.memory().numTensors;
    const cfg = sampleConfig(space, new Rng(2), { quant: 'mixed' });
    const sample = await new LocalEvaluator(net, calibration, data.val, 100).evaluate(cfg);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    const subnet = extract(net, cfg, calibration, { images: calibration.n });
    const q = quantizeSubnet(subnet, calibration);
    const logits = logitsOf(q, imageBatch(data.val, 100), [100, 28, 28, 1]);
    q.dispose();
    subnet.dispose();
    const expected = scoreLogits(logits, data.val.labels.subarray(0, 100), 10);
    assert.equal(sample.n, 100);
    assert.equal(sample.accuracy, expected.accuracy);
    assert.ok(Math.abs(sample.loss - expected.loss) < 1e-9);
    // 32-bit everywhere except the fixed 8-bit stem and classifier: still not the float subnet.
    const float = sampleConfig(space, new Rng(2));
    const q32 = await new LocalEvaluator(net, calibration, data.val, 100).evaluate(withUniformBits(space, float, 32, 32));
    const f32 = await new LocalEvaluator(net, calibration, data.val, 100).evaluate(float);
    assert.notEqual(q32.loss, f32.loss);
  });

  it('scores logits: first maximum wins, cross-entropy by hand', () => {
    const logits = Float32Array.of(1, 1, 0, 0, 2, 0);
    const r = scoreLogits(logits, Uint8Array.of(1, 1), 3);
    assert.equal(r.accuracy, 0.5);
    const ce = (row: number[], y: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[y];
    assert.ok(Math.abs(r.loss - (ce([1, 1, 0], 1) + ce([0, 2, 0], 1)) / 2) < 1e-12);
  });

  it('never evaluates on the test split', async () => {
    const ev = new LocalEvaluator(net, calibration, data.test);
    await assert.rejects(ev.evaluate(sampleConfig(space, new Rng(1))), /measured on the val split \(got 'test'\)/);
  });

  it('two workers that load the checkpoint give the in-process results', async () => {
    const before = tf.memory().numTensors;
    const local = join(dir, 'local.jsonl');
    const pooled = join(dir, 'pool.jsonl');
    await collect(space, new LocalEvaluator(net, calibration, data.val, 100), local, { n: 4, seed: 2 });
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    const pool = await PoolEvaluator.create({ checkpoint, val: data.val, calibration, limit: 100, workers: 2, backend: 'wasm' });
    try {
      await collect(space, pool, pooled, { n: 4, seed: 2 });
    } finally {
      await pool.close();
    }
    const a = readSamples(local, space).samples;
    const b = readSamples(pooled, space).samples;
    assert.equal(b.length, 4);
    assert.deepEqual(b.map((s) => [s.config, s.accuracy, s.loss, s.n]), a.map((s) => [s.config, s.accuracy, s.loss, s.n]));
  });

  it('reports a checkpoint the workers cannot load', async () => {
    const pool = await PoolEvaluator.create({ checkpoint: join(dir, 'missing.ckpt'), val: data.val, calibration, workers: 1, backend: 'wasm' });
    try {
      await assert.rejects(pool.evaluate(sampleConfig(space, new Rng(1))), /cannot read checkpoint .*missing\.ckpt/);
    } finally {
      await pool.close();
    }
  });
});
