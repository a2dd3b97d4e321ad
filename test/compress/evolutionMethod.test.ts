import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EvolutionMethod } from '../../compress/evolutionMethod.js';
import type { CompressPolicy } from '../../compress/types.js';
import type { ActBits, WeightBits } from '../../space/types.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';

const reference = syntheticProblem();
const kBudget = reference.original.latencyMs * 0.4;

/** The accuracies, ascending, of every policy of the synthetic problem (32,768) within `maxLatencyMs`. */
async function enumerate(maxLatencyMs: number): Promise<number[]> {
  const p = syntheticProblem();
  const out: number[] = [];
  const bits = (mask: number): number[] => [0, 1, 2].map((b) => ((mask >> b) & 1 ? 8 : 32));
  const walk = async (i: number, keep: number[]): Promise<void> => {
    if (i === p.layers.length) {
      for (let w = 0; w < 8; w++) {
        for (let a = 0; a < 8; a++) {
          const policy: CompressPolicy = { keep: [...keep], wBits: bits(w) as WeightBits[], aBits: bits(a) as ActBits[] };
          if (p.latencyMs(policy) <= maxLatencyMs) out.push((await p.evaluate(policy)).accuracy);
        }
      }
      return;
    }
    for (const k of p.layers[i].keeps) await walk(i + 1, [...keep, k]);
  };
  await walk(0, []);
  return out.sort((x, y) => x - y);
}

let valid: Promise<number[]> | undefined;
const validAccuracies = (): Promise<number[]> => (valid ??= enumerate(kBudget));

