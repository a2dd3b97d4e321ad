import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { InfeasibleBudgetError } from '../../evolution/errors.js';
import { paretoFront2d } from '../../evolution/nsga2.js';
import { countSubnetsExact } from '../../space/count.js';
import { largestConfig } from '../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { LocalFitness } from '../fixtures/localFitness.js';
import { tinySpace } from '../space/tinySpace.js';
import { allConfigs } from './spaceEnumeration.js';

const space = tinySpace();
const targets = ['rpi4', 'macs'];

describe('EvolutionFinder on a space small enough to enumerate', () => {
  let fitness: LocalFitness;
  let configs: SubnetConfig[];
  let accuracy: Float64Array;
  let latency: Float64Array; // rpi4, ms

  before(async () => {
    fitness = await LocalFitness.create(space, targets);
    configs = allConfigs(space, 'mixed');
    const scores = await fitness.score(configs);
    accuracy = scores.accuracy;
    latency = scores.latency.filter((_, i) => i % targets.length === 0);
  });

  function quantile(q: number): number {
    const sorted = Float64Array.from(latency).sort();
    return sorted[Math.floor(sorted.length * q)];
  }

  function bestWithin(max: number): number {
    let best = -Infinity;
    configs.forEach((_, i) => {
      if (latency[i] <= max && accuracy[i] > best) best = accuracy[i];
    });
    return best;
  }

  it('enumerates every subnet of the space', () => {
    assert.equal(BigInt(configs.length), countSubnetsExact(space, { quant: 'mixed' }));
  });

  it('finds the most accurate config within the budget and respects it', async () => {
    const max = quantile(0.3);
    const finder = new EvolutionFinder(space, fitness, { seed: 1, generations: 40, populationSize: 40, parentsSize: 10, mutationSize: 20, crossoverSize: 20 });
    const result = await finder.search({ target: 'rpi4', max });
    assert.ok(result.best.latency <= max);
    assert.equal(result.best.accuracy, bestWithin(max));
    assert.equal(result.best.latencies.rpi4, result.best.latency);
    assert.ok(result.best.latencies.macs > 0);
    assert.deepEqual(result.units, { rpi4: 'ms', macs: 'MMAC' });
    assert.equal(result.history.length, 40);
    assert.ok(result.history.every((h, g) => g === 0 || h.bestAccuracy >= result.history[g - 1].bestAccuracy), 'the best never gets worse');
    // The front of everything scored ends at the best config and is non-dominated.
    const front = result.front;
    assert.deepEqual(front[front.length - 1].accuracy, result.best.accuracy);
    assert.ok(front.every((p, k) => k === 0 || (p.latency > front[k - 1].latency && p.accuracy > front[k - 1].accuracy)));
    assert.ok(front.every((p) => p.latency <= max));
  });

  it('gives the same result for the same seed and explores differently for another', async () => {
    const options = { generations: 5, populationSize: 20, parentsSize: 5, mutationSize: 10, crossoverSize: 10 };
    const max = quantile(0.5);
    const a = await new EvolutionFinder(space, fitness, { ...options, seed: 3 }).search({ target: 'rpi4', max });
    const b = await new EvolutionFinder(space, fitness, { ...options, seed: 3 }).search({ target: 'rpi4', max });
    const c = await new EvolutionFinder(space, fitness, { ...options, seed: 4 }).search({ target: 'rpi4', max });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.front, c.front);
  });

  it('throws on an infeasible budget, naming the fastest latency the space reaches', async () => {
    const fastest = Math.min(...latency);
    const finder = new EvolutionFinder(space, fitness, { seed: 2, generations: 3, populationSize: 20, parentsSize: 5, resampleLimit: 3 });
    const found = await finder.fastest('rpi4');
    assert.equal(found.latency, fastest);
    assert.equal(found.unit, 'ms');
    await assert.rejects(finder.search({ target: 'rpi4', max: fastest * 0.9 }), (err: unknown) => {
      assert.ok(err instanceof InfeasibleBudgetError);
      assert.equal(err.fastest, fastest);
      assert.match(err.message, /no config of the search space meets the budget on rpi4: latency <= [0-9.e-]+ ms was asked, but the fastest the space reaches there is [0-9.e-]+ ms; raise the budget to at least/);
      return true;
    });
  });

  it('searches a budget that random sampling misses from the fastest configs', async () => {
    const sorted = Float64Array.from(latency).sort();
    const max = sorted[2]; // three configs (or a few more on ties) meet it
    const finder = new EvolutionFinder(space, fitness, { seed: 5, generations: 10, populationSize: 20, parentsSize: 5, resampleLimit: 2 });
    const result = await finder.search({ target: 'rpi4', max });
    assert.ok(result.best.latency <= max);
    assert.equal(result.best.accuracy, bestWithin(max));
  });

  it('returns the Pareto front of accuracy vs latency (NSGA-II)', async () => {
    const trueFront = new Set(paretoFront2d(latency, accuracy).map((i) => `${latency[i]},${accuracy[i]}`));
    const finder = new EvolutionFinder(space, fitness, { seed: 6, generations: 40 });
    const result = await finder.pareto('rpi4');
    assert.equal(result.mode, 'pareto');
    assert.equal(result.maxLatency, null);
    const got = result.front.map((p) => `${p.latency},${p.accuracy}`);
    assert.ok(got.every((p) => trueFront.has(p)), 'every point is on the true front');
    assert.equal(got.length, trueFront.size, 'the whole front is found');
    const max = quantile(0.5);
    const within = await finder.pareto('rpi4', max);
    assert.ok(within.front.every((p) => p.latency <= max));
    assert.equal(within.maxLatency, max);
  });

  it('checks its options and targets, naming them', async () => {
    assert.throws(() => new EvolutionFinder(space, fitness, { populationSize: 0 }), /options.populationSize must be a positive integer \(got 0\)/);
    assert.throws(() => new EvolutionFinder(space, fitness, { parentsSize: 200 }), /options.parentsSize must be at most options.populationSize \(100\) \(got 200\)/);
    assert.throws(() => new EvolutionFinder(space, fitness, { mutationProbability: 1.5 }), /options.mutationProbability must be in \[0, 1\] \(got 1.5\)/);
    assert.throws(() => new EvolutionFinder(space, fitness, { quant: 'int4' as never }), /options.quant must be 'fp32' or 'mixed' \(got int4\)/);
    const finder = new EvolutionFinder(space, fitness, { generations: 1 });
    await assert.rejects(finder.search({ target: 'gpu-small', max: 1 }), /target 'gpu-small' is not scored by this fitness: it scores rpi4, macs/);
    await assert.rejects(finder.search({ target: 'rpi4', max: 0 }), /a latency budget must be a positive number \(got 0\)/);
  });
});

