/**
 * A search on fashion-hybrid (block families, elastic stem stride) end to end: a predictor
 * fitted on synthetic samples and saved as a file, fitness workers that load it and decode the
 * hybrid genome, each strategy on a proxy target, the min-latency search and the baselines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bestWithin } from '../../evolution/bestWithin.js';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { FitnessPool } from '../../evolution/FitnessPool.js';
import { handMadeFamily } from '../../evolution/handMadeFamily.js';
import { getStrategy, kStrategyNames } from '../../evolution/strategies.js';
import type { ParetoResult, SearchResult } from '../../evolution/types.js';
import { fitPredictor } from '../../predictors/fitPredictor.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { quantAwareFromFp32 } from '../../predictors/QuantAwarePredictor.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { canonicalConfig, largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { parseConfig } from '../../space/schema.js';
import type { SubnetConfig } from '../../space/types.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { LocalFitness } from '../fixtures/localFitness.js';
import { syntheticSamples } from '../predictors/synthetic.js';

const space = fashionHybrid;
const options = { seed: 5, generations: 6, populationSize: 24, parentsSize: 6, mutationSize: 12, crossoverSize: 12 };

describe('search on fashion-hybrid with a proxy target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-hybrid-search-'));
  const file = join(dir, 'predictor.json');
  let pool: FitnessPool;
  let local: LocalFitness;
  let max: number;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    const fp32 = (await fitPredictor(space, syntheticSamples(space, 120, 41), { hidden: [24, 24], maxEpochs: 60, patience: 10, batchSize: 16 })).predictor;
    quantAwareFromFp32(fp32, space).save(file);
    pool = await FitnessPool.create({ space, predictor: { file }, targets: ['macs', 'params'] }, { workers: 1 });
    local = await LocalFitness.create(space, ['macs', 'params'], MlpPredictor.load(file, space));
    const { latency } = await local.score([smallestConfig(space), largestConfig(space)]);
    max = Math.sqrt(latency[0] * latency[2]);
  });

  after(async () => {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A result's configs are valid members of the space, as deployed (a float model without bits). */
  function assertMembers(configs: readonly SubnetConfig[]): void {
    for (const cfg of configs) {
      assert.deepEqual(parseConfig(space, cfg), cfg);
      assert.deepEqual(canonicalConfig(space, cfg), cfg);
      assert.equal(cfg.families?.length, space.stages.length);
    }
  }

  it('every strategy runs on the workers and gives what it gives in-process', async () => {
    for (const name of kStrategyNames) {
      const strategy = getStrategy(name);
      const problem = { space, target: 'macs', maxLatency: max };
      const result = await strategy.search({ ...problem, fitness: pool }, options);
      assert.deepEqual(result, await strategy.search({ ...problem, fitness: local }, options), `${name}: workers and in-process agree`);
      assertMembers(result.front.map((p) => p.config));
      assert.ok(result.front.every((p) => p.latency <= max && Number.isFinite(p.accuracy)), name);
      if (result.mode === 'budget') {
        assertMembers([result.best.config]);
        assert.ok(result.best.latency <= max);
        assert.ok(result.best.latencies.params > 0);
      }
    }
  });

  it('the budget evolution explores families and stem strides and beats the hand-made family', async () => {
    const longer = { ...options, generations: 30, populationSize: 40, parentsSize: 10, mutationSize: 20, crossoverSize: 20 };
    const result = (await getStrategy('evolution').search({ space, fitness: pool, target: 'macs', maxLatency: max }, longer)) as SearchResult;
    const pareto = (await getStrategy('nsga2').search({ space, fitness: pool, target: 'macs' }, options)) as ParetoResult;
    const configs = [...result.front, ...pareto.front].map((p) => p.config);
    assert.ok(new Set(configs.flatMap((c) => c.families)).size >= 2, 'more than one family on the fronts');
    assert.ok(pareto.front.length > 3);
    const family = await bestWithin(space, pool, handMadeFamily(space, { bits: ['fp32', { w: 8, a: 8 }], depths: 'uniform' }), { target: 'macs', max });
    assert.ok(family.best !== null && family.scored === 3 * 3 * 3 * 2 * 3 * 2);
    assert.ok(result.best.accuracy >= family.best.accuracy, `searched ${result.best.accuracy} vs hand-made ${family.best.accuracy}`);
  });

  it('finds the fastest config of the space on the target (a stem stride of 2)', async () => {
    const fastest = await new EvolutionFinder(space, pool, { ...options, fastestGenerations: 5 }).fastest('macs');
    assertMembers([fastest.config]);
    assert.equal(fastest.config.stemStride, 2);
    const { latency } = await local.score([smallestConfig(space)]);
    assert.ok(fastest.latency <= latency[0]);
  });
});
