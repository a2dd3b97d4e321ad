import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { distinctTransformers } from '../../space/transformer/configs.js';
import { transformerCost } from '../../space/transformer/cost.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { ortRuntime } from '../../profiling/ortRuntime.js';
import { profileTransformerDevice } from '../../pipeline/transformerProfile.js';
import { readTransformerResult, runTransformerSearch, type TransformerSearchJob } from '../../pipeline/transformerSearch.js';
import { fitTransformerPredictor } from '../../predictors/TransformerAccuracyPredictor.js';
import { tinyVitSpace } from '../fixtures/vit.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-search-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const space = tinyVitSpace();
const profile = join(dir, 'tiny-1.json');
const predictor = join(dir, 'acc.json');

describe('runTransformerSearch', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    const fast = { warmupRuns: 1, minSampleMs: 0, minRounds: 5, maxRounds: 5, targetSpread: 0.5 };
    await profileTransformerDevice(ortRuntime(1), space, profile, { subnets: 22, sampler: fast, mlp: { hidden: [16], maxEpochs: 20 } });
    const samples = distinctTransformers(space, 40, 3).map((config) => ({ config, accuracy: Math.min(0.99, 0.5 + transformerCost(space, config).macs / 2e6), loss: 1, n: 100, seconds: 0 }));
    (await fitTransformerPredictor(space, samples, { hidden: [16], maxEpochs: 50 })).predictor.save(predictor);
  });

  const job = (over: Partial<TransformerSearchJob> = {}): TransformerSearchJob => ({
    checkpoint: join(dir, 'vit.ckpt'), space, predictor, profile, latencyKind: 'table', target: 'ort-cpu:1', pareto: false,
    options: { populationSize: 8, parentsSize: 2, mutationSize: 4, crossoverSize: 4, generations: 2, seed: 1 }, ...over,
  });

  it('writes a results file whose best is within the budget, and reads it back', async () => {
    const out = join(dir, 'results.json');
    const file = await runTransformerSearch(job({ maxLatency: 1e3 }), out);
    assert.equal(file.result.mode, 'budget');
    assert.deepEqual(readTransformerResult(out), file);
    const pareto = await runTransformerSearch(job({ pareto: true, latencyKind: 'mlp' }), join(dir, 'pareto.json'));
    assert.ok(pareto.result.front.length >= 1 && pareto.latencyKind === 'mlp');
  });

  it('refuses a profile of another target or space, a predictor of another space, and no budget, naming the fix', async () => {
    await assert.rejects(runTransformerSearch(job({ target: 'ort-cpu:2', maxLatency: 1 }), join(dir, 'x.json')), /profile .*tiny-1\.json was measured for ort-cpu:1, not ort-cpu:2: give --profile ort-cpu:2=FILE/);
    await assert.rejects(runTransformerSearch(job({ space: fashionVit, maxLatency: 1 }), join(dir, 'x.json')), /predictor .*acc\.json was trained for another transformer space than 'fashion-vit'/);
    await assert.rejects(runTransformerSearch(job(), join(dir, 'x.json')), /give --max-latency for a budget search, or --pareto for the front/);
    await assert.rejects(runTransformerSearch(job({ maxLatency: 1e-6 }), join(dir, 'x.json')), /no config of the search space meets the budget on ort-cpu:1: latency <= 0\.000001 ms was asked/);
    writeFileSync(join(dir, 'other.json'), '{"format":"x"}');
    assert.throws(() => readTransformerResult(join(dir, 'other.json')), /other\.json is not a transformer search results file \(format 'hwnas-transformer-search-result'\)/);
  });
});
