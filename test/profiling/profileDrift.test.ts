import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { LatencyProfile } from '../../latency/latencyProfile.js';
import { profileDevice } from '../../profiling/profileDevice.js';
import { profileDrift, profileHarness } from '../../profiling/profileDrift.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';

const space = nanoSpace();
const harness = { runs: 30, maxIqrRatio: Infinity, maxCv: Infinity };

describe('profileDrift', () => {
  let profile: LatencyProfile;
  before(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hwnas-drift-')), 'p.json');
    profile = (await profileDevice(fakeRuntime({ overheadUs: 40 }), space, out, { subnets: 30, harness })).profile;
  });

  it('is about 1 on the machine that made the profile, and above 1 on a slower one', async () => {
    const same = await profileDrift(fakeRuntime({ overheadUs: 40 }), profile, 'p.json');
    assert.equal(same.references, 3);
    assert.equal(same.flagged, 0);
    assert.ok(same.ratio !== null && Math.abs(same.ratio - 1) < 0.2, `ratio ${same.ratio}`);
    // A fixed 2 ms more per run: every reference subnet is several times slower.
    const slow = await profileDrift(fakeRuntime({ overheadUs: 2000 }), profile, 'p.json');
    assert.ok(slow.ratio !== null && slow.ratio > 2, `ratio ${slow.ratio}`);
    assert.equal(profile.measurement.maxCv, null);
    assert.equal(profileHarness(profile).maxCv, Infinity);
  });

  it('refuses a runtime other than the profile\'s', async () => {
    await assert.rejects(profileDrift(fakeRuntime({ threads: 2 }), profile, 'p.json'), /p\.json is a profile of ort-cpu:1, not of ort-cpu:2/);
  });
});
