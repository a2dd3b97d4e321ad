import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { nchwcBlockOf } from '../../latency/runtimeFeatures.js';
import { refitProfile, spreadWeight } from '../../profiling/fittedProfile.js';
import { BudgetClock, journalPath, profileDevice, type ProfileOptions } from '../../profiling/profileDevice.js';
import { partVariants } from '../../profiling/variants.js';
import { shareWithin } from '../../util/stats.js';
import { layersOf } from '../../space/layers.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { containerRuntime } from '../fixtures/containerBenchRuntime.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const dir = tempDir('hwnas-profile-device-');
const space = nanoSpace();
const tableSize = partVariants(space, { bits: true }).length;
// Robust to a busy test machine: the fake runtime's times are fixed, only preemption adds noise.
const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };
const options: ProfileOptions = { subnets: 36, sampler };

describe('profileDevice', () => {
  it('writes a valid profile whose model reproduces its training measurements', async () => {
    const out = join(dir, 'fit.json');
    const runtime = fakeRuntime({ overheadUs: 60 });
    const run = await profileDevice(runtime, space, out, options);
    assert.ok(runtime.loads > tableSize + 36 && runtime.loads < 2 * tableSize + 36, `${runtime.loads} loads: a part per table entry, baselines shared, one per subnet`);
    assert.equal(run.measured, tableSize + 36);
    assert.equal(run.reused, 0);
    assert.ok(!existsSync(journalPath(out)), 'the journal is gone once the profile is written');
    const profile = loadLatencyProfile(out);
    assert.deepEqual(profile, run.profile);
    assert.equal(Object.keys(profile.table).length, tableSize);
    assert.equal(profile.target, 'ort-cpu');
    assert.equal(profile.machine.runtime.name, 'fake-runtime');
    assert.deepEqual(profile.measurement, { sampler, budgetSeconds: 200 });
    assert.equal(profile.version, 5);
    assert.deepEqual(profile.model.layout, { nchwcBlock: nchwcBlockOf(profile.machine, profile.target) }, 'the model records the NCHWc block of the CPU it was measured on');
    assert.ok(Array.isArray(profile.machine.cpuFlags), 'the fingerprint lists the cpu flags');
    assert.equal(Object.keys(profile.tableSpread ?? {}).length, tableSize);
    assert.ok(profile.subnets.every((s) => s.spread !== undefined && s.spread >= 0));
    assert.ok(profile.reference !== undefined && profile.reference.ms > 0, 'the reference subnet and its median time');
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
    assert.deepEqual(Object.keys(profile.model), ['features', 'layout', 'float']);
    assert.deepEqual(profile.model.layout, { nchwcBlock: 1 }, 'no NCHWc outside onnxruntime');
    assert.ok(profile.subnets.every((s) => s.config.wBits === undefined));
  });

  it('resumes from its journal, measuring only what is missing', async () => {
    const out = join(dir, 'resume.json');
    const killed = fakeRuntime({ failAtLoad: 41 });
    await assert.rejects(profileDevice(killed, space, out, options), /fake runtime stops at load 41/);
    const lines = readFileSync(journalPath(out), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(lines.slice(0, 2).map((l) => l.type), ['header', 'container'], 'the container choice is journaled before any measurement');
    const before = lines.length - 2;
    assert.ok(before >= 20 && before < 40, `header, container and the ${before} parts measured before the kill (40 loads, baselines shared)`);
    await assert.rejects(profileDevice(fakeRuntime(), space, out, options),
      /resume\.json\.partial holds an unfinished profile: pass --resume to continue it, or delete it to start over/);
    // A kill mid-write leaves a torn line, which resuming drops.
    appendFileSync(journalPath(out), '{"type":"part","key":"block');
    const runtime = fakeRuntime();
    const run = await profileDevice(runtime, space, out, { ...options, resume: true });
    assert.equal(run.reused, before);
    assert.equal(run.measured, tableSize + 36 - before);
    assert.ok(runtime.loads > tableSize - before + 36 && runtime.loads < 2 * (tableSize - before) + 36);
    assert.equal(Object.keys(loadLatencyProfile(out).table).length, tableSize);
  });

  it('refuses to resume a journal measured differently, and to replace a profile without force', async () => {
    const out = join(dir, 'mismatch.json');
    await assert.rejects(profileDevice(fakeRuntime({ failAtLoad: 3 }), space, out, options), /stops at load 3/);
    await assert.rejects(profileDevice(fakeRuntime({ threads: 2 }), space, out, { ...options, resume: true }),
      /cannot resume .*mismatch\.json\.partial: it was measured with a different target ort-cpu:1 vs ort-cpu:2; use the same settings, or delete it/);
    await assert.rejects(profileDevice(fakeRuntime(), space, out, { ...options, resume: true, seed: 5 }), /different seed 1 vs 5/);
    await assert.rejects(profileDevice(fakeRuntime(), space, out, { ...options, resume: true, sampler: { ...sampler, maxRounds: 20 } }), /different sampler settings/);
    const existing = join(dir, 'existing.json');
    writeFileSync(existing, '{}');
    await assert.rejects(profileDevice(fakeRuntime(), space, existing, options), /existing\.json already exists: choose another --out, or pass --force/);
  });

  it('keeps measurements that stay noisy, with their spread, and weighs noisy subnets less', async () => {
    const out = join(dir, 'noisy.json');
    // A target spread nothing meets: every measurement runs to maxRounds and stays noisy.
    const strict = { ...options, subnets: 28, sampler: { ...sampler, targetSpread: 1e-12 } };
    const runtime = fakeRuntime();
    const run = await profileDevice(runtime, space, out, strict);
    assert.equal(run.noisyParts, tableSize);
    assert.equal(run.noisySubnets, 28);
    assert.ok(runtime.loads < 2 * tableSize + 28, 'each measured once: no retry loop, no resume needed');
    const profile = loadLatencyProfile(out);
    assert.equal(Object.keys(profile.table).length, tableSize);
    assert.equal(profile.subnets.length, 28);
    assert.ok(!existsSync(journalPath(out)));
    assert.equal(spreadWeight(0), 1);
    assert.equal(spreadWeight(undefined), 1);
    assert.ok(Math.abs(spreadWeight(0.03) - 0.5) < 1e-12);
    assert.ok(spreadWeight(0.3) < 0.02);
  });

  it('shares what is left of the budget evenly, minus what building and loading graphs costs', () => {
    const clock = new BudgetClock(10_000, 10);
    assert.equal(clock.deadline(0), 1000, 'ten measurements in 10 s: 1 s each');
    clock.finished(900, 700);
    // 200 ms of overhead per measurement: of the 9 s for the 9 left, 800 ms each for sampling.
    assert.equal(clock.deadline(1000), 1000 + 1000 - 200);
    const late = new BudgetClock(1000, 5);
    late.finished(100, 0);
    assert.equal(late.deadline(2000), 2000, 'past the budget: no extra rounds');
  });

  it('stops sampling early at its time budget', async () => {
    const slowSampler = { ...sampler, maxRounds: 1000, targetSpread: 1e-12 };
    const t0 = Date.now();
    await profileDevice(fakeRuntime(), space, join(dir, 'budget.json'), { ...options, subnets: 28, sampler: slowSampler, budgetSeconds: 1 });
    const seconds = (Date.now() - t0) / 1000;
    // 1000 rounds of every entry would take far longer; at the budget only minRounds are taken.
    assert.ok(seconds < 20, `took ${seconds} s`);
  });

  it('chooses the container of int8 weights first and measures the table and subnets with it', async () => {
    const runtime = containerRuntime();
    const { profile } = await profileDevice(runtime, space, join(dir, 'int8.json'), options);
    assert.equal(profile.int8?.weightType, 'int8', 'int8 runs 10x faster and exact');
    assert.equal(profile.measuredWeightType, 'int8');
    // The comparison loads each of its 4 subnets in both containers; everything after it is int8.
    const compared = 2 * (profile.int8?.subnets ?? 0);
    assert.deepEqual(runtime.loaded.slice(0, compared), Array.from({ length: compared }, (_, i) => (i % 2 === 0 ? 'uint8' : 'int8')));
    const measured = runtime.loaded.slice(compared);
    assert.ok(measured.length > tableSize + 36, `${measured.length} loads for the table and subnets`);
    assert.deepEqual(new Set(measured), new Set(['int8']), 'no table entry or subnet measured with uint8');
    assert.equal(loadLatencyProfile(join(dir, 'int8.json')).measuredWeightType, 'int8');
  });

  it('resumes with the container its journal recorded, and refuses a journal measured before the choice', async () => {
    const out = join(dir, 'container-resume.json');
    await assert.rejects(profileDevice(containerRuntime({ failAtLoad: 30 }), space, out, options), /stops at load 30/);
    // The journal says uint8: a resumed run measures the rest with uint8, though int8 is faster.
    const lines = readFileSync(journalPath(out), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; choice?: { weightType: string } });
    assert.equal(lines[1].type, 'container');
    assert.equal(lines[1].choice?.weightType, 'int8');
    lines[1].choice = { ...lines[1].choice, weightType: 'uint8' };
    writeFileSync(journalPath(out), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const resumed = containerRuntime();
    const run = await profileDevice(resumed, space, out, { ...options, resume: true });
    assert.ok(run.reused > 0);
    assert.deepEqual(new Set(resumed.loaded), new Set(['uint8']), 'no new comparison, everything with the journal\'s container');
    assert.equal(run.profile.int8?.weightType, 'uint8');
    assert.equal(run.profile.measuredWeightType, 'uint8');

    // A journal of an earlier hwnas: measurements, no container line (they were taken with uint8).
    const legacy = join(dir, 'legacy.json');
    await assert.rejects(profileDevice(containerRuntime({ failAtLoad: 30 }), space, legacy, options), /stops at load 30/);
    const kept = readFileSync(journalPath(legacy), 'utf8').trim().split('\n').filter((l) => !l.includes('"type":"container"'));
    writeFileSync(journalPath(legacy), `${kept.join('\n')}\n`);
    await assert.rejects(profileDevice(containerRuntime(), space, legacy, { ...options, resume: true }),
      /cannot resume .*legacy\.json\.partial: its \d+ measurements were taken with uint8 weights .* this machine runs int8 weights faster .*delete it to start over/);
    // Without a choice of container there is nothing to mix: it resumes.
    const plain = await profileDevice(fakeRuntime(), space, legacy, { ...options, resume: true });
    assert.ok(plain.reused > 0);
    assert.equal(plain.profile.measuredWeightType, undefined);
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
