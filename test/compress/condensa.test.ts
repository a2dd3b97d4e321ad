import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CondensaMethod, kDefaultCondensaOptions } from '../../compress/condensa.js';
import { kSchemes, schemeGrid, type SchemeName } from '../../compress/schemes.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';

const kLoss = kDefaultCondensaOptions.maxAccuracyLoss;
/** Condensa's answer may be this much slower than the brute-force optimum of the scheme's grid. */
const kLatencyTolerance = 0.02;

/** The fastest policy of the scheme's grid within the allowed accuracy loss, on a problem of its own. */
async function bruteForce(scheme: SchemeName): Promise<{ latencyMs: number; policies: number }> {
  const p = syntheticProblem();
  const grid = schemeGrid(kSchemes[scheme], p, kDefaultCondensaOptions.gridPoints);
  let latencyMs = Infinity;
  for (const g of grid) {
    const r = await p.evaluate(g.policy);
    if (r.accuracy >= p.original.accuracy - kLoss) latencyMs = Math.min(latencyMs, r.latencyMs);
  }
  return { latencyMs, policies: grid.length };
}

describe('CondensaMethod', () => {
  for (const scheme of ['pruneAll', 'pruneMidOnly', 'pruneStageMid'] as const) {
    it(`${scheme}: within 20 evaluations, a policy within 0.5 points of the original accuracy and within 2% of the fastest such grid policy`, async () => {
      const brute = await bruteForce(scheme);
      assert.ok(brute.latencyMs < syntheticProblem().original.latencyMs, 'the scheme can compress within the loss');
      for (const seed of [0, 1, 2]) {
        const problem = syntheticProblem();
        const out = await new CondensaMethod({ scheme }).run(problem, { maxLatencyMs: problem.original.latencyMs, evaluations: 20, seed });
        assert.ok(out.history.length <= 20 && problem.evaluations === out.history.length, `${out.history.length} evaluations`);
        assert.ok(out.chosen, `seed ${seed}: no policy within the loss`);
        assert.ok(out.chosen.accuracy >= problem.original.accuracy - kLoss);
        assert.ok(out.chosen.latencyMs <= brute.latencyMs * (1 + kLatencyTolerance), `seed ${seed}: ${out.chosen.latencyMs} ms vs brute force ${brute.latencyMs} ms`);
        assert.ok(out.phase1 && out.phase1.latencyMs >= out.chosen.latencyMs);
        assert.equal(out.best, out.history.reduce((a, r) => (r.accuracy > a.accuracy ? r : a)));
      }
    });
  }

  it('pruneStageMid: finds the fastest grid policy within the loss in 10 of its ~60 policies, for every seed', async () => {
    // a search that ignores the GP's level set (fastest first, or least uncertain first) misses it for most seeds
    const brute = await bruteForce('pruneStageMid');
    assert.ok(brute.policies >= 40, `${brute.policies} grid policies`);
    for (let seed = 0; seed < 10; seed++) {
      const out = await new CondensaMethod({ scheme: 'pruneStageMid' }).run(syntheticProblem(), { maxLatencyMs: 10, evaluations: 10, seed });
      assert.equal(out.chosen?.latencyMs, brute.latencyMs, `seed ${seed}`);
    }
  });

  it('is deterministic: the same seed and answers give the same evaluated policies', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const p = syntheticProblem();
      const out = await new CondensaMethod({ scheme: 'pruneStageMid' }).run(p, { maxLatencyMs: p.original.latencyMs, evaluations: 15, seed });
      return out.history.map((r) => JSON.stringify(r.policy));
    };
    const a = await run(7);
    assert.equal(a.length, 15);
    assert.deepEqual(await run(7), a);
  });

  it('evaluates only policies within the latency budget, reports progress, and best is the most accurate of them', async () => {
    const problem = syntheticProblem();
    const maxLatencyMs = problem.original.latencyMs * 0.6;
    const seen: number[] = [];
    const out = await new CondensaMethod({ scheme: 'pruneThenQuantize' }).run(problem, {
      maxLatencyMs, evaluations: 8, seed: 0, onProgress: (done, total) => seen.push(done * 100 + total),
    });
    assert.equal(out.history.length, 8);
    assert.ok(out.history.every((r) => r.latencyMs <= maxLatencyMs));
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8].map((d) => d * 100 + 8));
    assert.equal(out.best?.accuracy, Math.max(...out.history.map((r) => r.accuracy)));
    // quantizing every block costs 0.6 points on this problem: nothing clears the threshold
    assert.equal(out.chosen, undefined);
    const one = await new CondensaMethod({ scheme: 'quantizeAll' }).run(syntheticProblem(), { maxLatencyMs: 10, evaluations: 5, seed: 0 });
    assert.equal(one.history.length, 1);
  });

  it('refuses an impossible budget and bad options, naming them', async () => {
    const problem = syntheticProblem();
    await assert.rejects(
      new CondensaMethod({ scheme: 'pruneMidOnly' }).run(problem, { maxLatencyMs: 0.1, evaluations: 10, seed: 0 }),
      /none of scheme pruneMidOnly's \d+ policies is within options.maxLatencyMs = 0.1 ms \(the fastest takes [\d.]+ ms\): raise the budget/,
    );
    await assert.rejects(new CondensaMethod().run(problem, { maxLatencyMs: 1, evaluations: 0, seed: 0 }), /options.evaluations must be a positive integer \(got 0\)/);
    assert.throws(() => new CondensaMethod({ scheme: 'nope' as never }), /unknown compression scheme 'nope': expected one of pruneAll/);
    assert.throws(() => new CondensaMethod({ maxAccuracyLoss: -1 }), /options.maxAccuracyLoss must be in \[0, 1\) \(got -1\)/);
    assert.throws(() => new CondensaMethod({ phase1Share: 0 }), /options.phase1Share/);
    assert.throws(() => new CondensaMethod({ gridPoints: 1 }), /options.gridPoints must be an integer >= 2 \(got 1\)/);
  });
});
