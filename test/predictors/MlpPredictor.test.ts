import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigEncoder } from '../../predictors/ConfigEncoder.js';
import { MlpPredictor, type DenseLayer } from '../../predictors/MlpPredictor.js';
import { initLayers } from '../../predictors/trainMlp.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';

const space = microSpace();
const dir = mkdtempSync(join(tmpdir(), 'hwnas-mlp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function randomPredictor(seed: number, hidden = [16, 8]): MlpPredictor {
  const encoder = ConfigEncoder.forSpace(space);
  const layers = initLayers(encoder.dim, hidden, new Rng(seed));
  for (const l of layers) l.bias.forEach((_, i) => (l.bias[i] = 0.1 * (i % 3) - 0.05));
  return new MlpPredictor(encoder, layers, { note: 'test' });
}

/** The same forward pass written out plainly. */
function reference(p: MlpPredictor, cfg: SubnetConfig): number {
  let x = Array.from(p.encoder.encode(cfg));
  p.layers.forEach((l, li) => {
    const y: number[] = [];
    for (let o = 0; o < l.outputs; o++) {
      let s = l.bias[o];
      for (let i = 0; i < l.inputs; i++) s += x[i] * l.weights[i * l.outputs + o];
      y.push(li < p.layers.length - 1 ? Math.max(0, s) : s);
    }
    x = y;
  });
  return x[0];
}

describe('MlpPredictor', () => {
  const rng = new Rng(5);
  const configs = Array.from({ length: 50 }, () => sampleConfig(space, rng));

  it('predicts what a plain ReLU MLP forward pass gives, for a batch at once', () => {
    const p = randomPredictor(1);
    const batch = p.predict(configs);
    assert.equal(batch.length, configs.length);
    configs.forEach((c, i) => assert.ok(Math.abs(batch[i] - reference(p, c)) < 1e-5, `config ${i}: ${batch[i]} vs ${reference(p, c)}`));
    assert.ok(new Set(batch).size > 10, 'predictions should differ between configs');
  });

  it('a 1-4-1 network by hand', () => {
    const encoder = ConfigEncoder.forSpace(space);
    const d = encoder.dim;
    // Hidden unit u reads feature 0 (slot0.k3) with weight u - 1.5: units 2 and 3 pass, 0 and 1 clip.
    const w1 = new Float32Array(d * 4);
    for (let u = 0; u < 4; u++) w1[u] = u - 1.5;
    const layers: DenseLayer[] = [
      { inputs: d, outputs: 4, weights: w1, bias: new Float32Array(4) },
      { inputs: 4, outputs: 1, weights: Float32Array.of(1, 1, 2, 4), bias: Float32Array.of(0.25) },
    ];
    const p = new MlpPredictor(encoder, layers);
    const k3 = { depths: [1, 1], kernels: [3, 3, 3, 3], expands: [2, 2, 2, 2], widths: [1, 1] };
    const k5 = { ...k3, kernels: [5, 3, 3, 3] };
    assert.deepEqual([...p.predict([k3, k5])], [0.25 + 2 * 0.5 + 4 * 1.5, 0.25]);
    assert.deepEqual(p.hidden, [4]);
  });

  it('saves and loads with identical predictions', () => {
    const p = randomPredictor(2);
    const path = join(dir, 'p.json');
    p.save(path);
    const q = MlpPredictor.load(path, space);
    assert.deepEqual(q.predict(configs), p.predict(configs));
    assert.deepEqual(q.meta, { note: 'test' });
    assert.deepEqual(q.encoder.spec, p.encoder.spec);
  });

  it('refuses damaged or foreign files, naming the problem', () => {
    const p = randomPredictor(3);
    const good = p.toJSON();
    const write = (name: string, value: unknown): string => {
      const path = join(dir, name);
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
      return path;
    };
    assert.throws(() => MlpPredictor.load(join(dir, 'missing.json')), /cannot read predictor .*missing\.json/);
    assert.throws(() => MlpPredictor.load(write('text.json', '{"format":')), /is not valid JSON/);
    assert.throws(() => MlpPredictor.load(write('fmt.json', { ...good, format: 'other' })), /not an hwnas accuracy predictor file[\s\S]*format/);
    assert.throws(() => MlpPredictor.load(write('ver.json', { ...good, version: 2 })), /version/);
    const short = { ...good, layers: good.layers.map((l, i) => (i === 1 ? { ...l, weights: l.weights.slice(0, 8) } : l)) };
    assert.throws(() => MlpPredictor.load(write('short.json', short)), /damaged: layers\[1\]\.weights holds 6 bytes, expected 512 \(128 float32 values\)/);
    const corrupt = { ...good, layers: good.layers.map((l, i) => (i === 0 ? { ...l, weights: `*${l.weights.slice(1)}` } : l)) };
    assert.throws(() => MlpPredictor.load(write('corrupt.json', corrupt)), /predictor .*corrupt\.json is damaged: layers\[0\]\.weights is not base64/);
    const nan = Buffer.from(new Float32Array([NaN]).buffer).toString('base64');
    const bad = { ...good, layers: good.layers.map((l, i) => (i === 2 ? { ...l, bias: nan } : l)) };
    assert.throws(() => MlpPredictor.load(write('nan.json', bad)), /layers\[2\]\.bias\[0\] is NaN/);
    const chain = { ...good, layers: [good.layers[0], good.layers[2]] };
    assert.throws(() => MlpPredictor.load(write('chain.json', chain)), /layer 1 takes 8 inputs but receives 16/);
    const path = write('ok.json', good);
    assert.throws(() => MlpPredictor.load(path, fashionMbv3), /trained for another search space than 'fashion-mbv3'[\s\S]*stageSlots/);
    assert.equal(readFileSync(path, 'utf8').length > 0, true);
  });

  it('refuses layers that do not chain to one output', () => {
    const encoder = ConfigEncoder.forSpace(space);
    const layers = initLayers(encoder.dim, [4], new Rng(0));
    assert.throws(() => new MlpPredictor(encoder, [layers[0]]), /last layer must have one output \(got 4\)/);
    assert.throws(() => new MlpPredictor(ConfigEncoder.forSpace(space, { bits: true }), layers), /layer 0 takes 20 inputs but receives 40/);
  });
});
