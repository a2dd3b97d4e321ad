import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseProfileArgs } from '../../pipeline/profileArgs.js';
import { resolveTarget } from '../../latency/targets.js';
import { tempDir } from '../fixtures/tempDir.js';

describe('parseProfileArgs', () => {
  const dir = tempDir('hwnas-profile-args-');
  const file = join(dir, 'p.json');
  writeFileSync(file, '{}');

  it('gives one profile to a target searched at several budgets', () => {
    const targets = [resolveTarget('ort-cpu:1'), resolveTarget('ort-cpu:1'), resolveTarget('ort-cpu:2')];
    assert.deepEqual(parseProfileArgs([`ort-cpu:1=${file}`], targets), { 'ort-cpu:1': resolve(file) });
  });

  it('refuses a second profile for one target, a target not searched and a missing file', () => {
    const targets = [resolveTarget('ort-cpu:1')];
    assert.throws(() => parseProfileArgs([`ort-cpu:1=${file}`, `ort-cpu:1=${file}`], targets), /--profile is given twice for ort-cpu:1/);
    assert.throws(() => parseProfileArgs([`ort-cpu:2=${file}`], targets), /ort-cpu:2 is not one of the --target values \(ort-cpu:1\)/);
    assert.throws(() => parseProfileArgs([`ort-cpu:1=${join(dir, 'none.json')}`], targets), /does not exist: measure one with 'hwnas profile --target ort-cpu:1/);
  });
});
