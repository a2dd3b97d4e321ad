import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stepConfigs, validateTrainOptions, type PhaseSpec } from '../../../supernet/train/schedule.js';
import { parseConfig } from '../../../space/schema.js';
import { fashionHybrid } from '../../../space/defaultSpace.js';

const hat: PhaseSpec = { name: 'hat', epochs: 2, lr: 0.05, warmupEpochs: 0, sandwich: false, uniform: true, randomSubnets: 1 };

describe('uniform phases (HAT\'s rule) for the CNN supernet', () => {
  it('train randomSubnets uniformly random subnets per step, valid, seeded by step', () => {
    const draws = Array.from({ length: 30 }, (_, step) => stepConfigs(fashionHybrid, hat, 3, step));
    assert.ok(draws.every((d) => d.length === 1));
    for (const [cfg] of draws) parseConfig(fashionHybrid, cfg);
    assert.deepEqual(draws, Array.from({ length: 30 }, (_, step) => stepConfigs(fashionHybrid, hat, 3, step)));
    assert.ok(new Set(draws.map((d) => JSON.stringify(d))).size > 25, 'different subnets at different steps');
    assert.equal(stepConfigs(fashionHybrid, { ...hat, randomSubnets: 3 }, 3, 0).length, 3);
  });

  it('refuse a uniform phase that is also the sandwich, trains one config, or trains no subnet', () => {
    assert.throws(() => validateTrainOptions({ phases: [{ ...hat, sandwich: true }] }), /phases\[0\] trains uniformly random subnets \(uniform\) and the sandwich at once: choose one/);
    assert.throws(() => validateTrainOptions({ phases: [{ ...hat, randomSubnets: 0 }] }), /phases\[0\]\.randomSubnets must be at least 1 with uniform/);
    assert.throws(() => validateTrainOptions({ hyper: { momentum: 0.9, weightDecay: 0, labelSmoothing: 0, kdWeight: 1, optimizer: 'lamb' as 'sgd' } }), /options\.hyper\.optimizer must be 'sgd' or 'adamw' \(got 'lamb'\)/);
  });
});
