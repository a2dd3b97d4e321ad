import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { LatencyProfile } from '../../latency/latencyProfile.js';
import { profileDevice } from '../../profiling/profileDevice.js';
import { profileDrift } from '../../profiling/profileDrift.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { containerRuntime } from '../fixtures/containerBenchRuntime.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const space = nanoSpace();
const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };

describe('profileDrift', () => {
  let profile: LatencyProfile;
  before(async () => {
    const out = join(tempDir('hwnas-drift-'), 'p.json');
    profile = (await profileDevice(fakeRuntime({ overheadUs: 40 }), space, out, { subnets: 30, sampler })).profile;
  });

  it('is about 1 on the machine that made the profile, and above 1 on a slower one', async () => {
    const same = await profileDrift(fakeRuntime({ overheadUs: 40 }), profile, 'p.json');
    assert.equal(same.references, 3);
    assert.ok(same.flagged >= 0 && same.flagged <= same.references);
    assert.ok(same.ratio !== null && Math.abs(same.ratio - 1) < 0.2, `ratio ${same.ratio}`);
    // A fixed 2 ms more per run: every reference subnet is several times slower.
    const slow = await profileDrift(fakeRuntime({ overheadUs: 2000 }), profile, 'p.json');
    assert.ok(slow.ratio !== null && slow.ratio > 2, `ratio ${slow.ratio}`);
  });

  it('re-times the quantized subnets apart, whose drift can differ from the fp32 ones\'', async () => {
    assert.ok(profile.subnets.some((e) => e.config.wBits !== undefined), 'the fixture profile holds quantized subnets');
    const same = await profileDrift(fakeRuntime({ overheadUs: 40 }), profile, 'p.json');
    assert.equal(same.quantized?.references, 3);
    assert.ok(same.quantized?.ratio != null && Math.abs(same.quantized.ratio - 1) < 0.2, `quantized ratio ${same.quantized?.ratio}`);
    const phase = await profileDrift(fakeRuntime({ overheadUs: 40, quantizedSlowdown: 1.8 }), profile, 'p.json');
    assert.ok(phase.ratio !== null && Math.abs(phase.ratio - 1) < 0.2, `fp32 ratio ${phase.ratio}`);
    assert.ok(phase.quantized?.ratio != null && Math.abs(phase.quantized.ratio - 1.8) < 0.3, `quantized ratio ${phase.quantized?.ratio}`);
    const float = await profileDrift(fakeRuntime({ overheadUs: 40, bits: false }), profile, 'p.json');
    assert.equal(float.quantized, undefined, 'a runtime without bits re-times fp32 subnets only');
  });

  it('re-times with the container the profile was measured with', async () => {
    const int8 = { weightType: 'int8' as const, int8OverUint8: 0.6, int8Exact: true, maxRelativeDifference: 0, subnets: 4 };
    const measured = containerRuntime();
    await profileDrift(measured, { ...profile, int8, measuredWeightType: 'int8' }, 'p.json', 2);
    assert.deepEqual(measured.loaded, ['int8', 'int8', 'int8', 'int8'], 'two fp32 and two quantized references');
    const older = containerRuntime({ weightType: 'int8' });
    await profileDrift(older, { ...profile, int8 }, 'p.json', 2);
    assert.deepEqual(older.loaded, ['uint8', 'uint8', 'uint8', 'uint8'], 'a profile that does not record it was measured with uint8');
  });

  it('refuses a runtime other than the profile\'s', async () => {
    await assert.rejects(profileDrift(fakeRuntime({ threads: 2 }), profile, 'p.json'), /p\.json is a profile of ort-cpu:1, not of ort-cpu:2/);
  });
});
