import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { AmcMethod, type AmcOptions } from '../../compress/amc.js';
import { LayerWalk, normaliseColumns } from '../../compress/layerState.js';
import type { CompressOutcome } from '../../compress/types.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';
import { syntheticOptimum, type GridSummary } from '../fixtures/syntheticOptimum.js';

/** Smaller networks than AMC's 300-300 keep the test fast; the agent is otherwise the default. */
const kTestOptions = { ddpg: { hidden: [64, 64] } };
const kBudgetRatio = 0.6;

async function runAmc(seed: number, evaluations: number, ratio = kBudgetRatio, options: AmcOptions = {}): Promise<CompressOutcome & { maxLatencyMs: number; progress: number[] }> {
  const problem = syntheticProblem();
  const maxLatencyMs = ratio * problem.original.latencyMs;
  const progress: number[] = [];
  const out = await new AmcMethod({ ...kTestOptions, ...options }).run(problem, {
    maxLatencyMs, evaluations, seed, onProgress: (done, total) => {
      assert.equal(total, evaluations);
      progress.push(done);
    },
  });
  return { ...out, maxLatencyMs, progress };
}

describe('AmcMethod on the synthetic problem', () => {
  let grid: GridSummary;
  let first: Awaited<ReturnType<typeof runAmc>>;
  let tensorsBefore = 0;
  let tensorsAfter = 0;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    const problem = syntheticProblem();
    grid = await syntheticOptimum(kBudgetRatio * problem.original.latencyMs, false);
    tensorsBefore = tf.memory().numTensors;
    first = await runAmc(1, 60);
    tensorsAfter = tf.memory().numTensors;
  });

  it('evaluates only policies within the budget (the action wall), pruning only', () => {
    assert.ok(first.history.length >= 20 && first.history.length <= 60, `${first.history.length} evaluations`);
    for (const r of first.history) {
      assert.ok(r.latencyMs <= first.maxLatencyMs, `${r.latencyMs} ms > ${first.maxLatencyMs} ms: ${JSON.stringify(r.policy)}`);
      assert.ok(r.policy.wBits.every((b) => b === 32) && r.policy.aBits.every((b) => b === 32));
      assert.ok(r.policy.keep.every((k) => k >= 0.2));
    }
    assert.equal(new Set(first.history.map((r) => JSON.stringify(r.policy))).size, first.history.length, 'history repeats a policy');
    assert.deepEqual(first.progress, first.history.map((_, i) => i + 1));
  });

  it('finds a policy within 0.01 of the brute-force optimum and above the median valid policy', () => {
    assert.equal(first.method, 'amc');
    assert.ok(first.best, 'no best policy');
    assert.ok(first.best.accuracy >= grid.optimum - 0.01, `best ${first.best.accuracy}, optimum ${grid.optimum}`);
    assert.ok(first.best.accuracy > grid.median, `best ${first.best.accuracy}, median ${grid.median}`);
    assert.equal(first.best.accuracy, Math.max(...first.history.map((r) => r.accuracy)));
  });

  it('leaves no tensors behind', () => {
    assert.equal(tensorsAfter, tensorsBefore);
  });

  it('replays the same history for the same seed, and another for another seed', async () => {
    const again = await runAmc(1, 60);
    assert.deepEqual(again.history, first.history);
    const other = await runAmc(2, 10);
    assert.notDeepEqual(other.history, first.history.slice(0, other.history.length));
  });

  it('stops at the episode bound when fewer policies fit the budget than it may evaluate', async () => {
    // At 0.3x the unpruned latency only 6 pruning policies of the grid fit: at most 5 x 20 episodes.
    const out = await runAmc(3, 20, 0.3, { episodesPerEvaluation: 5 });
    assert.ok(out.history.length <= 6, `${out.history.length} evaluations`);
    assert.ok(out.history.every((r) => r.latencyMs <= out.maxLatencyMs));
  });

  it('rejects a budget pruning cannot meet and bad options, naming them', async () => {
    const problem = syntheticProblem();
    await assert.rejects(new AmcMethod(kTestOptions).run(problem, { maxLatencyMs: 0.1 * problem.original.latencyMs, evaluations: 5, seed: 0 }),
      /options\.maxLatencyMs 0\.18\d* ms cannot be met by pruning: every layer at its smallest keep >= 0\.2 gives/);
    await assert.rejects(new AmcMethod().run(problem, { maxLatencyMs: 1, evaluations: 0, seed: 0 }), /options\.evaluations must be a positive integer \(got 0\)/);
    assert.throws(() => new AmcMethod({ minKeep: 2 }), /options\.minKeep must be a number in \[0, 1\] \(got 2\)/);
    assert.throws(() => new AmcMethod({ ddpg: { tau: 2 } }), /options\.ddpg\.tau must be in \(0, 1\] \(got 2\)/);
    assert.equal(problem.evaluations, 0);
  });
});

describe('the layer state', () => {
  it('normalises each feature over the layers, a constant one to 0', () => {
    assert.deepEqual(normaliseColumns([[1, 5, 2], [3, 5, 4], [2, 5, 6]]), [[0, 0, 0], [1, 0, 0.5], [0.5, 0, 1]]);
  });

  it('reports the latency removed so far and the latency later layers can still remove', () => {
    const problem = syntheticProblem();
    const floor = { ...problem.identity(), keep: problem.layers.map((l) => l.keeps.find((k) => k >= 0.2) ?? 1) };
    const walk = new LayerWalk(problem, floor, []);
    const original = problem.original.latencyMs;
    const [removed0, rest0] = walk.latencyFeatures(0);
    assert.equal(removed0, 0);
    const expected = (original - problem.latencyMs({ ...floor, keep: [1, ...floor.keep.slice(1)] })) / original;
    assert.ok(Math.abs(rest0 - expected) < 1e-12, `${rest0} vs ${expected}`);
    walk.current.keep[0] = 0.5;
    const [removed1] = walk.latencyFeatures(1);
    assert.ok(Math.abs(removed1 - (original - problem.latencyMs(walk.current)) / original) < 1e-12 && removed1 > 0);
  });
});
