/**
 * `hwnas finetune --checkpoint <SuperTransformer>` through the built CLI: one SubTransformer
 * trained on its own with AdamW, distilling from a frozen copy of the largest (or another
 * SuperTransformer's, --teacher); resumable with the CNN path's refusals; its checkpoint is a
 * SuperTransformer's that eval and export take. Bad input ends with exit 1, a message naming
 * the problem and the fix, and nothing written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { smallestConfig } from '../../space/searchSpace.js';
import { largestTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { kTransformerRecipe } from '../../supernet/transformer/trainingNet.js';
import { microSpace } from '../fixtures/data.js';
import { fashionDataMeta, writeSupernetCheckpoint } from '../fixtures/trainingCheckpoints.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';

type Meta = TrainMeta<TransformerSpace, TransformerConfig>;

const cli = fileURLToPath(new URL('../../scripts/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hwnas-finetune-vit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);
const hwnas = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, HWNAS_DEBUG: '' }, timeout: 120_000 });
const run = (...args: string[]) => hwnas('finetune', ...args);

const space = tinyVitSpace();
const superParams = writeSuperTransformerCheckpoint(at('vit.ckpt'), space, 0);
const otherParams = writeSuperTransformerCheckpoint(at('other-vit.ckpt'), space, 5);
writeSuperTransformerCheckpoint(at('three-classes.ckpt'), { ...space, name: 'tiny-vit-3', input: { ...space.input, classes: 3 } }, 0);
writeSupernetCheckpoint(at('cnn.ckpt'), microSpace(), 0, fashionDataMeta());
writeFileSync(at('cnn-smallest.json'), JSON.stringify(smallestConfig(microSpace())));
writeFileSync(at('vit-smallest.json'), JSON.stringify(smallestTransformer(space)));
writeFileSync(at('vit-wide.json'), JSON.stringify({ ...largestTransformer(space), embedDim: 32 }));
const opts = ['--epochs', '1', '--batch-size', '8', '--eval-images', '0', '--workers', '1', '--backend', 'wasm'];
const base = ['--checkpoint', at('vit.ckpt'), '--config', 'smallest', ...opts];
/** `base` with the value of `flag` replaced. */
const baseWith = (flag: string, value: string): string[] => base.map((a, i) => (base[i - 1] === flag ? value : a));

/** Every file under the folder: name -> size and hash. */
function snapshot(): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, `${statSync(at(name)).size}:${createHash('sha256').update(readFileSync(at(name))).digest('hex')}`]));
}

