import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkProfileMachine, checkProfileMachines, describeMachineChecks } from '../../profiling/profileMachine.js';
import { machineInfo } from '../../profiling/machine.js';
import { ortVersion } from '../../profiling/ort.js';
import { microSpace } from '../fixtures/data.js';
import { syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';
import { kVitTargets, writeVitProfile } from '../fixtures/vitProfiles.js';
import { tinyVitSpace } from '../fixtures/vit.js';

const space = microSpace();
const here = machineInfo({ runtime: { name: 'onnxruntime-node', version: ortVersion() } });

describe('profile machine checks', () => {
  it('is silent for a profile of this machine and names what differs for another', () => {
    const mine = { ...syntheticProfile(space), machine: here };
    assert.deepEqual(checkProfileMachine('ort-cpu:1', 'mine.json', mine, here).differences, []);
    assert.deepEqual(describeMachineChecks([checkProfileMachine('ort-cpu:1', 'mine.json', mine, here)]), []);
    const other = { ...mine, machine: { ...here, cpuFlags: ['avx2', 'fma'], cores: here.cores + 2 } };
    const check = checkProfileMachine('ort-cpu:1', 'other.json', other, here);
    assert.ok(check.differences.some((d) => /^cpu flags /.test(d)) || here.cpuFlags?.join() === 'avx2,fma');
    assert.ok(check.differences.includes(`${here.cores + 2} vs ${here.cores} cores`));
    const [line] = describeMachineChecks([check]);
    assert.match(line, /^ort-cpu:1: latency profile other\.json was measured on another machine \(.*cores\), so its predicted latencies do not hold here/);
    assert.match(line, /'hwnas profile --adapt other\.json --samples 50 --out my-ort-cpu-1\.json' and pass --profile ort-cpu:1=my-ort-cpu-1\.json/);
    assert.match(line, /'hwnas profile --target ort-cpu:1 --out my-ort-cpu-1\.json'/);
  });

  it('loads the profiles by file and leaves unreadable ones to the job', async () => {
    const dir = tempDir('hwnas-machine-');
    const { cpuFlags: _, ...unknownFlags } = here;
    const path = writeProfile(join(dir, 'p.json'), { ...syntheticProfile(space), machine: unknownFlags });
    const checks = await checkProfileMachines({ 'ort-cpu:1': path, 'ort-cpu:2': join(dir, 'missing.json') });
    assert.equal(checks.length, 1);
    assert.equal(checks[0].path, path);
    assert.equal(checks[0].adapted, false);
    if (here.cpuFlags !== undefined) assert.match(checks[0].differences.join(), /cpu flags unknown vs/);
  });

  it('checks transformer profiles too, and says to measure one here (they have no adaptation)', async () => {
    const dir = tempDir('hwnas-machine-vit-');
    const vit = tinyVitSpace();
    const path = writeVitProfile(join(dir, 'vit.json'), vit, kVitTargets['ort-cpu:2']);
    const [check] = await checkProfileMachines({ 'ort-cpu:2': path });
    assert.equal(check.transformerSpace, vit.name);
    assert.ok(check.differences.length > 0, 'the fixture was measured on "Profile CPU"');
    const [line] = describeMachineChecks([check]);
    assert.match(line, new RegExp(`^ort-cpu:2: transformer latency profile .*vit\\.json was measured on another machine \\(`));
    assert.match(line, new RegExp(`'hwnas profile --space ${vit.name} --target ort-cpu:2 --out my-ort-cpu-2\\.json' and pass --profile ort-cpu:2=my-ort-cpu-2\\.json`));
    assert.doesNotMatch(line, /--adapt/);
  });
});
