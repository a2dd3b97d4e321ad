import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GaussianProcess, cholesky, cholSolve } from '../../compress/gp.js';

const line = (n: number, lo = 0, hi = 1): number[][] => Array.from({ length: n }, (_, i) => [lo + ((hi - lo) * i) / (n - 1)]);
const wave = (x: number): number => Math.sin(2 * Math.PI * x);

describe('GaussianProcess', () => {
  it('interpolates its training points, with a variance near 0 there and larger between them', () => {
    const x = [[0], [0.2], [0.45], [0.7], [1]];
    const y = [0.91, 0.9, 0.87, 0.8, 0.62];
    for (const kernel of ['rbf', 'matern52'] as const) {
      const gp = GaussianProcess.fit(x, y, { kernel, noiseRatios: [1e-8] });
      const p = gp.predict(x);
      p.mean.forEach((m, i) => assert.ok(Math.abs(m - y[i]) < 1e-4, `${kernel}: mean ${m} at x=${x[i][0]}, target ${y[i]}`));
      p.variance.forEach((v) => assert.ok(v < 1e-6, `${kernel}: variance ${v} at a training point`));
      const between = gp.predict([[0.575]]).variance[0];
      assert.ok(between > 100 * Math.max(...p.variance), `${kernel}: variance ${between} between points`);
    }
  });

  it('recovers a sine from 12 points within 0.05 over [0, 1]', () => {
    const x = line(12);
    const gp = GaussianProcess.fit(x, x.map(([v]) => wave(v)));
    const test = line(101);
    const p = gp.predict(test);
    const worst = Math.max(...test.map(([v], i) => Math.abs(p.mean[i] - wave(v))));
    assert.ok(worst < 0.05, `largest error ${worst.toFixed(4)}`);
    assert.ok(gp.hyper.lengthScale > 0.05 && gp.hyper.lengthScale < 2, `length scale ${gp.hyper.lengthScale}`);
  });

  it('fits hyperparameters of higher log marginal likelihood than a bad fixed length scale', () => {
    const x = line(12);
    const y = x.map(([v]) => wave(v));
    const fitted = GaussianProcess.fit(x, y);
    for (const bad of [0.005, 20]) {
      const fixed = GaussianProcess.fit(x, y, { lengthScales: [bad] });
      assert.equal(fixed.hyper.lengthScale, bad);
      assert.ok(fitted.logMarginalLikelihood > fixed.logMarginalLikelihood + 5, `fitted ${fitted.logMarginalLikelihood} vs l=${bad}: ${fixed.logMarginalLikelihood}`);
    }
    // and the bad fit predicts worse between the points
    const fixed = GaussianProcess.fit(x, y, { lengthScales: [0.005] });
    const mid = [[0.5 / 11]];
    assert.ok(Math.abs(fixed.predict(mid).mean[0] - wave(mid[0][0])) > Math.abs(fitted.predict(mid).mean[0] - wave(mid[0][0])));
  });

  it('reverts to the data mean, with the signal variance, far from the data', () => {
    const gp = GaussianProcess.fit([[0], [0.1]], [1, 3]);
    const far = gp.predict([[50]]);
    assert.ok(Math.abs(far.mean[0] - 2) < 1e-6, `mean ${far.mean[0]}`);
    assert.ok(far.variance[0] > 0.5, `variance ${far.variance[0]}`);
  });

  it('solves with its Cholesky factor, and refuses bad input with the fix', () => {
    const m = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const v = cholSolve(cholesky(m, 3), 3, [1, 2, 3]);
    const back = [0, 1, 2].map((i) => m[i * 3] * v[0] + m[i * 3 + 1] * v[1] + m[i * 3 + 2] * v[2]);
    back.forEach((b, i) => assert.ok(Math.abs(b - (i + 1)) < 1e-12));
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite.*noise ratio/);
    assert.throws(() => GaussianProcess.fit([[0], [1]], [1]), /as many targets as points/);
    assert.throws(() => GaussianProcess.fit([[0]], [1], { kernel: 'cubic' as never }), /'rbf' or 'matern52'/);
    assert.throws(() => GaussianProcess.fit([[0]], [1], { lengthScales: [0] }), /options\.lengthScales/);
  });
});
