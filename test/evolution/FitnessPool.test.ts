import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { FitnessPool } from '../../evolution/FitnessPool.js';
import type { FitnessSpec } from '../../evolution/types.js';
import { Rng } from '../../space/rng.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { sampleConfig, smallestConfig } from '../../space/searchSpace.js';
import { ConfigEncoder } from '../../predictors/ConfigEncoder.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { LocalFitness } from '../fixtures/localFitness.js';

const filename = new URL('../fixtures/linearFitnessWorker.js', import.meta.url).href;
const spec: FitnessSpec = { space: fashionMbv3, predictor: { file: 'linear-fixture' }, targets: ['rpi4', 'phone-big:1', 'macs'] };
const searchOptions = { seed: 11, generations: 6 };

describe('FitnessPool', () => {
  let one: FitnessPool;
  let two: FitnessPool;
  let local: LocalFitness;

  before(async () => {
    [one, two, local] = await Promise.all([
      FitnessPool.create(spec, { workers: 1, filename }),
      FitnessPool.create(spec, { workers: 2, filename, minChunk: 8 }),
      LocalFitness.create(fashionMbv3, spec.targets),
    ]);
  });

  after(async () => {
    await Promise.all([one?.close(), two?.close()]);
  });

  it('reports its targets with units and kinds, loaded in the workers', () => {
    assert.deepEqual(two.targets, [
      { name: 'rpi4', unit: 'ms', kind: 'estimate' },
      { name: 'phone-big:1', unit: 'ms', kind: 'estimate' },
      { name: 'macs', unit: 'MMAC', kind: 'proxy' },
    ]);
    assert.equal(two.workers, 2);
  });

  it('scores exactly as the models do in-process, with or without a budget', async () => {
    const rng = new Rng(1);
    const configs = Array.from({ length: 100 }, () => sampleConfig(fashionMbv3, rng, { quant: 'mixed' }));
    assert.deepEqual(await two.score(configs), await local.score(configs));
    const budget = { target: 0, max: 1 };
    const within = await two.score(configs, { budget });
    assert.deepEqual(within, await local.score(configs, { budget }));
    let over = 0;
    configs.forEach((_, i) => {
      const inBudget = within.latency[i * 3] <= 1;
      if (!inBudget) over++;
      assert.equal(Number.isNaN(within.accuracy[i]), !inBudget);
      assert.equal(Number.isNaN(within.latency[i * 3 + 1]), !inBudget);
    });
    assert.ok(over > 0 && over < configs.length, `${over} of ${configs.length} over budget`);
    const only = await one.score(configs, { latencyOnly: 2 });
    assert.ok(only.accuracy.every(Number.isNaN));
    configs.forEach((_, i) => {
      assert.ok(only.latency[i * 3 + 2] > 0);
      assert.ok(Number.isNaN(only.latency[i * 3]) && Number.isNaN(only.latency[i * 3 + 1]));
    });
  });

  it('gives the same search result with 1 and 2 workers', async () => {
    const budget = { target: 'rpi4', max: 0.8 };
    const [a, b] = await Promise.all([
      new EvolutionFinder(fashionMbv3, one, searchOptions).search(budget),
      new EvolutionFinder(fashionMbv3, two, searchOptions).search(budget),
    ]);
    assert.deepEqual(a, b);
    assert.ok(a.best.latency <= 0.8);
    const [pa, pb] = await Promise.all([
      new EvolutionFinder(fashionMbv3, one, searchOptions).pareto('phone-big:1'),
      new EvolutionFinder(fashionMbv3, two, searchOptions).pareto('phone-big:1'),
    ]);
    assert.deepEqual(pa, pb);
    assert.ok(pa.front.length > 3);
  });

  it('rejects batches that mix fp32 configs and configs with bits', async () => {
    const mixed = [smallestConfig(fashionMbv3), smallestConfig(fashionMbv3, { quant: 'mixed' })];
    await assert.rejects(one.score(mixed), /mixes fp32 configs and configs with bits/);
  });
});

describe('FitnessPool.create', () => {
  it('rejects when the workers cannot load their models', async () => {
    await assert.rejects(
      FitnessPool.create({ ...spec, predictor: { file: 'fail-to-load' } }, { workers: 1, filename }),
      /fixture predictor fail-to-load refuses to load/,
    );
    await assert.rejects(FitnessPool.create({ ...spec, targets: ['tpu'] }, { workers: 1, filename }), /unknown target 'tpu': valid targets are/);
  });

  it('checks its options, naming them', async () => {
    await assert.rejects(FitnessPool.create(spec, { workers: 0 }), /options.workers must be a positive integer \(got 0\)/);
    await assert.rejects(FitnessPool.create(spec, { minChunk: 1.5 }), /options.minChunk must be a positive integer \(got 1.5\)/);
    await assert.rejects(FitnessPool.create({ ...spec, targets: [] }), /a fitness spec needs at least one target/);
  });

  it('loads the project predictor in the default worker, whose errors name the file', async () => {
    await assert.rejects(
      FitnessPool.create({ ...spec, predictor: { file: '/nonexistent/predictor.json' } }, { workers: 1 }),
      /\/nonexistent\/predictor.json/,
    );
  });

  it('scores with an MLP predictor file in the default worker, as the predictor does in-process', async () => {
    const rng = new Rng(21);
    const encoder = ConfigEncoder.forSpace(fashionMbv3, { bits: true });
    const dense = (inputs: number, outputs: number) => ({
      inputs, outputs,
      weights: Float32Array.from({ length: inputs * outputs }, () => rng.normal() * 0.1),
      bias: Float32Array.from({ length: outputs }, () => rng.normal() * 0.1),
    });
    const predictor = new MlpPredictor(encoder, [dense(encoder.dim, 16), dense(16, 1)]);
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-fitness-'));
    const file = join(dir, 'predictor.json');
    predictor.save(file);
    const pool = await FitnessPool.create({ ...spec, predictor: { file } }, { workers: 1 });
    try {
      const configs = Array.from({ length: 40 }, () => sampleConfig(fashionMbv3, rng, { quant: 'mixed' }));
      assert.deepEqual((await pool.score(configs)).accuracy, predictor.predict(configs));
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true });
    }
  });
});
