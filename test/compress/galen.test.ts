import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { GalenMethod, galenReward, pickBits, type GalenOptions } from '../../compress/galen.js';
import { sensitivityProbes } from '../../compress/galenSensitivity.js';
import type { CompressOutcome, CompressProblem, PolicyResult } from '../../compress/types.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';
import { syntheticOptimum, type GridSummary } from '../fixtures/syntheticOptimum.js';

/** Smaller networks than the default 300-300 keep the test fast; the agent is otherwise the default. */
const kTestOptions: GalenOptions = { ddpg: { hidden: [64, 64] } };
/** A budget tight enough that 8-bit blocks (0.6x latency, 0.1% accuracy each) pay off. */
const kBudgetRatio = 0.35;

async function runGalen(seed: number, evaluations: number, options: GalenOptions = {}): Promise<CompressOutcome & { maxLatencyMs: number }> {
  const problem = syntheticProblem();
  const maxLatencyMs = kBudgetRatio * problem.original.latencyMs;
  const out = await new GalenMethod({ ...kTestOptions, ...options }).run(problem, { maxLatencyMs, evaluations, seed });
  return { ...out, maxLatencyMs };
}

const key = (r: PolicyResult): string => JSON.stringify(r.policy);

describe('GalenMethod on the synthetic problem', () => {
  let pruningOnly: GridSummary;
  let joint: GridSummary;
  let first: Awaited<ReturnType<typeof runGalen>>;
  let tensorsBefore = 0;
  let tensorsAfter = 0;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    const maxLatencyMs = kBudgetRatio * syntheticProblem().original.latencyMs;
    pruningOnly = await syntheticOptimum(maxLatencyMs, false);
    joint = await syntheticOptimum(maxLatencyMs, true);
    tensorsBefore = tf.memory().numTensors;
    first = await runGalen(1, 60);
    tensorsAfter = tf.memory().numTensors;
  });

  it('measures the sensitivity first: one layer pruned or one block quantized at a time', () => {
    const probes = sensitivityProbes(syntheticProblem(), 0.5, 0.2).map((p) => JSON.stringify(p));
    assert.equal(probes.length, 5 + 3);
    assert.deepEqual(first.history.slice(0, 8).map(key), probes);
  });

  it('uses bits and beats the best pruning-only policy of the grid at a tight budget', () => {
    assert.equal(first.method, 'galen');
    assert.ok(first.history.length > 30 && first.history.length <= 60, `${first.history.length} evaluations`);
    assert.ok(first.history.some((r) => r.policy.wBits.includes(8)), 'no 8-bit weights evaluated');
    assert.ok(first.history.some((r) => r.policy.aBits.includes(8)), 'no 8-bit activations evaluated');
    assert.ok(first.best, 'no policy within the budget');
    assert.ok(first.best.latencyMs <= first.maxLatencyMs);
    assert.ok(first.best.policy.wBits.includes(8), `best is pruning only: ${key(first.best)}`);
    assert.ok(first.best.accuracy >= pruningOnly.optimum + 0.01, `best ${first.best.accuracy}, pruning-only optimum ${pruningOnly.optimum}`);
    assert.ok(first.best.accuracy > joint.median, `best ${first.best.accuracy}, median ${joint.median}`);
    // Galen has no action wall: the known gap to the joint optimum (0.897) on this budget is 0.075.
    assert.ok(first.best.accuracy >= joint.optimum - 0.1, `best ${first.best.accuracy}, optimum ${joint.optimum}`);
  });

  it('leaves no tensors behind', () => {
    assert.equal(tensorsAfter, tensorsBefore);
  });

  it('replays the same history for the same seed, and another for another seed', async () => {
    const again = await runGalen(1, 60);
    assert.deepEqual(again.history, first.history);
    const other = await runGalen(2, 12, { sensitivityShare: 0 });
    assert.notDeepEqual(other.history, first.history.slice(0, other.history.length));
  });

  it('skips the sensitivity probes when they would take more than their share of the budget', async () => {
    const out = await runGalen(1, 10);
    const probes = new Set(sensitivityProbes(syntheticProblem(), 0.5, 0.2).map((p) => JSON.stringify(p)));
    assert.ok(out.history.length > 0);
    assert.ok(out.history.every((r) => !probes.has(key(r))), 'a probe was evaluated');
  });

  it('rejects a budget nothing meets, a block without a mid layer and bad options, naming them', async () => {
    const problem = syntheticProblem();
    await assert.rejects(new GalenMethod(kTestOptions).run(problem, { maxLatencyMs: 0.05 * problem.original.latencyMs, evaluations: 5, seed: 0 }),
      /options\.maxLatencyMs 0\.09\d* ms cannot be met: every layer at its smallest keep >= 0\.2 and every block at its fastest uniform bits gives/);
    const noMid: CompressProblem = Object.create(problem, {
      layers: { value: problem.layers.map((l) => (l.name === 'block2.mid' ? { ...l, kind: 'stage', block: -1 } : l)) },
    });
    await assert.rejects(new GalenMethod(kTestOptions).run(noMid, { maxLatencyMs: 1, evaluations: 5, seed: 0 }), /block 2 has no mid layer/);
    assert.throws(() => new GalenMethod({ beta: 5 }), /options\.beta must be a number <= 0 \(got 5\)/);
    assert.throws(() => new GalenMethod({ sensitivityShare: 1.5 }), /options\.sensitivityShare must be in \[0, 1\]/);
    assert.equal(problem.evaluations, 0);
  });
});

describe('Galen actions and reward', () => {
  it('maps a bit action to its share of the ascending bit list', () => {
    assert.deepEqual([0, 0.49, 0.5, 1].map((a) => pickBits([8, 32], a)), [8, 8, 32, 32]);
    assert.deepEqual([0.2, 0.34, 0.7].map((a) => pickBits([4, 8, 32], a)), [4, 8, 32]);
  });

  it('rewards accuracy + beta |latency / target - 1|, under the target too unless told otherwise', () => {
    const r = (latencyMs: number): PolicyResult => ({ policy: { keep: [], wBits: [], aBits: [] }, accuracy: 0.9, latencyMs, macs: 0 });
    assert.ok(Math.abs(galenReward(r(1.2), 1, -5, true) - -0.1) < 1e-12);
    assert.ok(Math.abs(galenReward(r(0.8), 1, -5, true) - -0.1) < 1e-12);
    assert.equal(galenReward(r(0.8), 1, -5, false), 0.9);
    assert.ok(Math.abs(galenReward(r(1.2), 1, -5, false) - -0.1) < 1e-12);
  });
});
