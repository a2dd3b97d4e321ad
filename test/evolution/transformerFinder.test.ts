import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../space/rng.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { largestTransformer, sampleTransformer, smallestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import { transformerConfigProblems } from '../../space/transformer/schema.js';
import { transformerCost } from '../../space/transformer/cost.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { crossoverTransformer, mutateTransformer } from '../../evolution/transformerGenome.js';
import { TransformerEvolutionFinder, type TransformerFitness } from '../../evolution/TransformerEvolutionFinder.js';
import { InfeasibleBudgetError } from '../../evolution/errors.js';

/** Latency grows with MACs and depth; accuracy with MACs, saturating, and prefers wide MLPs over depth at equal cost. */
function syntheticFitness(): TransformerFitness & { calls: number } {
  const f = {
    calls: 0,
    target: { name: 'ort-cpu:1', unit: 'ms', kind: 'measured' },
    async score(configs: readonly TransformerConfig[]) {
      f.calls++;
      const macs = configs.map((c) => transformerCost(fashionVit, c).macs / 1e6);
      return {
        accuracy: Float64Array.from(configs, (c, i) => 0.9 - 0.2 * Math.exp(-macs[i] / 6) + 0.002 * c.mlpRatios.reduce((a, b) => a + b, 0) / c.depth),
        latency: Float64Array.from(configs, (c, i) => 0.02 + 0.01 * macs[i] + 0.01 * c.depth),
      };
    },
  };
  return f;
}

describe('the SubTransformer genome', () => {
  it('mutation and crossover give valid SubTransformers whose genes come from the parents or the space', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 200; i++) {
      const a = sampleTransformer(fashionVit, rng);
      const b = sampleTransformer(fashionVit, rng);
      const m = mutateTransformer(fashionVit, a, rng, 0.3);
      const c = crossoverTransformer(a, b, rng);
      assert.deepEqual(transformerConfigProblems(fashionVit, m), []);
      assert.deepEqual(transformerConfigProblems(fashionVit, c), []);
      assert.ok(c.embedDim === a.embedDim || c.embedDim === b.embedDim);
      assert.ok(c.depth === a.depth || c.depth === b.depth);
      c.heads.forEach((h, l) => assert.ok((l < a.depth && a.heads[l] === h) || (l < b.depth && b.heads[l] === h)));
    }
    const parent = largestTransformer(fashionVit);
    assert.deepEqual(mutateTransformer(fashionVit, parent, rng, 0), parent);
  });
});

describe('TransformerEvolutionFinder', () => {
  const options = { populationSize: 40, parentsSize: 10, mutationSize: 20, crossoverSize: 20, generations: 15, seed: 3 };

  it('finds a SubTransformer within the budget better than random ones, the same for the same seed', async () => {
    const budget = 0.2;
    const result = await new TransformerEvolutionFinder(fashionVit, syntheticFitness(), options).search(budget);
    assert.equal(result.mode, 'budget');
    assert.ok(result.best.latency <= budget, `${result.best.latency}`);
    const fitness = syntheticFitness();
    const rng = new Rng(99);
    const random = Array.from({ length: 500 }, () => sampleTransformer(fashionVit, rng));
    const scores = await fitness.score(random);
    const bestRandom = Math.max(...random.flatMap((_, i) => (scores.latency[i] <= budget ? [scores.accuracy[i]] : [])));
    assert.ok(result.best.accuracy >= bestRandom, `${result.best.accuracy} vs random ${bestRandom}`);
    assert.equal(result.history.length, options.generations);
    const again = await new TransformerEvolutionFinder(fashionVit, syntheticFitness(), options).search(budget);
    assert.equal(transformerConfigKey(again.best.config), transformerConfigKey(result.best.config));
    assert.ok(result.front.every((s) => s.latency <= budget));
  });

  it('returns a Pareto front: latency up, accuracy up, within the budget', async () => {
    const result = await new TransformerEvolutionFinder(fashionVit, syntheticFitness(), options).pareto(0.3);
    assert.ok(result.front.length >= 3, `${result.front.length}`);
    for (let i = 1; i < result.front.length; i++) {
      assert.ok(result.front[i].latency >= result.front[i - 1].latency && result.front[i].accuracy > result.front[i - 1].accuracy);
    }
    assert.ok(result.front.every((s) => s.latency <= 0.3));
  });

  it('an impossible budget names the fastest latency the space reaches; a bad budget is refused', async () => {
    const finder = new TransformerEvolutionFinder(fashionVit, syntheticFitness(), options);
    const fastest = (await syntheticFitness().score([smallestTransformer(fashionVit)])).latency[0];
    await assert.rejects(finder.search(0.01), (err: unknown) => {
      assert.ok(err instanceof InfeasibleBudgetError);
      assert.match(err.message, /no config of the search space meets the budget on ort-cpu:1: latency <= 0\.01 ms was asked, but the fastest the space reaches there is [0-9.]+ ms/);
      assert.ok(Math.abs(err.fastest - fastest) < 1e-12, `${err.fastest} vs ${fastest}`);
      return true;
    });
    await assert.rejects(finder.search(-1), /a latency budget must be a positive number \(got -1\)/);
  });
});
