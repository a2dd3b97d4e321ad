import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bestWithin } from '../../evolution/bestWithin.js';
import { handMadeFamily } from '../../evolution/handMadeFamily.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';
import { LocalFitness } from '../fixtures/localFitness.js';

const space = microSpace();

describe('bestWithin', () => {
  let fitness: LocalFitness;
  let family: SubnetConfig[];
  let accuracy: number[];
  let latency: number[];

  before(async () => {
    fitness = await LocalFitness.create(space, ['rpi4', 'macs']);
    family = handMadeFamily(space, { bits: ['fp32', { w: 8, a: 8 }, { w: 4, a: 8 }], depths: 'uniform' });
    accuracy = [];
    latency = [];
    // Scored one config at a time: float and quantized configs never share a batch here.
    for (const cfg of family) {
      const s = await fitness.score([cfg]);
      accuracy.push(s.accuracy[0]);
      latency.push(s.latency[0]);
    }
  });

  it('chooses the most accurate config within the budget, float and quantized alike', async () => {
    const max = [...latency].sort((a, b) => a - b)[Math.floor(latency.length / 3)];
    const result = await bestWithin(space, fitness, family, { target: 'rpi4', max });
    const within = family.map((_, i) => i).filter((i) => latency[i] <= max);
    const top = Math.max(...within.map((i) => accuracy[i]));
    assert.equal(result.scored, family.length);
    assert.equal(result.within, within.length);
    assert.equal(result.best?.accuracy, top);
    assert.ok((result.best?.latency ?? Infinity) <= max);
    assert.ok((result.best?.latencies.macs ?? 0) > 0, 'other targets are predicted for the chosen config');
    assert.deepEqual([result.target, result.unit, result.maxLatency], ['rpi4', 'ms', max]);
  });

  it('scores everything with an infinite budget and chooses nothing when nothing fits', async () => {
    const all = await bestWithin(space, fitness, family, { target: 'rpi4', max: Infinity });
    assert.equal(all.within, family.length);
    assert.equal(all.best?.accuracy, Math.max(...accuracy));
    const none = await bestWithin(space, fitness, family, { target: 'rpi4', max: Math.min(...latency) / 2 });
    assert.equal(none.best, null);
    assert.equal(none.within, 0);
    assert.equal(none.scored, family.length);
  });

  it('checks the budget', async () => {
    await assert.rejects(bestWithin(space, fitness, family, { target: 'rpi4', max: 0 }), /a latency budget must be a positive number \(got 0\)/);
    await assert.rejects(bestWithin(space, fitness, family, { target: 'gpu-small', max: 1 }), /target 'gpu-small' is not scored by this fitness: it scores rpi4, macs/);
  });
});
