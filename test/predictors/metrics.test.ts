import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { binomialStdErrPp, evaluationNoisePp, pairwiseAccuracy, predictorMetrics, rmsePp } from '../../predictors/metrics.js';
import type { AccuracySample } from '../../predictors/types.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('predictor metrics', () => {
  it('RMSE in accuracy points', () => {
    close(rmsePp([0.9, 0.8], [0.91, 0.78]), 100 * Math.sqrt((0.01 ** 2 + 0.02 ** 2) / 2));
    close(rmsePp([0.5], [0.5]), 0);
    assert.throws(() => rmsePp([0.5], [0.5, 0.6]), /as many predictions as measurements \(got 1 and 2\)/);
    assert.throws(() => rmsePp([], []), /at least one pair/);
  });

  it('pairwise ranking accuracy by hand: measured ties skipped, predicted ties count half', () => {
    const actual = [0.1, 0.2, 0.3, 0.3];
    assert.equal(pairwiseAccuracy([1, 2, 3, 4], actual), 1);
    assert.equal(pairwiseAccuracy([4, 3, 2, 1], actual), 0);
    // Pairs with different actual: (0,1) (0,2) (0,3) (1,2) (1,3) = 5. Predictions [1, 1, 3, 0]:
    // (0,1) tie 0.5; (0,2) right; (0,3) wrong; (1,2) right; (1,3) wrong -> 2.5 / 5.
    assert.equal(pairwiseAccuracy([1, 1, 3, 0], actual), 0.5);
    assert.ok(Number.isNaN(pairwiseAccuracy([1, 2], [0.5, 0.5])));
  });

  it('collects RMSE, MAE and rank agreement', () => {
    const m = predictorMetrics([0.7, 0.8, 0.95], [0.72, 0.81, 0.9]);
    assert.equal(m.n, 3);
    close(m.maePp, 100 * (0.02 + 0.01 + 0.05) / 3, 1e-9);
    assert.equal(m.kendallTau, 1);
    assert.equal(m.spearman, 1);
    assert.equal(m.pairwiseAccuracy, 1);
  });

  it('binomial standard error of a 10,000-image accuracy', () => {
    close(binomialStdErrPp(0.9, 10_000), 0.3, 1e-12);
    close(binomialStdErrPp(0.5, 2_500), 1, 1e-12);
    assert.throws(() => binomialStdErrPp(90, 10_000), /fraction in \[0, 1\] \(got 90\)/);
    const s = (accuracy: number, n: number): AccuracySample => ({ config: { depths: [], kernels: [], expands: [], widths: [] }, accuracy, loss: 0, n, seconds: 0 });
    close(evaluationNoisePp([s(0.9, 10_000), s(0.5, 2_500)]), Math.sqrt((0.09 + 1) / 2), 1e-12);
  });
});
