import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatedSubnets } from '../../profiling/evaluatedSubnets.js';
import { sampleSubnets, subnetGroups } from '../../profiling/subnetSets.js';
import { configKey } from '../../space/searchSpace.js';
import { nanoSpace, syntheticProfile } from '../fixtures/latencyProfiles.js';

const space = nanoSpace();
const profile = { ...syntheticProfile(space), subnets: sampleSubnets(space, 'mixed', 6, 1).map((config) => ({ config, ms: 0.1 })) };
const training = new Set(profile.subnets.map((s) => configKey(space, s.config)));
// As `hwnas profile --evaluate --json` writes it before configs were recorded: keys only,
// drawn with evaluateProfile's default seed (1001 + 7919 x group), the training set excluded.
const drawn = subnetGroups(true).map((group, g) => ({ group, configs: sampleSubnets(space, group, 4, 1001 + 7919 * g, training) }));
const report = (withConfigs: boolean) => ({
  profile: 'p.json', target: 'ort-cpu:1',
  groups: drawn.map(({ group, configs }) => ({
    group,
    rows: configs.map((config, i) => ({ key: configKey(space, config), ...(withConfigs ? { config } : {}), macs: 1, predictedMs: 0.1 + i, measuredMs: 0.2 + i, noisy: false })),
  })),
});

describe('evaluatedSubnets', () => {
  it('reads the configs an evaluation report records, or draws them again from their keys', () => {
    for (const withConfigs of [true, false]) {
      const subnets = evaluatedSubnets(profile, report(withConfigs), 'e.json');
      assert.deepEqual(subnets.map((s) => s.config), drawn.flatMap((d) => d.configs));
      assert.deepEqual(subnets.map((s) => s.group), drawn.flatMap((d) => d.configs.map(() => d.group)));
      assert.deepEqual(subnets.slice(0, 4).map((s) => [s.ms, s.predictedMs]), [[0.2, 0.1], [1.2, 1.1], [2.2, 2.1], [3.2, 3.1]]);
    }
  });

  it('refuses a report of another target, of other draws, of the training subnets, or without rows', () => {
    assert.throws(() => evaluatedSubnets(profile, { ...report(false), target: 'ort-cpu:2' }, 'e.json'), /e\.json evaluates a profile of ort-cpu:2, not of ort-cpu:1/);
    const other = report(false);
    other.groups[1].rows[2].key = configKey(space, drawn[0].configs[0]);
    assert.throws(() => evaluatedSubnets(profile, other, 'e.json'), /held-out int8 subnet 2 is not the one evaluateProfile draws/);
    const ofTraining = report(true);
    ofTraining.groups[0].rows[1] = { ...ofTraining.groups[0].rows[1], key: configKey(space, profile.subnets[0].config), config: profile.subnets[0].config };
    assert.throws(() => evaluatedSubnets(profile, ofTraining, 'e.json'), /held-out fp32 subnet 1 is one of the profile's own training subnets/);
    assert.throws(() => evaluatedSubnets(profile, { target: 'ort-cpu:1', groups: [{ group: 'fp32', rows: [] }] }, 'e.json'), /not a report of 'hwnas profile --evaluate --json' with held-out rows/);
  });
});
