import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { nanoSpace } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';
import { hwnas } from '../fixtures/cli.js';

const dir = tempDir('hwnas-profile-cli-');
const spaceFile = join(dir, 'nano.json');
writeFileSync(spaceFile, JSON.stringify(nanoSpace()));
// Short measurements: a few interleaved rounds each.
const loose = ['--rounds', '5', '--max-rounds', '10', '--warmup', '3'];

const run = (...args: string[]) => hwnas(['profile', ...args]);

describe('hwnas profile', () => {
  it('says what to give', () => {
    const none = run();
    assert.equal(none.status, 1);
    assert.match(none.stderr, /give --target and --out to measure a profile .*, or --evaluate FILE/);
    const both = run('--evaluate', 'x.json', '--target', 'ort-cpu');
    assert.match(both.stderr, /--evaluate reads the target from the profile: drop --target and --out/);
    const bad = run('--target', 'ort-gpu', '--out', join(dir, 'x.json'));
    assert.match(bad.stderr, /target 'ort-gpu' is not a measured target: profile one of ort-cpu, tfjs-wasm, tfjs-node/);
    const rounds = run('--target', 'ort-cpu', '--out', join(dir, 'x.json'), '--rounds', '2');
    assert.match(rounds.stderr, /--rounds must be an integer >= 5 \(got '2'\)/);
    const spread = run('--target', 'ort-cpu', '--out', join(dir, 'x.json'), '--target-spread', '0');
    assert.match(spread.stderr, /--target-spread must be a positive number \(got '0'\)/);
  });

  it('measures an ort-cpu profile of a space, then evaluates it on held-out subnets', () => {
    const out = join(dir, 'profiles', 'nano-1.json');
    // 10 subnets per precision group, the fewest a fit takes (nano has 16 float subnets: 3 are left for --evaluate).
    const made = run('--target', 'ort-cpu:1', '--space', spaceFile, '--out', out, '--subnets', '30', ...loose);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /profile ort-cpu:1 \(onnxruntime-node [0-9.]+\) on .*space nano/);
    assert.match(made.stdout, /wrote .*nano-1\.json: \d+ table entries, \d+ subnets/);
    const profile = loadLatencyProfile(out);
    assert.equal(profile.threads, 1);
    assert.equal(profile.machine.runtime.name, 'onnxruntime-node');
    assert.match(made.stdout, /^float\s+10\s+[\d.]+%/m);
    assert.match(made.stdout, /^quantized\s+20\s+[\d.]+%/m);
    const again = run('--target', 'ort-cpu:1', '--space', spaceFile, '--out', out, '--subnets', '30', ...loose);
    assert.match(again.stderr, /nano-1\.json already exists: choose another --out, or pass --force to replace it/);

    const json = join(dir, 'eval.json');
    const evaluated = run('--evaluate', out, '--subnets', '3', '--noise-models', '1', '--noise-repeats', '2', '--json', json, ...loose);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /group\s+subnets\s+median ms\s+within 10%\s+MAPE %\s+Spearman\s+MACs: within/);
    assert.match(evaluated.stdout, /^int8\s+3\s/m);
    assert.ok(existsSync(json));
    const report = JSON.parse(readFileSync(json, 'utf8')) as { target: string; groups: { group: string }[] };
    assert.equal(report.target, 'ort-cpu:1');
    assert.deepEqual(report.groups.map((g) => g.group), ['fp32', 'int8', 'mixed']);

    const refitOut = join(dir, 'refit.json');
    const refit = run('--refit', out, '--out', refitOut);
    assert.equal(refit.status, 0, refit.stderr);
    assert.match(refit.stdout, /re-fitted .*nano-1\.json on its 30 measured subnets -> .*refit\.json/);
    assert.deepEqual(loadLatencyProfile(refitOut).model, profile.model, 'the same measurements give the same model');
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    const bad = run('--refit', notJson);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot read latency profile .*not\.json/);
  });
});