describe('EvolutionMethod', () => {
  it('evaluates only policies within the budget, and beats the median random valid policy', async () => {
    const valid = await validAccuracies();
    const median = valid[Math.floor(valid.length / 2)];
    for (const seed of [0, 1, 2, 3]) {
      const problem = syntheticProblem();
      const out = await new EvolutionMethod().run(problem, { maxLatencyMs: kBudget, evaluations: 60, seed });
      assert.equal(out.history.length, 60);
      assert.equal(out.stop, 'evaluations');
      assert.equal(new Set(out.history.map((r) => JSON.stringify(r.policy))).size, 60);
      assert.ok(out.history.every((r) => r.latencyMs <= kBudget), `seed ${seed}: a policy over the budget`);
      assert.ok(out.best && out.best.accuracy >= median, `seed ${seed}: ${out.best?.accuracy} < median ${median}`);
    }
  });

  it('with 200 evaluations comes within 0.3 points of the optimum under the budget (found by enumeration)', async () => {
    const valid = await validAccuracies();
    const optimum = valid[valid.length - 1];
    const out = await new EvolutionMethod().run(syntheticProblem(), { maxLatencyMs: kBudget, evaluations: 200, seed: 0 });
    assert.ok(out.best!.accuracy >= optimum - 0.003, `${out.best!.accuracy} vs optimum ${optimum} over ${valid.length} valid policies`);
  });

  it('is deterministic: the same seed and answers give the same evaluated policies', async () => {
    const run = async (seed: number): Promise<string[]> =>
      (await new EvolutionMethod().run(syntheticProblem(), { maxLatencyMs: kBudget, evaluations: 40, seed })).history.map((r) => JSON.stringify(r.policy));
    const a = await run(5);
    assert.deepEqual(await run(5), a);
    assert.notDeepEqual(await run(6), a);
  });

  it('leaves bits alone when the problem offers none but 32, and stops a population that makes nothing new', async () => {
    const base = syntheticProblem();
    const floatOnly = { ...base, weightBits: [32] as WeightBits[], actBits: [32] as ActBits[], evaluate: base.evaluate };
    const out = await new EvolutionMethod({ mutationProbability: 0, maxStaleGenerations: 3 }).run(floatOnly, { maxLatencyMs: kBudget * 2, evaluations: 500, seed: 1 });
    assert.ok(out.history.every((r) => r.policy.wBits.every((b) => b === 32) && r.policy.aBits.every((b) => b === 32)));
    assert.equal(out.stop, 'stale');
    assert.ok(out.history.length < 500 && out.generations < 500, `${out.history.length} evaluations, ${out.generations} generations`);
  });

  it('refuses an impossible budget with the smallest latency, and bad options by name', async () => {
    const problem = syntheticProblem();
    await assert.rejects(
      new EvolutionMethod().run(problem, { maxLatencyMs: 0.01, evaluations: 10, seed: 0 }),
      /even the fastest policy .* takes 0\.\d+ ms, over options.maxLatencyMs = 0.01 ms: raise options.maxLatencyMs to at least 0\.\d+/,
    );
    assert.equal(problem.evaluations, 0);
    assert.throws(() => new EvolutionMethod({ populationSize: 1 }), /options.populationSize must be at least 2/);
    assert.throws(() => new EvolutionMethod({ mutationProbability: 2 }), /options.mutationProbability must be in \[0, 1\] \(got 2\)/);
    await assert.rejects(new EvolutionMethod().run(problem, { maxLatencyMs: 1, evaluations: 5, seed: -1 }), /options.seed must be a non-negative integer \(got -1\)/);
  });

  it('reaches a budget that only float blocks meet when int8 runs slower than float (as on some CPUs)', async () => {
    const base = syntheticProblem();
    const slowInt8 = (p: CompressPolicy): number => base.latencyMs({ ...p, wBits: p.wBits.map(() => 32 as WeightBits) }) * (1 + 0.5 * p.wBits.filter((b) => b < 32).length);
    const problem = { ...base, latencyMs: slowInt8, evaluate: async (p: CompressPolicy) => ({ ...(await base.evaluate(p)), latencyMs: slowInt8(p) }) };
    const floatSmallest = slowInt8({ ...base.identity(), keep: base.layers.map((l) => l.keeps[0]) });
    const allInt8Smallest = slowInt8({ keep: base.layers.map((l) => l.keeps[0]), wBits: base.identity().wBits.map(() => 8 as WeightBits), aBits: base.identity().aBits.map(() => 8 as ActBits) });
    assert.ok(allInt8Smallest > floatSmallest * 1.2);
    const budget = (floatSmallest + allInt8Smallest) / 2;
    const out = await new EvolutionMethod().run(problem, { maxLatencyMs: budget, evaluations: 30, seed: 2 });
    assert.ok(out.best !== undefined && out.history.length > 0);
    assert.ok(out.history.every((r) => r.latencyMs <= budget + 1e-12), 'every evaluated policy within the budget');
  });

  it('finds the full-width int8 policy where int8 halves the time only when every block is quantized (VNNI CPUs)', async () => {
    const base = syntheticProblem();
    // Float time, halved when all blocks are int8; each float/int8 boundary between blocks costs 0.02 ms.
    const vnni = (p: CompressPolicy): number => {
      const float = base.latencyMs({ ...p, wBits: p.wBits.map(() => 32 as WeightBits) });
      const int8 = p.wBits.map((b, i) => b < 32 && p.aBits[i] < 32);
      const boundaries = int8.filter((q, i) => i > 0 && q !== int8[i - 1]).length + (int8[0] ? 1 : 0);
      return (int8.every(Boolean) ? float * 0.5 : float) + 0.02 * boundaries;
    };
    const problem = { ...base, latencyMs: vnni, evaluate: async (p: CompressPolicy) => ({ ...(await base.evaluate(p)), latencyMs: vnni(p) }) };
    const budget = vnni(base.identity()) * 0.6;
    const out = await new EvolutionMethod().run(problem, { maxLatencyMs: budget, evaluations: 20, seed: 0 });
    assert.ok(out.history.every((r) => r.latencyMs <= budget + 1e-12));
    assert.deepEqual(out.best!.policy.keep, base.identity().keep, `best ${JSON.stringify(out.best!.policy)}`);
    assert.deepEqual([...out.best!.policy.wBits, ...out.best!.policy.aBits], [8, 8, 8, 8, 8, 8]);
  });

  it('repairs into the budget when the latency model is not monotone in a keep (a stuck descent takes the fastest policy)', async () => {
    const base = syntheticProblem();
    // Layer 4's second-smallest keep costs more than its largest: one step down from there is uphill.
    const bumpy = (p: CompressPolicy): number => base.latencyMs(p) + (p.keep[4] === base.layers[4].keeps[1] ? 0.2 : 0);
    const problem = {
      ...base, latencyMs: bumpy, weightBits: [32] as WeightBits[], actBits: [32] as ActBits[],
      evaluate: async (p: CompressPolicy) => ({ ...(await base.evaluate(p)), latencyMs: bumpy(p) }),
    };
    const budget = bumpy({ ...base.identity(), keep: base.layers.map((l) => l.keeps[0]) }) * 1.05;
    const out = await new EvolutionMethod().run(problem, { maxLatencyMs: budget, evaluations: 20, seed: 4 });
    assert.ok(out.history.length > 0 && out.history.every((r) => r.latencyMs <= budget + 1e-12));
  });
});
