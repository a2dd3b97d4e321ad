import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { journalPath, profileDevice, refitProfile, type ProfileOptions } from '../../profiling/profileDevice.js';
import { partVariants } from '../../profiling/variants.js';
import { shareWithin } from '../../util/stats.js';
import { layersOf } from '../../space/layers.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-profile-device-'));
const space = nanoSpace();
const tableSize = partVariants(space, { bits: true }).length;
// Robust to a busy test machine: the fake runtime's times are fixed, only preemption adds noise.
const options: ProfileOptions = { subnets: 36, harness: { runs: 30, maxIqrRatio: Infinity, maxCv: Infinity } };

describe('profileDevice', () => {
  it('writes a valid profile whose model reproduces its training measurements', async () => {
    const out = join(dir, 'fit.json');
    const runtime = fakeRuntime({ overheadUs: 60 });
    const run = await profileDevice(runtime, space, out, options);
    assert.equal(runtime.loads, 2 * tableSize + 36, 'a part and its baseline per table entry, one load per subnet');
    assert.equal(run.measured, tableSize + 36);
    assert.equal(run.reused, 0);
    assert.ok(!existsSync(journalPath(out)), 'the journal is gone once the profile is written');
    const profile = loadLatencyProfile(out);
    assert.deepEqual(profile, run.profile);
    assert.equal(Object.keys(profile.table).length, tableSize);
    assert.equal(profile.target, 'ort-cpu');
    assert.equal(profile.machine.runtime.name, 'fake-runtime');
    assert.deepEqual(profile.measurement, { warmupRuns: 10, runs: 30, maxCv: null, maxIqrRatio: null });
    assert.equal(profile.subnets.length, 36);
    assert.equal(profile.subnets.filter((s) => s.config.wBits === undefined).length, 12, 'fp32, int8 and mixed groups of 12');
    // The fake runtime is additive: the sum of a subnet's parts plus the per-run overhead is its time.
    const model = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg));
    const predicted = model.predict(profile.subnets.map((s) => s.config));
    const actual = profile.subnets.map((s) => s.ms);
    assert.ok(shareWithin(predicted, actual, 10) >= 0.9, `${predicted} vs ${actual}`);
    const { float, quantized } = profile.model;
    assert.equal(float.crossValidated.samples, 12);
    assert.equal(quantized?.crossValidated.samples, 24);
    for (const m of [float, quantized!]) assert.ok(m.crossValidated.shareWithin10 >= 0.9, `held-out folds: ${JSON.stringify(m.crossValidated)}`);
  });

  it('re-fits the model of a stored profile, also one of the previous format, without measuring', () => {
    const stored = JSON.parse(readFileSync(join(dir, 'fit.json'), 'utf8')) as Record<string, unknown>;
    const { model, ...rest } = stored;
    const v1 = { ...rest, version: 1, correction: { float: { intercept: 0, scale: 1, perBlock: 0, perKiloElement: 0 } }, fit: { samples: 0, shareWithin10: 0, mape: 0 } };
    for (const data of [stored, v1]) {
      const refit = refitProfile(data, 'p.json');
      assert.deepEqual(refit.model, model);
      assert.deepEqual(refit.table, stored.table);
    }
    assert.throws(() => refitProfile({ format: 'other' }, 'p.json'), /p\.json is not a latency profile/);
    assert.throws(() => refitProfile({ ...v1, subnets: [] }, 'p.json'), /cannot fit the float latency model on 0 measured subnets \(at least 10 needed\): measure more subnets/);
  });

  it('profiles a runtime without bits on float subnets only', async () => {
    const run = await profileDevice(fakeRuntime({ bits: false, target: 'tfjs-wasm' }), space, join(dir, 'float.json'), { ...options, subnets: 12 });
    const { profile } = run;
    assert.equal(profile.bits, false);
    assert.equal(Object.keys(profile.table).length, partVariants(space, { bits: false }).length);
    assert.ok(Object.keys(profile.table).every((k) => !k.includes('wq') && !k.includes('aq')));
    assert.deepEqual(Object.keys(profile.model), ['features', 'float']);
    assert.ok(profile.subnets.every((s) => s.config.wBits === undefined));
  });

  it('resumes from its journal, measuring only what is missing', async () => {
    const out = join(dir, 'resume.json');
    const killed = fakeRuntime({ failAtLoad: 41 });
    await assert.rejects(profileDevice(killed, space, out, options), /fake runtime stops at load 41/);
    const lines = readFileSync(journalPath(out), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1 + 20, 'header and the 20 parts measured before the kill');
    await assert.rejects(profileDevice(fakeRuntime(), space, out, options),
      /resume\.json\.partial holds an unfinished profile: pass --resume to continue it, or delete it to start over/);
    // A kill mid-write leaves a torn line, which resuming drops.
    appendFileSync(journalPath(out), '{"type":"part","key":"block');
    const runtime = fakeRuntime();
    const run = await profileDevice(runtime, space, out, { ...options, resume: true });
    assert.equal(run.reused, 20);
    assert.equal(run.measured, tableSize + 36 - 20);
    assert.equal(runtime.loads, 2 * (tableSize - 20) + 36);
    assert.equal(Object.keys(loadLatencyProfile(out).table).length, tableSize);
  });

  it('refuses to resume a journal measured differently, and to replace a profile without force', async () => {
    const out = join(dir, 'mismatch.json');
    await assert.rejects(profileDevice(fakeRuntime({ failAtLoad: 3 }), space, out, options), /stops at load 3/);
    await assert.rejects(profileDevice(fakeRuntime({ threads: 2 }), space, out, { ...options, resume: true }),
      /cannot resume .*mismatch\.json\.partial: it was measured with a different target ort-cpu:1 vs ort-cpu:2; use the same settings, or delete it/);
    await assert.rejects(profileDevice(fakeRuntime(), space, out, { ...options, resume: true, seed: 5 }), /different seed 1 vs 5/);
    await assert.rejects(profileDevice(fakeRuntime(), space, out, { ...options, resume: true, harness: { runs: 40 } }), /different harness settings/);
    const existing = join(dir, 'existing.json');
    writeFileSync(existing, '{}');
    await assert.rejects(profileDevice(fakeRuntime(), space, existing, options), /existing\.json already exists: choose another --out, or pass --force/);
  });

  it('stops on table entries too noisy to use, keeping them for a resume to re-measure', async () => {
    const out = join(dir, 'noisy.json');
    // A spread limit nothing meets: every measurement is flagged.
    const strict = { ...options, subnets: 28, harness: { runs: 30, maxIqrRatio: 1e-9, maxCv: 1e-9 } };
    const runtime = fakeRuntime();
    await assert.rejects(profileDevice(runtime, space, out, strict),
      new RegExp(`${tableSize} of ${tableSize} table entries were too noisy to use \\(e\\.g\\. .*spread too wide in all 3 attempt\\(s\\).*run again with --resume on an idle machine`));
    assert.ok(!existsSync(out));
    const flagged = readFileSync(journalPath(out), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { flagged: boolean });
    assert.equal(flagged.length, tableSize + 28);
    assert.ok(flagged.every((e) => e.flagged));
    const again = fakeRuntime();
    await assert.rejects(profileDevice(again, space, out, { ...strict, resume: true }), /too noisy/);
    assert.equal(again.loads, 2 * tableSize + 28, 'a resume measures flagged entries again');
  });

  it('refuses too few subnets for the fits before measuring anything', async () => {
    const runtime = fakeRuntime();
    const out = join(dir, 'few.json');
    await assert.rejects(profileDevice(runtime, space, out, { ...options, subnets: 6 }),
      /--subnets 6 is too few: a profile fits a float and a quantized latency model on at least 10 measured subnets each: give --subnets 28 or more/);
    await assert.rejects(profileDevice(fakeRuntime({ bits: false, target: 'tfjs-wasm' }), space, out, { ...options, subnets: 9 }), /give --subnets 10 or more/);
    assert.equal(runtime.loads, 0);
    assert.ok(!existsSync(journalPath(out)));
  });
});