describe('hwnas finetune --checkpoint <SuperTransformer>', () => {
  it('refuses bad input before any work: exit 1, the problem and the fix, nothing written', () => {
    copyFileSync(at('vit.ckpt'), at('supernet-run.ckpt'));
    const cases: Array<[string, string[], RegExp]> = [
      ['a CNN config for a SuperTransformer', baseWith('--config', at('cnn-smallest.json')), /config .*cnn-smallest\.json is a CNN subnet config, not a SubTransformer of space 'tiny-vit': give a config with "kind": "vit"/],
      ['a SubTransformer config for a CNN supernet', ['--checkpoint', at('cnn.ckpt'), '--config', at('vit-smallest.json'), ...opts], /config .*vit-smallest\.json is a SubTransformer config \(kind 'vit'\), not a subnet of CNN space 'micro': give a config of that space, or largest\/smallest/],
      ['a SubTransformer outside the space', baseWith('--config', at('vit-wide.json')), /invalid SubTransformer config for space 'tiny-vit':\n {2}config\.embedDim = 32 is not one of the space's embedDims \[16, 24\]/],
      ['a CNN teacher for a SubTransformer', [...base, '--teacher', at('cnn.ckpt')], /--teacher .*cnn\.ckpt is a CNN training checkpoint .*, and a SubTransformer learns from a SuperTransformer: give a SuperTransformer checkpoint/],
      ['a SuperTransformer teacher for a CNN subnet', ['--checkpoint', at('cnn.ckpt'), '--config', 'smallest', ...opts, '--teacher', at('vit.ckpt')], /--teacher .*vit\.ckpt is a SuperTransformer training checkpoint: give a CNN training checkpoint/],
      ['a teacher of other classes', [...base, '--teacher', at('three-classes.ckpt')], /teacher .*three-classes\.ckpt takes 28x28x1 images of 3 classes, but .*vit\.ckpt takes 28x28x1 images of 10 classes: give a teacher trained on the same data/],
      ["a --teacher-config outside the teacher's space", [...base, '--teacher', at('other-vit.ckpt'), '--teacher-config', at('vit-wide.json')], /--teacher-config .*vit-wide\.json is not a SubTransformer of .*other-vit\.ckpt's space 'tiny-vit' \(config\.embedDim = 32 .*\): give a config of that space, or largest/],
      ['a zero learning rate', [...base, '--lr', '0'], /--lr must be a positive number \(got '0'\)/],
      ['resuming a CNN checkpoint', [...base, '--resume', '--out', at('cnn.ckpt')], /--out .*cnn\.ckpt is a checkpoint of kind hwnas-supernet, but this --checkpoint fine-tunes into hwnas-supertransformer checkpoints: start the fine-tune with another --out/],
      ["resuming a SuperTransformer's own training run", [...base, '--resume', '--out', at('supernet-run.ckpt')], /--out .*supernet-run\.ckpt trains a whole supernet, not one SubTransformer \(resume it with hwnas train --resume\): start the fine-tune with another --out/],
    ];
    const before = snapshot();
    for (const [name, args, message] of cases) {
      const r = run(...args, ...(args.includes('--out') ? [] : ['--out', at('ft.ckpt')]));
      assert.equal(r.status, 1, `${name}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.doesNotMatch(r.stderr, /\bE[A-Z]{3,}\b|\n\s+at /, `${name}: errno code or stack trace`);
    }
    assert.deepEqual([...snapshot()].sort(), [...before].sort(), 'a refused run wrote, changed or removed a file');
  });

  it("distils from a frozen copy of the SuperTransformer's largest with AdamW at the low default peak; resumes with the CNN path's refusals; eval and export take the result", () => {
    const out = at('ft.ckpt');
    const first = run(...base, '--max-steps', '2', '--out', out);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /distilling from .*vit\.ckpt's d24-L2-h2\.2-r2\.2 \(a frozen copy\)/);
    const ck = loadCheckpoint<Meta>(out);
    assert.equal(ck.meta.kind, 'hwnas-supertransformer');
    assert.equal(ck.meta.step, 2);
    assert.equal(ck.meta.initFrom, at('vit.ckpt'));
    assert.deepEqual(ck.meta.teacher?.config, largestTransformer(space));
    assert.deepEqual(ck.arrays.teacherParams, superParams);
    const [phase] = ck.meta.options.phases;
    assert.deepEqual([phase.name, phase.config, phase.lr, phase.warmupEpochs, phase.teacher], ['finetune', smallestTransformer(space), kTransformerRecipe.finetuneLr, 0, undefined]);
    assert.deepEqual(ck.meta.options.hyper, kTransformerRecipe.hyper, "the SuperTransformer's optimizer and hyper-parameters");

    const kept = snapshot().get('ft.ckpt');
    const refusals: Array<[string[], RegExp]> = [
      [baseWith('--config', 'largest'), /--config d24-L2-h2\.2-r2\.2 differs from the config .*ft\.ckpt trains \(d16-L1-h1-r1\): a resumed fine-tune continues its own network; pass that config, or start a new run with another --out/],
      [[...base, '--teacher', at('other-vit.ckpt')], /--teacher .*other-vit\.ckpt differs from .*ft\.ckpt's teacher .*vit\.ckpt \(config d24-L2-h2\.2-r2\.2\): a resumed run distils from the teacher its checkpoint keeps; drop --teacher/],
      [[...base, '--teacher-config', 'smallest'], /--teacher-config smallest differs from .*ft\.ckpt's teacher/],
      [[...base, '--no-distill'], /--no-distill differs from .*ft\.ckpt's teacher/],
      [baseWith('--batch-size', '16'), /--batch-size 16 differs from .*ft\.ckpt's 8: a resumed run keeps its checkpoint's settings/],
    ];
    for (const [args, message] of refusals) {
      const r = run(...args, '--resume', '--max-steps', '1', '--out', out);
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(snapshot().get('ft.ckpt'), kept, 'a refused resume changed the checkpoint');
    const same = run(...base, '--resume', '--teacher-config', 'largest', '--max-steps', '1', '--out', out);
    assert.equal(same.status, 0, `naming the kept teacher's config is no change: ${same.stderr}`);
    const longer = run(...baseWith('--epochs', '2'), '--resume', '--max-steps', '1', '--out', out);
    assert.equal(longer.status, 0, longer.stderr);
    assert.match(longer.stdout, /re-planned .*ft\.ckpt from step 3: 2 epochs at peak lr 0\.0002/);
    const replanned = loadCheckpoint<Meta>(out);
    assert.equal(replanned.meta.step, 4);
    assert.equal(replanned.meta.totalSteps, 2 * replanned.meta.stepsPerEpoch);
    assert.deepEqual(replanned.arrays.teacherParams, superParams);

    const evaluated = hwnas('eval', '--checkpoint', out, '--config', 'smallest', '--json', '--backend', 'wasm');
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const row = JSON.parse(evaluated.stdout.trim().split('\n').filter((l) => l.startsWith('{'))[0]) as { config: TransformerConfig; accuracy: number };
    assert.deepEqual(row.config, smallestTransformer(space));
    assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    const exported = hwnas('export', '--checkpoint', out, '--config', 'smallest', '--out', at('ft.onnx'), '--backend', 'wasm');
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*ft\.onnx \(onnx\)/);
  });

  it("distils from another SuperTransformer's SubTransformer (--teacher, --teacher-config), or from the labels alone", () => {
    const r = run(...base, '--teacher', at('other-vit.ckpt'), '--teacher-config', at('vit-smallest.json'), '--max-steps', '1', '--out', at('t.ckpt'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /distilling from .*other-vit\.ckpt's d16-L1-h1-r1 \(a frozen copy\)/);
    const ck = loadCheckpoint<Meta>(at('t.ckpt'));
    assert.deepEqual(ck.meta.teacher, { space, config: smallestTransformer(space), from: at('other-vit.ckpt') });
    assert.deepEqual(ck.arrays.teacherParams, otherParams);
    const none = run(...base, '--no-distill', '--max-steps', '1', '--out', at('labels.ckpt'));
    assert.equal(none.status, 0, none.stderr);
    const labels = loadCheckpoint<Meta>(at('labels.ckpt'));
    assert.equal(labels.meta.teacher, undefined);
    assert.deepEqual(Object.keys(labels.arrays), ['params', 'velocity']);
  });
});
