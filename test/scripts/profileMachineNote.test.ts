import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { resolveTarget } from '../../latency/targets.js';
import { adaptForeignProfiles, remeasureForeignTransformerProfiles } from '../../scripts/profileMachineNote.js';
import { loadTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { minTransformerSubnets } from '../../profiling/transformer/profileTransformer.js';
import { kVitTargets, writeVitProfile } from '../fixtures/vitProfiles.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { nanoSpace, syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';
import { median } from '../../util/stats.js';

/** The file a profile of the nano space for ort-cpu:1 is cached in. */
const kCached = `${nanoSpace().name}-ort-cpu-1.json`;

/** A profile of the nano space measured on 'Another CPU', in `dir`; its path. */
function writeForeignProfile(dir: string): string {
  const foreign = syntheticProfile(nanoSpace());
  foreign.machine = { ...foreign.machine, cpuModel: 'Another CPU', cpuFlags: ['avx2', 'fma'] };
  return writeProfile(join(dir, 'shipped.json'), foreign);
}

describe('adaptForeignProfiles', () => {
  it('adapts a profile of another machine to this one once, reuses the adaptation, and leaves chosen profiles alone', async () => {
    const dir = tempDir('hwnas-foreign-');
    const path = writeForeignProfile(dir);
    const cache = join(dir, 'profiles');
    const first = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': path }, new Set(), cache, { samples: 3, trustShare: 0 });
    const adapted = join(cache, kCached);
    assert.deepEqual(first, { 'ort-cpu:1': adapted });
    const profile = loadLatencyProfile(adapted);
    assert.equal(profile.adapted?.from, path);
    assert.equal(profile.subnets.length, 3);
    assert.notEqual(profile.machine.cpuModel, 'Another CPU');
    // Reused while its subnets run as profiled (a wide tolerance: a loaded test machine drifts).
    const again = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': path }, new Set(), cache, { samples: 3, trustShare: 0, driftTolerance: 2 });
    assert.deepEqual(again, first);
    assert.equal(loadLatencyProfile(adapted).machine.createdAt, profile.machine.createdAt, 'reused, not re-measured');
    const kept = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': path }, new Set(['ort-cpu:1']), join(dir, 'other'), { samples: 3, trustShare: 0 });
    assert.deepEqual(kept, { 'ort-cpu:1': path });
    assert.ok(!existsSync(join(dir, 'other')));
  });
});

describe('adaptForeignProfiles on a machine that runs slower than its own profile', () => {
  it('uses a profile of this machine while it runs as profiled, and adapts it when its subnets run several times slower now', async () => {
    const dir = tempDir('hwnas-drift-');
    const cache = join(dir, 'profiles');
    // A profile of this machine: the adaptation of a foreign one, measured here.
    await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': writeForeignProfile(dir) }, new Set(), cache, { samples: 3, trustShare: 0 });
    const here = loadLatencyProfile(join(cache, kCached));
    const asProfiled = writeProfile(join(dir, 'here.json'), here);
    const used = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': asProfiled }, new Set(), join(dir, 'unused'), { samples: 3, trustShare: 0, driftTolerance: 2 });
    assert.deepEqual(used, { 'ort-cpu:1': asProfiled });
    assert.ok(!existsSync(join(dir, 'unused')), 'nothing measured for a profile that holds');
    // A kept adaptation of it that no longer holds is dropped while the profile itself does.
    const stale = join(dir, 'stale', kCached);
    writeProfile(stale, { ...here, adapted: { ...(here.adapted as NonNullable<typeof here.adapted>), from: asProfiled }, subnets: here.subnets.map((s) => ({ ...s, ms: s.ms / 20 })) });
    assert.deepEqual(await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': asProfiled }, new Set(), join(dir, 'stale'), { samples: 3, trustShare: 0, driftTolerance: 2 }), used);
    assert.ok(!existsSync(stale), 'the stale adaptation removed');
    // The same profile had the machine been 20x faster when it was measured: every reference runs 20x slower now.
    const fast = writeProfile(join(dir, 'fast.json'), { ...here, subnets: here.subnets.map((s) => ({ ...s, ms: s.ms / 20 })) });
    const drifted = join(dir, 'drifted');
    const adapted = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': fast }, new Set(), drifted, { samples: 3, trustShare: 0, driftTolerance: 2 });
    assert.deepEqual(adapted, { 'ort-cpu:1': join(drifted, kCached) });
    const made = loadLatencyProfile(join(drifted, kCached));
    assert.equal(made.adapted?.from, fast);
    const fastMs = median(here.subnets.map((h) => h.ms / 20));
    assert.ok(median(made.subnets.map((m) => m.ms)) > 5 * fastMs, 'measured at this machine\'s speed, not the profile\'s');
    // A cached profile that now runs off its profiled latency is made anew too.
    const cached = join(drifted, kCached);
    writeProfile(cached, { ...made, subnets: made.subnets.map((s) => ({ ...s, ms: s.ms / 20 })) });
    assert.deepEqual(await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': fast }, new Set(), drifted, { samples: 3, trustShare: 0, driftTolerance: 2 }), adapted);
    assert.ok(median(loadLatencyProfile(cached).subnets.map((m) => m.ms)) > 5 * fastMs, 'the drifted cache replaced by a new adaptation');
    // Chosen profiles are used as given, drifted or not.
    const kept = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': fast }, new Set(['ort-cpu:1']), join(dir, 'kept'), { samples: 3, trustShare: 0 });
    assert.deepEqual(kept, { 'ort-cpu:1': fast });
  });

  it('re-times and adapts the float subnets only for a job that deploys no quantized model', async () => {
    const dir = tempDir('hwnas-drift-float-');
    const cache = join(dir, 'profiles');
    await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': writeForeignProfile(dir) }, new Set(), cache, { samples: 3, trustShare: 0 });
    const here = loadLatencyProfile(join(cache, kCached));
    // Its quantized subnets profiled 20x too fast: a job of float models does not care.
    const quantizedOff = writeProfile(join(dir, 'q.json'), { ...here, subnets: here.subnets.map((s) => (s.config.wBits === undefined ? s : { ...s, ms: s.ms / 20 })) });
    const used = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': quantizedOff }, new Set(), join(dir, 'float'), { samples: 3, trustShare: 0, driftTolerance: 2, quantized: false });
    assert.deepEqual(used, { 'ort-cpu:1': quantizedOff });
    // All of it profiled 20x too fast: adapted from float subnets alone.
    const fast = writeProfile(join(dir, 'fast.json'), { ...here, subnets: here.subnets.map((s) => ({ ...s, ms: s.ms / 20 })) });
    await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': fast }, new Set(), join(dir, 'float'), { samples: 3, trustShare: 0, driftTolerance: 2, quantized: false });
    const made = loadLatencyProfile(join(dir, 'float', kCached));
    assert.ok(made.subnets.length === 3 && made.subnets.every((m) => m.config.wBits === undefined), JSON.stringify(made.subnets.map((m) => m.config.wBits)));
    assert.deepEqual(Object.keys(made.adapted?.groups ?? {}), ['float']);
  });
});

describe('adaptForeignProfiles when the adaptation does not hold', () => {
  it('measures a full profile of this machine instead, and reuses it', async () => {
    const dir = tempDir('hwnas-foreign-full-');
    const path = writeForeignProfile(dir);
    const cache = join(dir, 'profiles');
    const sampler = { warmupRuns: 1, minSampleMs: 0, minRounds: 5, maxRounds: 5, targetSpread: 0.5 };
    // No adaptation is trusted at a share above 1.
    // A wide drift tolerance: the reused profile must not be re-made because a loaded test machine drifts.
    const options = { samples: 3, trustShare: 1.01, full: { subnets: 30, budgetSeconds: 20, sampler }, driftTolerance: 2 };
    const first = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': path }, new Set(), cache, options);
    const measured = join(cache, kCached);
    assert.deepEqual(first, { 'ort-cpu:1': measured });
    const profile = loadLatencyProfile(measured);
    assert.equal(profile.adapted, undefined, 'a full profile, not an adaptation');
    assert.equal(profile.subnets.length, 30);
    assert.notEqual(profile.machine.cpuModel, 'Another CPU');
    const again = await adaptForeignProfiles([resolveTarget('ort-cpu:1')], { 'ort-cpu:1': path }, new Set(), cache, options);
    assert.deepEqual(again, first);
    assert.equal(loadLatencyProfile(measured).machine.createdAt, profile.machine.createdAt, 'reused, not re-measured');
  });
});

describe('remeasureForeignTransformerProfiles', () => {
  it('measures a transformer profile of another machine anew here once, reuses it, and leaves chosen profiles alone', async () => {
    const dir = tempDir('hwnas-foreign-vit-');
    const space = tinyVitSpace();
    const path = writeVitProfile(join(dir, 'shipped.json'), space, kVitTargets['ort-cpu:1']);
    const cache = join(dir, 'profiles');
    const options = { subnets: minTransformerSubnets(space), budgetSeconds: 5 };
    const first = await remeasureForeignTransformerProfiles({ 'ort-cpu:1': path }, new Set(), cache, options);
    const measured = join(cache, `${space.name}-ort-cpu-1.json`);
    assert.deepEqual(first, { 'ort-cpu:1': measured });
    const profile = loadTransformerProfile(measured);
    assert.notEqual(profile.machine.cpuModel, 'Profile CPU', 'measured on this machine');
    assert.equal(profile.subnets.length, options.subnets);
    const again = await remeasureForeignTransformerProfiles({ 'ort-cpu:1': path }, new Set(), cache, options);
    assert.deepEqual(again, first);
    assert.equal(loadTransformerProfile(measured).machine.createdAt, profile.machine.createdAt, 'reused, not re-measured');
    const kept = await remeasureForeignTransformerProfiles({ 'ort-cpu:1': path }, new Set(['ort-cpu:1']), join(dir, 'other'), options);
    assert.deepEqual(kept, { 'ort-cpu:1': path });
    assert.ok(!existsSync(join(dir, 'other')));
  });
});
