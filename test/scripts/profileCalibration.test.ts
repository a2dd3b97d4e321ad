import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { resolveTarget } from '../../latency/targets.js';
import { profileDevice } from '../../profiling/profileDevice.js';
import { createBenchRuntime } from '../../profiling/benchRuntime.js';
import { calibrateProfiles } from '../../scripts/profileCalibration.js';
import { nanoSpace, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

describe('calibrateProfiles', () => {
  it('leaves a profile of this machine at its speed alone, and scales one the machine runs far off', async () => {
    const dir = tempDir('hwnas-calibrate-');
    const sampler = { warmupRuns: 1, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };
    const path = join(dir, 'here.json');
    const { profile } = await profileDevice(await createBenchRuntime('ort-cpu', 1), nanoSpace(), path, { subnets: 30, sampler, budgetSeconds: 20 });
    const targets = [resolveTarget('ort-cpu:1'), resolveTarget('macs')];
    // Its subnets 3x slower than measured: the machine now runs them at about 1/3 of that.
    const slow = writeProfile(join(dir, 'slow.json'), { ...profile, subnets: profile.subnets.map((s) => ({ ...s, ms: 3 * s.ms })) });
    const out = join(dir, 'profiles');
    const calibrated = await calibrateProfiles(targets, { 'ort-cpu:1': slow }, out);
    const now = join(out, 'ort-cpu-1.now.json');
    assert.deepEqual(calibrated, { 'ort-cpu:1': now });
    const scaled = loadLatencyProfile(now);
    const ratio = scaled.model.float.weights[0] / profile.model.float.weights[0];
    assert.ok(ratio > 0.2 && ratio < 0.5, `float weights scaled by ${ratio}`);
    const same = await calibrateProfiles(targets, { 'ort-cpu:1': path }, join(dir, 'none'));
    if (same['ort-cpu:1'] === path) assert.ok(!existsSync(join(dir, 'none')), 'nothing written for a profile at its speed');
  });
});
