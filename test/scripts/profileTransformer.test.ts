import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { hwnas } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-profile-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const spaceFile = join(dir, 'tiny-vit.json');
writeFileSync(spaceFile, JSON.stringify(tinyVitSpace()));
const loose = ['--rounds', '5', '--max-rounds', '5', '--warmup', '1', '--min-sample-ms', '0'];
const run = (...args: string[]) => hwnas(['profile', ...args]);

describe('hwnas profile --space <transformer space>', () => {
  it('measures a transformer profile, then evaluates its table and MLP kinds on held-out SubTransformers', () => {
    const out = join(dir, 'vit-1.json');
    const made = run('--target', 'ort-cpu:1', '--space', spaceFile, '--out', out, '--subnets', '22', ...loose);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /transformer space tiny-vit: table of 12 parts \+ 22 whole SubTransformers/);
    assert.match(made.stdout, /table .*22 .*12 parts \+ 10 subnets/);
    assert.match(made.stdout, /mlp .*22 .*22 subnets .*hold-out RMSE/);
    assert.equal(loadTransformerProfile(out).subnets.length, 22);
    const json = join(dir, 'eval.json');
    const evaluated = run('--evaluate', out, '--subnets', '3', '--json', json, ...loose);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /3 fresh held-out SubTransformers/);
    assert.match(evaluated.stdout, /table +22 +3 .*%/);
    assert.match(evaluated.stdout, /mlp +22 +3 .*%/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { kinds: Array<{ kind: string; measurements: number }>; measured: unknown[] };
    assert.deepEqual(report.kinds.map((k) => k.kind), ['table', 'mlp']);
    assert.equal(report.measured.length, 3);
    const sized = run('--evaluate', out, '--subnets', '3', '--sizes', '30', ...loose);
    assert.equal(sized.status, 1);
    assert.match(sized.stderr, /--sizes 30: give sizes from 22 .* to the profile's 22 measured SubTransformers/);
  });

  it('refuses too few subnets, naming the fix', () => {
    const few = run('--target', 'ort-cpu:1', '--space', 'fashion-vit', '--out', join(dir, 'x.json'), '--subnets', '20');
    assert.equal(few.status, 1);
    assert.match(few.stderr, /--subnets 20 is too few for space 'fashion-vit': its table has 21 parts .* give --subnets 31 or more/);
  });
});
