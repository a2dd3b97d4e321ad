import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../supernet/backend/backend.js';
import { fitPredictor } from '../../predictors/fitPredictor.js';
import { transferAblation } from '../../predictors/transferAblation.js';
import { microSpace } from '../fixtures/data.js';
import { syntheticSamples } from './synthetic.js';

const space = microSpace();
const train = { hidden: [32, 32], maxEpochs: 150, patience: 20, batchSize: 16 };

describe('transfer ablation', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('scores scratch and transfer on the same test set; transfer wins with few samples when architecture knowledge carries over', async () => {
    const fp32 = (await fitPredictor(space, syntheticSamples(space, 300, 1), train)).predictor;
    const quant = syntheticSamples(space, 180, 2, 'mixed');
    const rows: number[] = [];
    const r = await transferAblation(space, fp32, quant.slice(0, 120), quant.slice(120), {
      sizes: [30, 1000], train, onRow: (row) => rows.push(row.size),
    });
    assert.deepEqual(rows, [30]);
    assert.deepEqual(r.skipped, [1000]);
    assert.equal(r.testSamples, 60);
    const [row] = r.rows;
    assert.equal(row.scratch.n, 60);
    assert.ok(row.transfer.rmsePp < row.scratch.rmsePp, `transfer ${row.transfer.rmsePp.toFixed(2)} pp vs scratch ${row.scratch.rmsePp.toFixed(2)} pp`);
    assert.ok(row.transfer.kendallTau > row.scratch.kendallTau, `tau ${row.transfer.kendallTau.toFixed(3)} vs ${row.scratch.kendallTau.toFixed(3)}`);
  });

  it('names bad sizes', async () => {
    const fp32 = (await fitPredictor(space, syntheticSamples(space, 20, 1), { ...train, maxEpochs: 1 })).predictor;
    await assert.rejects(transferAblation(space, fp32, [], syntheticSamples(space, 4, 2, 'mixed'), { sizes: [2] }), /options\.sizes must hold integers >= 5 \(got 2\)/);
  });
});
