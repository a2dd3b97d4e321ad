import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../supernet/backend/backend.js';
import { fitPredictor } from '../../predictors/fitPredictor.js';
import { fitQuantAware, quantAwareFromFp32 } from '../../predictors/QuantAwarePredictor.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockSlots, largestOfFamily, sampleConfig } from '../../space/searchSpace.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig, WeightBits } from '../../space/types.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import { microSpace } from '../fixtures/data.js';
import { syntheticAccuracy, syntheticSamples } from './synthetic.js';
import { tempDir } from '../fixtures/tempDir.js';

const space = microSpace();
const small = { hidden: [32, 32], maxEpochs: 150, patience: 20, batchSize: 16 };
const slots = blockSlots(space).length;

function withBits(cfg: SubnetConfig, w: WeightBits): SubnetConfig {
  return { ...cfg, wBits: new Array<WeightBits>(slots).fill(w), aBits: new Array<8 | 32>(slots).fill(8) };
}

describe('quantization-aware predictor', () => {
  let fp32: MlpPredictor;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    fp32 = (await fitPredictor(space, syntheticSamples(space, 300, 1), small)).predictor;
  });

  it('starts from the fp32 predictor: same predictions whatever the bits', () => {
    const q = quantAwareFromFp32(fp32, space);
    assert.equal(q.encoder.archDim, fp32.encoder.dim);
    assert.ok(q.encoder.dim > fp32.encoder.dim);
    const rng = new Rng(9);
    const archs = Array.from({ length: 30 }, () => sampleConfig(space, rng));
    const expected = fp32.predict(archs);
    assert.deepEqual(q.predict(archs), expected);
    assert.deepEqual(q.predict(archs.map((c) => withBits(c, 4))), expected);
    assert.deepEqual(q.predict(archs.map((c) => withBits(c, 8))), expected);
  });

  it('refuses to transfer from a predictor that already has bits or another space', () => {
    const q = quantAwareFromFp32(fp32, space);
    assert.throws(() => quantAwareFromFp32(q, space), /already encodes bits/);
    assert.throws(() => quantAwareFromFp32(fp32, fashionMbv3), /another space than 'fashion-mbv3'/);
  });

  it('after fine-tuning, 4-bit weights predict lower accuracy than 8-bit for the same architecture, as the data shows', async () => {
    const quant = syntheticSamples(space, 200, 2, 'mixed');
    // The direction in the data: per active block, 4-bit weights cost more than 8-bit.
    const fit = await fitQuantAware(space, quant, { ...small, from: fp32, lr: 5e-4 });
    const q = fit.predictor;
    assert.equal(q.meta.transfer, true);
    const rng = new Rng(11);
    const archs = Array.from({ length: 40 }, () => sampleConfig(space, rng));
    const p4 = q.predict(archs.map((c) => withBits(c, 4)));
    const p8 = q.predict(archs.map((c) => withBits(c, 8)));
    let lower = 0;
    let gap = 0;
    let trueGap = 0;
    archs.forEach((c, i) => {
      if (p4[i] < p8[i]) lower++;
      gap += p8[i] - p4[i];
      trueGap += syntheticAccuracy(space, withBits(c, 8)) - syntheticAccuracy(space, withBits(c, 4));
    });
    assert.ok(trueGap > 0, 'the synthetic data must favour 8-bit');
    assert.ok(lower >= 36, `4-bit predicted lower for ${lower} of 40 architectures`);
    assert.ok(gap > 0.5 * trueGap, `mean predicted gap ${(100 * gap / 40).toFixed(2)} pp vs true ${(100 * trueGap / 40).toFixed(2)} pp`);
  });

  it('keeps the fp32 predictor whole as its base through a save and load', async () => {
    const fit = await fitQuantAware(space, syntheticSamples(space, 80, 4, 'mixed'), { ...small, from: fp32, maxEpochs: 5 });
    const q = fit.predictor;
    assert.equal(q.base, fp32);
    const dir = tempDir('hwnas-quant-pred-');
    q.save(join(dir, 'q.json'));
    const loaded = MlpPredictor.load(join(dir, 'q.json'), space);
    assert.ok(loaded.base !== undefined && !loaded.base.encoder.hasBits);
    const rng = new Rng(13);
    const configs = Array.from({ length: 50 }, () => sampleConfig(space, rng, { quant: 'mixed' }));
    assert.deepEqual(loaded.predict(configs), q.predict(configs));
    const arch = configs.map(({ wBits: _w, aBits: _a, ...a }) => a);
    assert.equal(q.output.kind, 'penalty');
    assert.deepEqual(loaded.output, q.output);
    const branch = new MlpPredictor(q.encoder, q.layers, {}, undefined, q.output).predict(configs);
    const base = fp32.predict(arch);
    q.predict(configs).forEach((p, i) => assert.ok(Math.abs(p - (base[i] + branch[i])) < 1e-12, 'fp32 prediction plus the branch'));
    assert.ok(branch.every((b) => b <= 0), 'the branch is a penalty: never above the fp32 prediction');
    assert.throws(() => new MlpPredictor(q.encoder, q.layers, {}, q), /a base predictor must be a plain fp32 predictor/);
  });

  it('predicts a config that quantizes nothing (the float model) exactly as its fp32 predictor', async () => {
    const q = (await fitQuantAware(space, syntheticSamples(space, 80, 5, 'mixed'), { ...small, from: fp32, maxEpochs: 20 })).predictor;
    const rng = new Rng(17);
    const archs = Array.from({ length: 30 }, () => sampleConfig(space, rng));
    const base = fp32.predict(archs);
    const all32 = (c: SubnetConfig): SubnetConfig => ({ ...c, wBits: new Array<WeightBits>(slots).fill(32), aBits: new Array<8 | 32>(slots).fill(32) });
    assert.deepEqual(q.predict(archs.map(all32)), base, 'every block at 32 bits: no penalty');
    assert.deepEqual(q.predict(archs), base, 'no bits at all: no penalty');
    // One running block quantized (slot 0 always runs) pays the branch's penalty again.
    const oneQuantized = archs.map((c) => { const cfg = all32(c); cfg.aBits![0] = 8; return cfg; });
    const penalised = q.predict(oneQuantized);
    assert.ok(penalised.every((p, i) => p <= base[i]) && penalised.some((p, i) => p < base[i]), 'a quantized block costs accuracy');
    // The skipped slots' bits do not count: canonical configs park them at the lowest bits.
    const shallow = { ...all32(archs[0]), depths: space.stages.map((st) => st.depths[0]) };
    const skipped = blockSlots(space).filter((sl) => sl.block >= shallow.depths[sl.stage]).map((sl) => sl.slot);
    assert.ok(skipped.length > 0);
    for (const sl of skipped) shallow.wBits![sl] = 4;
    const { wBits: _w, aBits: _a, ...arch } = shallow;
    assert.deepEqual(q.predict([shallow]), fp32.predict([arch]));
  });

  it('trains from scratch without an fp32 predictor', async () => {
    const fit = await fitQuantAware(space, syntheticSamples(space, 60, 3, 'mixed'), { ...small, maxEpochs: 5 });
    assert.equal(fit.predictor.encoder.hasBits, true);
    assert.equal(fit.predictor.meta.transfer, false);
  });
});

