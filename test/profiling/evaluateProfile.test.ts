import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { LatencyProfile } from '../../latency/latencyProfile.js';
import { evaluateProfile } from '../../profiling/evaluateProfile.js';
import { profileDevice } from '../../profiling/profileDevice.js';
import { groupOf, sampleSubnets, splitCount, subnetGroups } from '../../profiling/subnetSets.js';
import { configKey } from '../../space/searchSpace.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { containerRuntime } from '../fixtures/containerBenchRuntime.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { layersOf, macs } from '../../space/layers.js';
import { median } from '../../util/stats.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const space = nanoSpace();
const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };

describe('subnet sets', () => {
  it('draw distinct configs of a precision group, skipping excluded ones', () => {
    assert.deepEqual(subnetGroups(true), ['fp32', 'int8', 'mixed']);
    assert.deepEqual(subnetGroups(false), ['fp32']);
    for (const group of subnetGroups(true)) {
      const first = sampleSubnets(space, group, 8, 4);
      assert.deepEqual(first.map((c) => groupOf(space, c)), new Array(8).fill(group));
      const keys = new Set(first.map((c) => configKey(space, c)));
      assert.equal(keys.size, 8);
      const more = sampleSubnets(space, group, 8, 4, keys);
      assert.ok(more.every((c) => !keys.has(configKey(space, c))));
    }
    assert.deepEqual(sampleSubnets(space, 'mixed', 5, 8), sampleSubnets(space, 'mixed', 5, 8), 'seeded');
  });

  it('refuse to draw more distinct configs than the space has', () => {
    // nano has 2 depths x 2 widths per stage for each of 2 stages: 16 float subnets.
    assert.throws(() => sampleSubnets(space, 'fp32', 17, 1), /found only 16 distinct new ones of the 17 asked for: ask for fewer subnets/);
  });

  it('split a total over groups', () => {
    assert.deepEqual(splitCount(300, 3), [100, 100, 100]);
    assert.deepEqual(splitCount(10, 3), [4, 3, 3]);
  });
});

describe('evaluateProfile', () => {
  let profile: LatencyProfile;

  before(async () => {
    const out = join(tempDir('hwnas-evaluate-'), 'p.json');
    profile = (await profileDevice(fakeRuntime(), space, out, { subnets: 30, sampler })).profile;
  });

  it('reports agreement, the MACs-only baseline and the noise floor per precision group', async () => {
    const runtime = fakeRuntime();
    const report = await evaluateProfile(runtime, profile, { subnets: 6, noiseModels: 2, noiseRepeats: 3, sampler });
    assert.equal(report.target, 'ort-cpu:1');
    assert.deepEqual(report.machineDifferences, []);
    assert.equal(runtime.loads, 2 * 3 * (6 + 2 * 2), 'each subnet with the reference beside it');
    assert.ok(report.referenceRatio !== null && Math.abs(report.referenceRatio - 1) < 0.2, `reference ratio ${report.referenceRatio}`);
    assert.deepEqual(report.groups.map((g) => g.group), ['fp32', 'int8', 'mixed']);
    for (const g of report.groups) {
      assert.equal(g.subnets, 6);
      assert.ok(g.noisy >= 0 && g.noisy <= g.subnets, `noisy ${g.noisy}`);
      assert.ok(g.profile.shareWithin10 >= 0.8, `${g.group}: ${g.profile.shareWithin10}`);
      assert.ok(g.profile.mape < 10 && g.profile.spearman > 0.5, JSON.stringify(g.profile));
      for (const x of [g.macsOnly.shareWithin10, g.macsOnly.mape, g.macsOnly.spearman]) assert.ok(Number.isFinite(x));
      assert.equal(g.noise.models, 2);
      assert.ok(g.noise.medianCv < 0.1);
    }
  });

  it('reports every held-out subnet: its key and config, MACs, predicted and measured time', async () => {
    const report = await evaluateProfile(fakeRuntime(), profile, { subnets: 4, noiseModels: 1, noiseRepeats: 2, sampler });
    const model = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg));
    const training = new Set(profile.subnets.map((s) => configKey(space, s.config)));
    assert.equal(report.weightType, null, 'the fake runtime has no choice of container');
    for (const [g, group] of report.groups.entries()) {
      // The held-out draws evaluateProfile makes (seed 1001 + 7919 g, none of the training set).
      const configs = sampleSubnets(space, group.group, 4, 1001 + 7919 * g, training);
      assert.deepEqual(group.rows.map((r) => r.key), configs.map((c) => configKey(space, c)));
      assert.deepEqual(group.rows.map((r) => r.config), configs, 'configs recorded, so other models can be scored on them offline');
      assert.deepEqual(group.rows.map((r) => r.macs), configs.map((c) => macs(space, c)));
      assert.deepEqual(group.rows.map((r) => r.predictedMs), Array.from(model.predict(configs)));
      assert.ok(group.rows.every((r) => r.measuredMs > 0 && r.refMs !== undefined && r.refMs > 0 && typeof r.noisy === 'boolean'), JSON.stringify(group.rows));
      assert.equal(median(group.rows.map((r) => r.measuredMs)), group.medianMs);
      assert.equal(group.rows.filter((r) => r.noisy).length, group.noisy);
    }
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    assert.deepEqual(Object.keys(json.groups[1].rows[0]).sort(), ['config', 'key', 'macs', 'measuredMs', 'noisy', 'predictedMs', 'refMs']);
  });

  it('measures with the container the profile was measured with (uint8 for a profile that does not record it)', async () => {
    const int8 = { weightType: 'int8' as const, int8OverUint8: 0.6, int8Exact: true, maxRelativeDifference: 0, subnets: 4 };
    const small = { subnets: 2, noiseModels: 1, noiseRepeats: 2, sampler };
    const measuredInt8 = containerRuntime();
    const report = await evaluateProfile(measuredInt8, { ...profile, int8, measuredWeightType: 'int8' }, small);
    assert.equal(report.weightType, 'int8');
    assert.deepEqual(new Set(measuredInt8.loaded), new Set(['int8']));
    // An older profile names int8 faster but was measured with uint8: its predictions are for uint8.
    const older = containerRuntime({ weightType: 'int8' });
    assert.equal((await evaluateProfile(older, { ...profile, int8 }, small)).weightType, 'uint8');
    assert.deepEqual(new Set(older.loaded), new Set(['uint8']));
  });

  it('refuses a runtime other than the profile\'s', async () => {
    await assert.rejects(evaluateProfile(fakeRuntime({ threads: 2 }), profile, { subnets: 2, sampler }),
      /the profile is of ort-cpu:1 but the runtime is ort-cpu:2/);
  });
});
