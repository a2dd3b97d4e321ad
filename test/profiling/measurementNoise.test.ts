import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kMinNoiseModelsForSpearman, measurementNoise } from '../../profiling/measurementNoise.js';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

describe('measurementNoise', () => {
  it('gives each subnet\'s CV, their median, and the share of measurements near their subnet\'s mean and median', () => {
    // [1, 1, 1.5, 1, 1]: mean 1.1, sample sd sqrt(0.2 / 4); [1, 1, 1, 2, 2]: mean 1.4, median 1, sample sd sqrt(1.2 / 4).
    const n = measurementNoise([[1, 1, 1.5, 1, 1], [1, 1, 1, 2, 2], [2, 2, 2, 2, 2]], 5);
    assert.equal(n.models, 3);
    assert.equal(n.repeats, 5);
    assert.deepEqual(n.times, [[1, 1, 1.5, 1, 1], [1, 1, 1, 2, 2], [2, 2, 2, 2, 2]]);
    close(n.cvs[0], Math.sqrt(0.05) / 1.1, 'cv 0');
    close(n.cvs[1], Math.sqrt(0.3) / 1.4, 'cv 1');
    assert.equal(n.cvs[2], 0);
    close(n.medianCv, Math.sqrt(0.05) / 1.1, 'median cv');
    // Within +-10% of the mean: 4 + 0 + 5 of 15; of the median: 4 + 3 + 5.
    close(n.shareWithin10OfMean, 9 / 15, 'of mean');
    close(n.shareWithin10OfMedian, 12 / 15, 'of median');
    assert.ok(Number.isNaN(n.spearman), `fewer than ${kMinNoiseModelsForSpearman} subnets rank nothing`);
  });

  it('ranks two repeats against each other across the subnets, averaged over the pairs of repeats', () => {
    // Repeats 0 and 1 agree (rho 1), repeat 2 reverses them (rho -1 with each): mean -1/3.
    const times = [0, 1, 2, 3, 4].map((i) => [i + 1, i + 1.1, 5 - i]);
    assert.equal(kMinNoiseModelsForSpearman, 5);
    close(measurementNoise(times, 3).spearman, -1 / 3, 'spearman');
    close(measurementNoise(times.map((t) => t.slice(0, 2)), 2).spearman, 1, 'two repeats');
  });

  it('leaves out subnets measured once, and without any gives NaN (null in JSON)', () => {
    const n = measurementNoise([[1], [2]], 1);
    assert.equal(n.models, 0);
    assert.deepEqual(n.cvs, []);
    const json = JSON.parse(JSON.stringify(n)) as Record<string, unknown>;
    assert.deepEqual([json.medianCv, json.shareWithin10OfMean, json.shareWithin10OfMedian, json.spearman], [null, null, null, null]);
  });
});
