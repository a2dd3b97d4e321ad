import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { SuperTransformer } from '../../supernet/transformer/SuperTransformer.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { distinctTransformers, largestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import { TransformerEncoder } from '../../predictors/TransformerEncoder.js';
import { fitTransformerPredictor, TransformerAccuracyPredictor } from '../../predictors/TransformerAccuracyPredictor.js';
import { collectTransformers, evaluateSubTransformer, loadTransformerDataset } from '../../predictors/collectTransformers.js';
import type { TransformerSample } from '../../predictors/types.js';
import { spearman } from '../../util/stats.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { tinyVitSpace } from '../fixtures/vit.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-predictor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('TransformerEncoder', () => {
  it('one-hot embedding dim, then per layer slot one-hot heads and MLP ratio, zero past the depth', () => {
    const enc = TransformerEncoder.forSpace(fashionVit);
    assert.equal(enc.dim, 3 + 6 * (2 + 3));
    const x = enc.encode({ kind: 'vit', embedDim: 96, depth: 2, heads: [4, 2], mlpRatios: [2, 4] });
    const on = Array.from(x).flatMap((v, i) => (v === 1 ? [i] : []));
    assert.deepEqual(on, [1, 3 + 1, 3 + 2, 8 + 0, 8 + 2 + 2]);
    assert.equal(x.reduce((a, b) => a + b, 0), 5);
    assert.equal(enc.encodeBatch([largestTransformer(fashionVit), largestTransformer(fashionVit)]).length, 2 * enc.dim);
  });

  it('refuses a choice outside its space, naming it', () => {
    const enc = TransformerEncoder.forSpace(fashionVit);
    assert.throws(() => enc.encode({ kind: 'vit', embedDim: 80, depth: 2, heads: [4, 2], mlpRatios: [2, 4] }), /config\.embedDim = 80 is not one of the encoder's choices \[64, 96, 128\]/);
    assert.throws(() => enc.encode({ kind: 'vit', embedDim: 64, depth: 7, heads: new Array(7).fill(2), mlpRatios: new Array(7).fill(2) }), /config\.depth = 7 is above the encoder's 6 layer slots/);
  });
});

describe('transformer accuracy predictor', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('fits a ranking of a synthetic accuracy, saves and loads it, and refuses another space', async () => {
    // Accuracy rises with width and depth and with the MLP ratios: a predictor must rank it.
    const truth = (c: TransformerSample['config']) => 0.6 + 0.001 * c.embedDim + 0.02 * c.depth + 0.01 * c.mlpRatios.reduce((a, b) => a + b, 0) / c.depth;
    const configs = distinctTransformers(fashionVit, 200, 5);
    const samples = configs.map((config) => ({ config, accuracy: truth(config), loss: 0.5, n: 1000, seconds: 0 }));
    const { predictor } = await fitTransformerPredictor(fashionVit, samples.slice(0, 160), { hidden: [64, 64], maxEpochs: 200, patience: 40, seed: 1 });
    const test = samples.slice(160);
    const predicted = predictor.predict(test.map((s) => s.config));
    assert.ok(spearman(predicted, test.map((s) => s.accuracy)) > 0.9, `Spearman ${spearman(predicted, test.map((s) => s.accuracy))}`);
    const path = join(dir, 'p.json');
    predictor.save(path);
    const loaded = TransformerAccuracyPredictor.load(path, fashionVit);
    assert.deepEqual(Array.from(loaded.predict(test.map((s) => s.config))), Array.from(predicted));
    assert.throws(() => TransformerAccuracyPredictor.load(path, tinyVitSpace()), /trained for another transformer space than 'tiny-vit'.*hwnas fit --space tiny-vit/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 'hwnas-accuracy-predictor' }));
    assert.throws(() => TransformerAccuracyPredictor.load(join(dir, 'bad.json')), /is not a transformer accuracy predictor .*\n.*\n?.*fit one with 'hwnas fit --space SPACE/s);
    const short = JSON.parse(readFileSync(path, 'utf8')) as { layers: Array<{ bias: string }> };
    short.layers[2].bias = 'AAAA';
    writeFileSync(join(dir, 'short.json'), JSON.stringify(short));
    assert.throws(() => TransformerAccuracyPredictor.load(join(dir, 'short.json')), /predictor .*short\.json is damaged: layers\[2\]\.bias holds 3 bytes, expected 4 \(1 float32 values\): fit it again/);
  });

  it('collects SubTransformers of a SuperTransformer into a resumable dataset and reads it back', async () => {
    const space = tinyVitSpace();
    const net = new SuperTransformer(space, 3);
    const { val } = smallFashionMnist(16, 32, 16);
    const out = join(dir, 'vit.jsonl');
    try {
      const first = await collectTransformers(space, (cfg) => evaluateSubTransformer(net, cfg, val), out, { n: 3, seed: 2 });
      assert.deepEqual([first.planned, first.alreadyPresent, first.evaluated], [3, 0, 3]);
      appendFileSync(out, '{"config":{"kind":"vit"');
      let seen = 0;
      const second = await collectTransformers(space, (cfg) => evaluateSubTransformer(net, cfg, val), out, { n: 5, seed: 2, onSample: () => { seen++; } });
      assert.deepEqual([second.alreadyPresent, second.evaluated, seen, second.repairedBytes > 0], [3, 2, 2, true]);
      const data = loadTransformerDataset(out, space);
      assert.equal(data.samples.length, 5);
      assert.deepEqual(data.samples.map((s) => transformerConfigKey(s.config)), distinctTransformers(space, 5, 2).map(transformerConfigKey));
      for (const s of data.samples) assert.ok(s.accuracy >= 0 && s.accuracy <= 1 && s.n === 32 && s.loss > 0);
      // Evaluation on fewer images cannot continue the file.
      await assert.rejects(collectTransformers(space, (cfg) => evaluateSubTransformer(net, cfg, val, 8), out, { n: 6, seed: 2 }), /was evaluated on 32 val images but this run uses 8: pass --eval-images 32/);
      assert.throws(() => loadTransformerDataset(out, fashionVit), /vit\.jsonl:1: invalid SubTransformer config.*\(is the file from another search space than 'fashion-vit'\?\)/s);
      assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 5);
    } finally {
      net.dispose();
    }
  });
});
