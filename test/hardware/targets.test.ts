import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTargetModel, getTarget, kTargetNames, listTargets, parseTargetSpec } from '../../hardware/targets.js';
import { cfg, lowerStub } from './layerFixtures.js';

const valid = 'macs, params, bitops, bytes, rpi4, phone-big, gpu-small';

describe('target registry', () => {
  it('takes its names from one frozen table, all registered in order', () => {
    assert.ok(Object.isFrozen(kTargetNames));
    assert.equal(kTargetNames.join(', '), valid);
    assert.deepEqual(listTargets().map((t) => t.name), [...kTargetNames]);
  });

  it('throws for unknown names with the list of valid ones', () => {
    assert.throws(() => getTarget('foo'), { name: 'RangeError', message: `unknown target 'foo': valid targets are ${valid}` });
    assert.throws(() => getTarget('ort-cpu'), /unknown target 'ort-cpu': valid targets are/);
  });

  it('labels every target by kind and says when it is not a measurement', () => {
    for (const t of listTargets()) {
      assert.equal(getTarget(t.name), t);
      if (t.kind === 'estimate') {
        assert.equal(t.unit, 'ms');
        assert.match(t.description, /estimate .*not measured/);
      } else {
        assert.equal(t.kind, 'proxy');
        assert.match(t.description, /a proxy, not a time/);
      }
    }
    assert.equal(getTarget('rpi4').kind, 'estimate');
    assert.equal(getTarget('bitops').kind, 'proxy');
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