describe('predictors of fashion-hybrid (block families, elastic stem stride)', () => {
  const hybrid = fashionHybrid;
  const hybridSlots = blockSlots(hybrid).length;
  let fp32: MlpPredictor;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    fp32 = (await fitPredictor(hybrid, syntheticSamples(hybrid, 300, 21), small)).predictor;
  });

  it('the fp32 predictor learns the families\' and stem strides\' effect', () => {
    const rng = new Rng(22);
    const configs = Array.from({ length: 60 }, () => sampleConfig(hybrid, rng));
    const predicted = fp32.predict(configs);
    const truth = configs.map((c) => syntheticAccuracy(hybrid, c));
    const rmse = Math.sqrt(truth.reduce((s, t, i) => s + (t - predicted[i]) ** 2, 0) / truth.length);
    const spread = Math.max(...truth) - Math.min(...truth);
    assert.ok(rmse < 0.15 * spread, `held-out RMSE ${rmse.toFixed(4)} vs spread ${spread.toFixed(4)}`);
    // ResNet at stem stride 1 beats the same network as mbconv at stride 2 in the data; so in the predictor.
    const resnet = largestOfFamily(hybrid, 'resnet');
    const mbconv = { ...largestOfFamily(hybrid, 'mbconv'), stemStride: 2 as const };
    const [r, m] = fp32.predict([resnet, mbconv]);
    assert.ok(r > m, `resnet ${r} vs mbconv ${m}`);
  });

  it('saves and loads with its families and stem strides, and refuses the other space', () => {
    const dir = tempDir('hwnas-hybrid-pred-');
    const path = join(dir, 'fp32.json');
    fp32.save(path);
    const loaded = MlpPredictor.load(path, hybrid);
    assert.deepEqual(loaded.encoder.spec, fp32.encoder.spec);
    const rng = new Rng(23);
    const configs = Array.from({ length: 30 }, () => sampleConfig(hybrid, rng));
    assert.deepEqual(loaded.predict(configs), fp32.predict(configs));
    assert.throws(() => MlpPredictor.load(path, fashionMbv3), /trained for another search space than 'fashion-mbv3':[^]*block families \(mbconv \[2, 3, 4\], fused/);
  });

  it('a shipped fashion-mbv3 predictor (written before families) still loads for its space and is refused for fashion-hybrid', () => {
    const shipped = fileURLToPath(new URL('../../../models/predictors/accuracy-quant.json', import.meta.url));
    const p = MlpPredictor.load(shipped, fashionMbv3);
    assert.equal(p.encoder.spec.families, undefined);
    assert.throws(() => MlpPredictor.load(shipped, hybrid), /trained for another search space than 'fashion-hybrid':[^]*block families \(none\)/);
  });

  it('transfers to a quantization-aware predictor that predicts float members as the fp32 one', async () => {
    const q = (await fitQuantAware(hybrid, syntheticSamples(hybrid, 100, 24, 'mixed'), { ...small, from: fp32, maxEpochs: 20 })).predictor;
    assert.equal(q.encoder.archDim, fp32.encoder.dim);
    assert.ok(q.encoder.sameArchitecture(fp32.encoder));
    const rng = new Rng(25);
    const archs = Array.from({ length: 30 }, () => sampleConfig(hybrid, rng));
    const all32 = archs.map((c) => ({ ...c, wBits: new Array<WeightBits>(hybridSlots).fill(32), aBits: new Array<8 | 32>(hybridSlots).fill(32) }));
    assert.deepEqual(q.predict(all32), fp32.predict(archs));
    const four = q.predict(archs.map((c) => ({ ...c, wBits: new Array<WeightBits>(hybridSlots).fill(4), aBits: new Array<8 | 32>(hybridSlots).fill(8) })));
    assert.ok(four.every((p, i) => p <= fp32.predict(archs)[i]), 'bits only cost accuracy');
    assert.deepEqual(quantAwareFromFp32(fp32, hybrid).predict(archs), fp32.predict(archs));
  });
});
