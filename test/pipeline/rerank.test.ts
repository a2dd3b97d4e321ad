import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { finalists, knownWithin, rerankByValidation, rerankFront } from '../../pipeline/rerank.js';
import type { SubnetEvaluator } from '../../predictors/SubnetEvaluator.js';
import type { AccuracySample } from '../../predictors/types.js';
import type { ScoredConfig } from '../../evolution/types.js';
import type { SubnetConfig } from '../../space/types.js';

function scored(depth: number, accuracy: number, latency: number): ScoredConfig {
  const config: SubnetConfig = { depths: [depth], kernels: [3, 3, 3], expands: [3, 3, 3], widths: [1] };
  return { config, accuracy, latency, latencies: { t: latency } };
}

/** Val accuracy by depth, with the evaluations that ran at once recorded. */
class TableEvaluator implements SubnetEvaluator {
  running = 0;
  maxRunning = 0;
  evaluated: number[] = [];
  constructor(readonly concurrency: number, private readonly table: Record<number, number>) {}
  async evaluate(config: SubnetConfig): Promise<AccuracySample> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 2));
    this.running--;
    const d = config.depths[0];
    this.evaluated.push(d);
    if (!(d in this.table)) throw new Error(`no val accuracy for depth ${d}`);
    return { config, accuracy: this.table[d], loss: 0, n: 10000, seconds: 0 };
  }
  async close(): Promise<void> {}
}

describe('rerank', () => {
  const front = [scored(1, 0.90, 1), scored(2, 0.91, 2), scored(3, 0.93, 3), scored(4, 0.92, 2.5)];

  it('takes the k most accurate predicted configs of a front, best first', () => {
    assert.deepEqual(finalists(front, 2).map((c) => c.config.depths[0]), [3, 4]);
    assert.equal(finalists(front, 10).length, 4);
    assert.throws(() => finalists(front, 0), /positive integer \(got 0\)/);
  });

  it('measures a config that a merged front holds twice only once', () => {
    const merged = [...front, scored(3, 0.93, 3)];
    assert.deepEqual(finalists(merged, 3).map((c) => c.config.depths[0]), [3, 4, 2]);
    assert.equal(finalists(merged, 10).length, 4);
  });

  it('chooses the most accurate measured finalist, ties to the faster, measuring up to the concurrency at once', async () => {
    const evaluator = new TableEvaluator(2, { 3: 0.905, 4: 0.912, 2: 0.912 });
    const r = await rerankByValidation(finalists(front, 3), evaluator);
    assert.deepEqual(r.candidates.map((c) => c.config.depths[0]), [3, 4, 2]);
    assert.deepEqual(r.candidates.map((c) => c.valAccuracy), [0.905, 0.912, 0.912]);
    assert.equal(r.candidates[r.chosen].config.depths[0], 2, 'tie on val goes to the faster (2 < 2.5)');
    assert.equal(r.candidates[0].accuracy, 0.93, 'the prediction is kept next to the measurement');
    assert.equal(r.candidates[0].valImages, 10000);
    assert.equal(evaluator.maxRunning, 2);
  });

  it('rejects when an evaluation fails, and needs a candidate', async () => {
    await assert.rejects(rerankByValidation(finalists(front, 4), new TableEvaluator(1, { 3: 0.9 })), /no val accuracy for depth 4/);
    await assert.rejects(rerankByValidation([], new TableEvaluator(1, {})), /at least one candidate/);
  });
  it('joins the known configs within a budget, most accurate recorded first, and measures a config the front also holds once', async () => {
    const known = [2, 5, 6, 7].map((d, i) => ({ config: scored(d, 0, 0).config, accuracy: [0.95, 0.97, 0.96, 0.99][i], loss: 0, n: 2000, seconds: 0 }));
    // Scores in the search's layout: predicted accuracy per config, latency per config and target (t, u).
    const scores = { accuracy: Float64Array.of(0.91, 0.8, 0.81, 0.82), latency: Float64Array.of(2, 9, 3.5, 9, 2.9, 9, 3.1, 9) };
    const within = knownWithin(known, scores, ['t', 'u'], 0, 3, 2);
    assert.deepEqual(within.map((c) => [c.config.depths[0], c.knownAccuracy, c.latency, c.accuracy]), [[6, 0.96, 2.9, 0.81], [2, 0.95, 2, 0.91]]);
    assert.deepEqual(within[0].latencies, { t: 2.9, u: 9 });
    // The second target's latencies: every other value of the flat layout.
    assert.deepEqual(knownWithin(known, scores, ['t', 'u'], 1, 9, 4).map((c) => [c.config.depths[0], c.latency]), [[7, 9], [5, 9], [6, 9], [2, 9]]);
    assert.deepEqual(knownWithin(known, scores, ['t', 'u'], 1, 8.9, 4), []);
    // A dataset holding a config twice gives it once.
    assert.deepEqual(knownWithin([known[0], known[0]], scores, ['t', 'u'], 0, 9, 2).map((c) => [c.config.depths[0], c.latency]), [[2, 2]]);
    const evaluator = new TableEvaluator(1, { 3: 0.905, 4: 0.912, 6: 0.93, 2: 0.9 });
    const { best, rerank } = await rerankFront(front, 2, evaluator, [...within, { ...within[0], config: scored(3, 0, 0).config }]);
    assert.deepEqual(rerank.candidates.map((c) => [c.config.depths[0], c.knownAccuracy]), [[3, undefined], [4, undefined], [6, 0.96], [2, 0.95]]);
    assert.deepEqual(evaluator.evaluated.sort(), [2, 3, 4, 6], 'depth 3 is a finalist and a known config: measured once');
    assert.equal(best.config.depths[0], 6, 'a known config measured best is chosen');
    assert.deepEqual(Object.keys(best).sort(), ['accuracy', 'config', 'latencies', 'latency'], 'best keeps the ScoredConfig shape');
  });
});
