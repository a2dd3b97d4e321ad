/**
 * `hwnas finetune --teacher` (and `--weight-decay`) through the built CLI: a network trained on its own, or a
 * SuperTransformer's SubTransformer, teaches a subnet of a supernet; the fine-tuning checkpoint
 * keeps the teacher, so a resume needs the teacher's file no more and refuses another teacher;
 * bad teachers end with exit 1, a message naming the problem and the fix, and nothing written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kFinetuneRecipe } from '../../pipeline/finetuneSubnet.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { largestTransformer } from '../../space/transformer/configs.js';
import { loadCheckpoint, saveCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { microSpace } from '../fixtures/data.js';
import { fashionDataMeta, writeStandaloneCheckpoint, writeSupernetCheckpoint } from '../fixtures/trainingCheckpoints.js';
import { tinySpace } from '../space/tinySpace.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';
import { hwnas } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-finetune-teacher-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);
const run = (...args: string[]) => hwnas(['finetune', ...args], { cwd: dir, timeout: 120_000 });

const space = microSpace();
const network = { depths: [2, 2], kernels: [3, 5, 5, 5], expands: [2, 2, 2, 2], widths: [0.5, 0.5] };
const studentParams = writeSupernetCheckpoint(at('supernet.ckpt'), space);
const teacher = writeStandaloneCheckpoint(at('standalone.ckpt'), space, network, 4, fashionDataMeta());
writeStandaloneCheckpoint(at('other.ckpt'), space, network, 7, fashionDataMeta());
writeSupernetCheckpoint(at('tiny.ckpt'), tinySpace());
const vitParams = writeSuperTransformerCheckpoint(at('vit.ckpt'), tinyVitSpace(), 2);
const vit3 = tinyVitSpace();
writeSuperTransformerCheckpoint(at('vit-3.ckpt'), { ...vit3, name: 'tiny-vit-3', input: { ...vit3.input, classes: 3 } }, 0);
saveCheckpoint(at('report.ckpt'), { kind: 'hwnas-report' }, { params: new Float32Array(4) });
writeFileSync(at('notes.json'), '{"not":"a checkpoint"}\n');
writeFileSync(at('micro-smallest.json'), JSON.stringify(smallestConfig(space)));
const base = ['--checkpoint', at('supernet.ckpt'), '--config', 'smallest', '--epochs', '1', '--batch-size', '8', '--eval-images', '0', '--workers', '1', '--backend', 'wasm'];
/** `base` with the value of `flag` replaced. */
const baseWith = (flag: string, value: string): string[] => base.map((a, i) => (base[i - 1] === flag ? value : a));

/** Every file under the folder: name -> size and hash. */
function snapshot(): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, `${statSync(at(name)).size}:${createHash('sha256').update(readFileSync(at(name))).digest('hex')}`]));
}

