import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTargetModel, getTarget, kTargetNames, listTargets, parseTargetSpec, resolveTarget } from '../../latency/targets.js';
import { cfg, lowerStub } from './layerFixtures.js';
import { join } from 'node:path';
import { defaultProfilePath } from '../../latency/measuredTarget.js';
import { layersOf } from '../../space/layers.js';
import { smallestConfig } from '../../space/searchSpace.js';
import type { SubnetConfig } from '../../space/types.js';
import { nanoSpace, syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const valid = 'macs, params, bitops, bytes, rpi4, phone-big, gpu-small, ort-cpu, tfjs-wasm, tfjs-node';

describe('target registry', () => {
  it('takes its names from one frozen table, all registered in order', () => {
    assert.ok(Object.isFrozen(kTargetNames));
    assert.equal(kTargetNames.join(', '), valid);
    assert.deepEqual(listTargets().map((t) => t.name), [...kTargetNames]);
  });

  it('throws for unknown names with the list of valid ones', () => {
    assert.throws(() => getTarget('foo'), { name: 'RangeError', message: `unknown target 'foo': valid targets are ${valid}` });
    assert.throws(() => getTarget('ort-gpu'), /unknown target 'ort-gpu': valid targets are/);
  });

  it('labels every target by kind and says when it is not a measurement', () => {
    for (const t of listTargets()) {
      assert.equal(getTarget(t.name), t);
      if (t.kind === 'estimate') {
        assert.equal(t.unit, 'ms');
        assert.match(t.description, /estimate .*not measured/);
      } else if (t.kind === 'measured') {
        assert.equal(t.unit, 'ms');
        assert.match(t.description, /measured ms from a latency profile/);
      } else {
        assert.equal(t.kind, 'proxy');
        assert.match(t.description, /a proxy, not a time/);
      }
    }
    assert.equal(getTarget('rpi4').kind, 'estimate');
    assert.equal(getTarget('bitops').kind, 'proxy');
    assert.equal(getTarget('ort-cpu').kind, 'measured');
  });
});

describe('parseTargetSpec', () => {
  it('splits NAME:THREADS', () => {
    assert.deepEqual(parseTargetSpec('ort-cpu:2'), { name: 'ort-cpu', threads: 2 });
    assert.deepEqual(parseTargetSpec('macs'), { name: 'macs' });
    assert.deepEqual(parseTargetSpec(' rpi4:12 '), { name: 'rpi4', threads: 12 });
  });

  it('explains malformed specs', () => {
    assert.throws(() => parseTargetSpec(''), /invalid target spec '': expected NAME or NAME:THREADS/);
    assert.throws(() => parseTargetSpec('Ort-CPU'), /invalid target spec 'Ort-CPU'/);
    assert.throws(() => parseTargetSpec('rpi4:1:2'), /expected NAME or NAME:THREADS/);
    assert.throws(() => parseTargetSpec('rpi4:0'), /THREADS must be a positive integer \(got '0'\)/);
    assert.throws(() => parseTargetSpec('rpi4:two'), /THREADS must be a positive integer \(got 'two'\)/);
    assert.throws(() => parseTargetSpec('rpi4:'), /THREADS must be a positive integer \(got ''\)/);
  });
});

describe('resolveTarget', () => {
  it('resolves a spec once into plain data with a canonical spec', () => {
    assert.deepEqual({ ...resolveTarget('ort-cpu') }, {
      spec: 'ort-cpu:1', given: 'ort-cpu', name: 'ort-cpu', threads: 1, kind: 'measured', unit: 'ms', description: getTarget('ort-cpu').description,
    });
    assert.equal(resolveTarget('ort-cpu:2').spec, 'ort-cpu:2');
    const rpi = resolveTarget(' rpi4:2 ');
    assert.deepEqual([rpi.spec, rpi.given, rpi.kind, rpi.threads], ['rpi4:2', ' rpi4:2 ', 'estimate', 2]);
    const macs = resolveTarget('macs');
    assert.deepEqual([macs.spec, macs.kind, macs.unit, 'threads' in macs], ['macs', 'proxy', getTarget('macs').unit, false]);
    assert.deepEqual(structuredClone(resolveTarget('tfjs-wasm')), { ...resolveTarget('tfjs-wasm') });
  });

  it('throws on a bad spec or an unknown name, listing the valid targets', () => {
    assert.throws(() => resolveTarget('rpi4:0'), /THREADS must be a positive integer \(got '0'\)/);
    assert.throws(() => resolveTarget('tpu:2'), { name: 'RangeError', message: `unknown target 'tpu': valid targets are ${kTargetNames.join(', ')}` });
  });

  it('creates the same model as its spec string', async () => {
    const model = await createTargetModel(resolveTarget('rpi4:2'), lowerStub);
    assert.equal(model.target, 'rpi4:2');
    assert.equal(model.predict([cfg(2)])[0], (await createTargetModel('rpi4:2', lowerStub)).predict([cfg(2)])[0]);
  });
});

describe('createTargetModel', () => {
  it('creates estimate and proxy models from specs', async () => {
    const rpi = await createTargetModel('rpi4:2', lowerStub);
    assert.equal(rpi.kind, 'estimate');
    assert.equal(rpi.unit, 'ms');
    assert.equal(rpi.target, 'rpi4:2');
    const all = await createTargetModel('rpi4', lowerStub);
    assert.equal(all.target, 'rpi4:4');
    const [two, four] = [rpi.predict([cfg(2)])[0], all.predict([cfg(2)])[0]];
    assert.ok(two > four);
    const macs = await createTargetModel('macs', lowerStub);
    assert.equal(macs.kind, 'proxy');
    assert.equal(macs.unit, 'MMAC');
    const gpu = await createTargetModel('gpu-small', lowerStub);
    assert.equal(gpu.target, 'gpu-small');
  });

  it('rejects thread counts a target cannot take, and unknown targets', async () => {
    await assert.rejects(createTargetModel('macs:2', lowerStub), /target 'macs' is a proxy and takes no thread count \(got 2\)/);
    await assert.rejects(createTargetModel('rpi4:8', lowerStub), /options\.threads must be an integer in \[1, 4\] for device rpi4 \(got 8\)/);
    await assert.rejects(createTargetModel('gpu-small:2', lowerStub), /options\.threads must be an integer equal to 1 \(it does not scale with threads\) for device gpu-small \(got 2\)/);
    await assert.rejects(createTargetModel('foo:2', lowerStub), /unknown target 'foo'/);
    await assert.rejects(createTargetModel('a:b', lowerStub), /invalid target spec/);
  });
});

describe('measured targets', () => {
  const dir = tempDir('hwnas-measured-targets-');
  const space = nanoSpace();
  const lower = (c: SubnetConfig) => layersOf(space, c);

  it('load the profile given, for the spec\'s thread count (1 when the spec gives none)', async () => {
    const one = writeProfile(join(dir, 'one.json'), syntheticProfile(space));
    const two = writeProfile(join(dir, 'two.json'), syntheticProfile(space, { threads: 2 }));
    const m1 = await createTargetModel('ort-cpu', lower, { profile: one });
    assert.equal(m1.kind, 'measured');
    assert.equal(m1.unit, 'ms');
    assert.equal(m1.target, 'ort-cpu:1');
    const m2 = await createTargetModel('ort-cpu:2', lower, { profile: two });
    assert.equal(m2.target, 'ort-cpu:2');
    assert.ok(m1.predict([smallestConfig(space)])[0] > 0);
    const wasm = writeProfile(join(dir, 'wasm.json'), syntheticProfile(space, { target: 'tfjs-wasm', bits: false }));
    assert.equal((await createTargetModel('tfjs-wasm:1', lower, { profile: wasm })).target, 'tfjs-wasm:1');
  });

  it('reject a missing profile saying how to make one, and use the shipped one by default', async () => {
    await assert.rejects(createTargetModel('ort-cpu:1', lower, { profile: join(dir, 'missing.json') }),
      /target ort-cpu:1: latency profile .*missing\.json does not exist: measure one on this device with 'hwnas profile --target TARGET:THREADS --out /);
    assert.match(defaultProfilePath('ort-cpu', 3), /models[\\/]profiles[\\/]ort-cpu-3\.json$/);
    await assert.rejects(createTargetModel('tfjs-node:7', lower),
      /target tfjs-node:7: latency profile .*tfjs-node-7\.json does not exist.*\(the default for tfjs-node:7; measure one with 'hwnas profile --target tfjs-node:7 --out FILE' and pass it with --profile tfjs-node:7=FILE\)$/);
  });

  it('reject a profile of another target or thread count', async () => {
    const one = writeProfile(join(dir, 'other.json'), syntheticProfile(space));
    await assert.rejects(createTargetModel('ort-cpu:2', lower, { profile: one }),
      /target ort-cpu:2: profile .*other\.json was measured for ort-cpu:1: use a profile of ort-cpu:2, or make one with 'hwnas profile --target ort-cpu:2 --out /);
    await assert.rejects(createTargetModel('tfjs-wasm', lower, { profile: one }), /target tfjs-wasm:1: profile .* was measured for ort-cpu:1/);
  });

  it('ignore a profile option on other kinds of target', async () => {
    const macs = await createTargetModel('macs', lowerStub, { profile: join(dir, 'missing.json') });
    assert.equal(macs.kind, 'proxy');
  });
});
