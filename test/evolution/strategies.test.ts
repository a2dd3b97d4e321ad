import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { defaultStrategyName, getStrategy, kStrategyNames } from '../../evolution/strategies.js';
import type { ParetoResult, SearchResult } from '../../evolution/types.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { configKey } from '../../space/searchSpace.js';
import { parseConfig } from '../../space/schema.js';
import { LocalFitness } from '../fixtures/localFitness.js';

const space = fashionMbv3;
const options = { seed: 3, generations: 4, populationSize: 20, parentsSize: 5, mutationSize: 10, crossoverSize: 10 };
const hash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

describe('search strategies', () => {
  let fitness: LocalFitness;

  before(async () => {
    fitness = await LocalFitness.create(space, ['macs']);
  });

  it('are registered by name; an unknown name lists the valid ones', () => {
    assert.deepEqual([...kStrategyNames], ['evolution', 'nsga2', 'random']);
    for (const name of kStrategyNames) assert.equal(getStrategy(name).name, name);
    assert.throws(() => getStrategy('annealing'), /unknown search strategy 'annealing': use one of evolution, nsga2, random/);
    assert.equal(defaultStrategyName(false), 'evolution');
    assert.equal(defaultStrategyName(true), 'nsga2');
  });

  it('evolution and nsga2 give the results the search gave before strategies existed (golden hashes)', async () => {
    const budget = await getStrategy('evolution').search({ space, fitness, target: 'macs', maxLatency: 4 }, options);
    assert.deepEqual(budget, await new EvolutionFinder(space, fitness, options).search({ target: 'macs', max: 4 }));
    assert.equal(budget.scored, 121);
    assert.equal(hash(budget), 'be1fa43ca0ce5c0b');
    const front = await getStrategy('nsga2').search({ space, fitness, target: 'macs', maxLatency: 6 }, options);
    assert.equal(front.mode, 'pareto');
    assert.equal(hash(front), '66d9ce5c42f43089');
    const fp32 = await getStrategy('evolution').search({ space, fitness, target: 'macs', maxLatency: 3 }, { ...options, quant: 'fp32' });
    assert.equal(hash(fp32), 'b1dd8ccd5765038f');
  });

  it('evolution rejects a problem without a budget, naming nsga2', async () => {
    await assert.rejects(getStrategy('evolution').search({ space, fitness, target: 'macs' }, options), /searches within a latency budget on macs: give one, or use nsga2/);
  });

  it('random: the most accurate of an evolution run\'s worth of random configs within the budget, the same for the same seed', async () => {
    const random = getStrategy('random');
    const result = (await random.search({ space, fitness, target: 'macs', maxLatency: 4 }, options)) as SearchResult;
    assert.equal(result.mode, 'budget');
    assert.ok(result.scored <= 20 + 4 * 20 && result.scored > 80, `${result.scored} scored`);
    assert.equal(result.history.length, 4);
    assert.ok(result.best.latency <= 4);
    assert.deepEqual(parseConfig(space, result.best.config), result.best.config);
    assert.equal(result.front[result.front.length - 1].accuracy, result.best.accuracy);
    assert.deepEqual(await random.search({ space, fitness, target: 'macs', maxLatency: 4 }, options), result);
    const other = (await random.search({ space, fitness, target: 'macs', maxLatency: 4 }, { ...options, seed: 4 })) as SearchResult;
    assert.notEqual(configKey(space, other.best.config), configKey(space, result.best.config));
    // The evolution, on the same cost, does at least as well on this smooth fitness.
    const evolved = (await getStrategy('evolution').search({ space, fitness, target: 'macs', maxLatency: 4 }, options)) as SearchResult;
    assert.ok(evolved.best.accuracy >= result.best.accuracy, `${evolved.best.accuracy} vs random ${result.best.accuracy}`);
  });

  it('random without a budget returns the front of everything it scored; an impossible budget rejects naming the fastest drawn', async () => {
    const random = getStrategy('random');
    const front = (await random.search({ space, fitness, target: 'macs' }, options)) as ParetoResult;
    assert.equal(front.mode, 'pareto');
    assert.equal(front.maxLatency, null);
    assert.ok(front.front.every((p, k) => k === 0 || (p.latency > front.front[k - 1].latency && p.accuracy > front.front[k - 1].accuracy)));
    await assert.rejects(random.search({ space, fitness, target: 'macs', maxLatency: 0.01 }, options), /none of the \d+ random configs meets the budget on macs \(latency <= 0.01 MMAC; the fastest drawn: [\d.]+ MMAC\)/);
    await assert.rejects(random.search({ space, fitness, target: 'macs', maxLatency: -1 }, options), /a latency budget must be a positive number \(got -1\)/);
  });
});