describe('hwnas finetune --teacher', () => {
  it('refuses a teacher that cannot teach, before any work: exit 1, the problem and the fix, nothing written', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a missing teacher', ['--teacher', at('none.ckpt')], /--teacher: cannot read checkpoint .*none\.ckpt: it does not exist/],
      ['a file that is no checkpoint', ['--teacher', at('notes.json')], /--teacher .*notes\.json is not a checkpoint of hwnas: give a training checkpoint written by hwnas train/],
      ['a checkpoint of no training run', ['--teacher', at('report.ckpt')], /--teacher .*report\.ckpt is not a training checkpoint \(kind hwnas-report\): give a training checkpoint written by hwnas train/],
      ['a SuperTransformer of other classes', ['--teacher', at('vit-3.ckpt')], /teacher .*vit-3\.ckpt takes 28x28x1 images of 3 classes, but .*supernet\.ckpt takes 28x28x1 images of 10 classes: give a teacher trained on the same data/],
      ['a teacher of other images', ['--teacher', at('tiny.ckpt')], /teacher .*tiny\.ckpt takes 8x8x1 images of 3 classes, but .*supernet\.ckpt takes 28x28x1 images of 10 classes: give a teacher trained on the same data/],
      ['a --teacher-config outside the teacher\'s space', ['--teacher', at('standalone.ckpt'), '--teacher-config', at('micro-smallest.json')], /--teacher-config .*micro-smallest\.json is not a subnet of .*standalone\.ckpt's space 'micro-standalone' \(config\.depths.*\): give a config of that space, or largest/],
      ['--teacher with --no-distill', ['--teacher', at('standalone.ckpt'), '--no-distill'], /--teacher names the network to distil from, but --no-distill turns distillation off: drop one of them/],
      ['--teacher-config with --no-distill', ['--teacher-config', 'largest', '--no-distill'], /--teacher-config names the network to distil from, but --no-distill turns distillation off/],
    ];
    const before = snapshot();
    for (const [name, args, message] of cases) {
      const r = run(...base, ...args, '--out', at('ft.ckpt'));
      assert.equal(r.status, 1, `${name}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.doesNotMatch(r.stderr, /\bE[A-Z]{3,}\b|\n\s+at /, `${name}: errno code or stack trace`);
    }
    assert.deepEqual([...snapshot()].sort(), [...before].sort(), 'a refused run wrote, changed or removed a file');
  });

  it('distils from a network trained on its own, keeps it for --resume, and refuses another teacher on resume', () => {
    const out = at('ft.ckpt');
    const first = run(...base, '--teacher', at('standalone.ckpt'), '--max-steps', '2', '--out', out);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /distilling from .*standalone\.ckpt's d2,2\|r0\.5,0\.5\|k3:5,5:5\|e2:2,2:2 \(a frozen copy\)/);
    const ck = loadCheckpoint<TrainMeta>(out);
    assert.equal(ck.meta.step, 2);
    assert.equal(ck.meta.teacher?.from, at('standalone.ckpt'));
    assert.deepEqual(ck.meta.teacher?.config, teacher.config);
    assert.deepEqual(ck.arrays.teacherParams, teacher.params);

    const kept = snapshot().get('ft.ckpt');
    const other = run(...base, '--resume', '--teacher', at('other.ckpt'), '--max-steps', '1', '--out', out);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /--teacher .*other\.ckpt differs from .*ft\.ckpt's teacher .*standalone\.ckpt \(config d2,2\|r0\.5,0\.5\|k3:5,5:5\|e2:2,2:2\): a resumed run distils from the teacher its checkpoint keeps; drop --teacher, or start a new run with another --out/);
    const plain = run(...base, '--resume', '--no-distill', '--max-steps', '1', '--out', out);
    assert.equal(plain.status, 1);
    assert.match(plain.stderr, /--no-distill differs from .*ft\.ckpt's teacher .*standalone\.ckpt/);
    const config = run(...base, '--resume', '--teacher-config', 'smallest', '--max-steps', '1', '--out', out);
    assert.equal(config.status, 1);
    assert.match(config.stderr, /--teacher-config smallest differs from .*ft\.ckpt's teacher/);
    assert.equal(snapshot().get('ft.ckpt'), kept, 'a refused resume changed the checkpoint');

    // The teacher's file gone: the checkpoint still holds its weights.
    renameSync(at('standalone.ckpt'), at('moved.ckpt'));
    try {
      const resumed = run(...base, '--resume', '--max-steps', '1', '--out', out);
      assert.equal(resumed.status, 0, resumed.stderr);
      const same = run(...base, '--resume', '--teacher', at('standalone.ckpt'), '--max-steps', '1', '--out', out);
      assert.equal(same.status, 0, `naming the kept teacher is no change: ${same.stderr}`);
    } finally {
      renameSync(at('moved.ckpt'), at('standalone.ckpt'));
    }
    const after = loadCheckpoint<TrainMeta>(out);
    assert.equal(after.meta.step, 4);
    assert.deepEqual(after.arrays.teacherParams, teacher.params);
  });

  it("by default distils from a frozen copy of the supernet's largest subnet", () => {
    const out = at('default.ckpt');
    const r = run(...base, '--max-steps', '1', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const ck = loadCheckpoint<TrainMeta>(out);
    assert.equal(ck.meta.teacher?.from, at('supernet.ckpt'));
    assert.deepEqual(ck.meta.teacher?.config, largestConfig(space));
    assert.deepEqual(ck.arrays.teacherParams, studentParams);
    assert.equal(ck.meta.options.phases[0].teacher, undefined, 'no in-place teacher on the shared weights');
    // Another subnet is refused on resume, naming the kept one; --epochs re-plans what is left.
    const kept = snapshot().get('default.ckpt');
    const other = run(...baseWith('--config', 'largest'), '--resume', '--max-steps', '1', '--out', out);
    assert.equal(other.status, 1, other.stderr);
    assert.match(other.stderr, /--config .* differs from the config .*default\.ckpt trains \(.*\): a resumed fine-tune continues its own network; pass that config, or start a new run with another --out/);
    assert.equal(snapshot().get('default.ckpt'), kept, 'a refused resume changed the checkpoint');
    const longer = run(...baseWith('--epochs', '2'), '--resume', '--max-steps', '1', '--out', out);
    assert.equal(longer.status, 0, longer.stderr);
    assert.match(longer.stdout, /re-planned .*default\.ckpt from step 1: 2 epochs at peak lr 0\.02/);
    const replanned = loadCheckpoint<TrainMeta>(out).meta;
    assert.equal(replanned.options.phases[0].epochs, 2);
    assert.equal(replanned.totalSteps, 2 * replanned.stepsPerEpoch);
    const none = run(...base, '--no-distill', '--max-steps', '1', '--out', at('labels.ckpt'));
    assert.equal(none.status, 0, none.stderr);
    const labels = loadCheckpoint<TrainMeta>(at('labels.ckpt'));
    assert.equal(labels.meta.teacher, undefined);
    assert.deepEqual(Object.keys(labels.arrays), ['params', 'velocity']);
  });
  it("distils from a SuperTransformer's SubTransformer, a teacher of the other kind, and keeps its kind", () => {
    const out = at('vit-taught.ckpt');
    const r = run(...base, '--teacher', at('vit.ckpt'), '--max-steps', '1', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /distilling from .*vit\.ckpt's d24-L2-h2\.2-r2\.2 \(a frozen copy\)/);
    const ck = loadCheckpoint<TrainMeta>(out);
    assert.equal(ck.meta.kind, 'hwnas-supernet');
    assert.deepEqual(ck.meta.teacher, { kind: 'hwnas-supertransformer', space: tinyVitSpace(), config: largestTransformer(tinyVitSpace()), from: at('vit.ckpt'), mode: 'soft' });
    assert.deepEqual(ck.arrays.teacherParams, vitParams);
    const other = run(...base, '--resume', '--teacher', at('standalone.ckpt'), '--max-steps', '1', '--out', out);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /--teacher .*standalone\.ckpt differs from .*vit-taught\.ckpt's teacher .*vit\.ckpt \(config d24-L2-h2\.2-r2\.2\)/);
    const resumed = run(...base, '--resume', '--teacher-config', 'largest', '--max-steps', '1', '--out', out);
    assert.equal(resumed.status, 0, `the kept SubTransformer teacher's own largest is no change: ${resumed.stderr}`);
    assert.equal(loadCheckpoint<TrainMeta>(out).meta.step, 2);
  });

  it("--weight-decay: the standard recipe's by default, sets it when given, a resumed run keeps its own, refuses a negative one and a change on resume", () => {
    const recipe = run(...base, '--no-distill', '--max-steps', '1', '--out', at('wd-default.ckpt'));
    assert.equal(recipe.status, 0, recipe.stderr);
    const supernetHyper = loadCheckpoint<TrainMeta>(at('supernet.ckpt')).meta.options.hyper;
    assert.notEqual(supernetHyper.weightDecay, kFinetuneRecipe.weightDecay, 'the fixture supernet must train at another weight decay than the recipe');
    assert.equal(kFinetuneRecipe.weightDecay, 5e-4);
    assert.deepEqual(loadCheckpoint<TrainMeta>(at('wd-default.ckpt')).meta.options.hyper, { ...supernetHyper, weightDecay: 5e-4 });
    const set = run(...base, '--no-distill', '--weight-decay', '1e-4', '--max-steps', '1', '--out', at('wd.ckpt'));
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual(loadCheckpoint<TrainMeta>(at('wd.ckpt')).meta.options.hyper, { ...supernetHyper, weightDecay: 1e-4 });
    // Resumed without the flag, the run goes on at its own weight decay, not the default.
    const resumed = run(...base, '--no-distill', '--resume', '--max-steps', '1', '--out', at('wd.ckpt'));
    assert.equal(resumed.status, 0, resumed.stderr);
    const after = loadCheckpoint<TrainMeta>(at('wd.ckpt')).meta;
    assert.equal(after.step, 2);
    assert.equal(after.options.hyper.weightDecay, 1e-4);
    const negative = run(...base, '--no-distill', '--weight-decay', '-1', '--out', at('wd-negative.ckpt'));
    assert.equal(negative.status, 1);
    assert.match(negative.stderr, /--weight-decay must be a number >= 0 \(got '-1'\)/);
    const changed = run(...base, '--no-distill', '--resume', '--weight-decay', '1e-3', '--max-steps', '1', '--out', at('wd.ckpt'));
    assert.equal(changed.status, 1, 'a resume with another weight decay must be refused');
    assert.match(changed.stderr, /--weight-decay 0\.001 differs from .*wd\.ckpt's 0\.0001: a resumed run keeps its checkpoint's settings; drop --weight-decay, or start a new run with another --out/);
  });

  it('--random-erasing: recorded in the run, kept on resume, refused out of [0, 1] and when changed on resume', () => {
    const out = at('re.ckpt');
    const erased = run(...base, '--no-distill', '--random-erasing', '0.5', '--max-steps', '1', '--out', out);
    assert.equal(erased.status, 0, erased.stderr);
    assert.equal(loadCheckpoint<TrainMeta>(out).meta.options.hyper.randomErasing, 0.5);
    const resumed = run(...base, '--no-distill', '--resume', '--max-steps', '1', '--out', out);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(loadCheckpoint<TrainMeta>(out).meta.options.hyper.randomErasing, 0.5);
    const bad = run(...base, '--no-distill', '--random-erasing', '1.5', '--out', at('re-bad.ckpt'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--random-erasing must be a probability in \[0, 1\] \(got 1\.5\)/);
    const changed = run(...base, '--no-distill', '--resume', '--random-erasing', '0', '--max-steps', '1', '--out', out);
    assert.equal(changed.status, 1, 'a resume with other random erasing must be refused');
    assert.match(changed.stderr, /--random-erasing 0 differs from .*re\.ckpt's 0\.5: a resumed run keeps its checkpoint's settings/);
    assert.ok(!readdirSync(dir).includes('re-bad.ckpt'));
  });
});