describe('EvolutionFinder over a joint genome with float bits', () => {
  it('returns the all-32-bit corner as the float model', async () => {
    const floatSpace = { ...space, name: 'tiny-float', quant: { ...space.quant, weightBits: [4, 8, 32] } } as SearchSpace;
    const fitness = await LocalFitness.create(floatSpace, targets);
    // The fixture predictor scores every block at 32 bits highest, so without a binding budget
    // the most accurate member is the largest architecture at 32 bits everywhere.
    const finder = new EvolutionFinder(floatSpace, fitness, { seed: 7, generations: 30, populationSize: 30, parentsSize: 8, mutationSize: 15, crossoverSize: 15 });
    const result = await finder.search({ target: 'rpi4', max: 1e9 });
    assert.deepEqual(result.best.config, largestConfig(floatSpace));
    const float = await fitness.score([largestConfig(floatSpace)]);
    assert.equal(result.best.latency, float.latency[0], 'scored as the float model (float stem and classifier)');
    assert.equal(result.best.accuracy, float.accuracy[0]);
    const genomeForm = await fitness.score([largestConfig(floatSpace, { quant: 'mixed' })]);
    assert.deepEqual([genomeForm.latency[0], genomeForm.accuracy[0]], [float.latency[0], float.accuracy[0]], 'the genome form is scored as the float model');
  });
});
