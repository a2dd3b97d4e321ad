/**
 * `hwnas finetune --checkpoint <SuperTransformer>` through the built CLI: one SubTransformer
 * trained on its own with AdamW, distilling from a frozen copy of the largest (or, --teacher,
 * another SuperTransformer's, or a CNN trained on its own as DeiT's convnet teaches its ViT;
 * softly or, --distill-mode hard, from its argmax); resumable with the CNN path's refusals; its
 * checkpoint is a SuperTransformer's that eval and export take. Bad input ends with exit 1, a
 * message naming the problem and the fix, and nothing written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { smallestConfig } from '../../space/searchSpace.js';
import { largestTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { kTransformerRecipe } from '../../supernet/transformer/trainingNet.js';
import { kFashionMnistClasses } from '../../supernet/data/fashionMnist.js';
import { microSpace } from '../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';
import { fashionDataMeta, writeStandaloneCheckpoint, writeSupernetCheckpoint } from '../fixtures/trainingCheckpoints.js';
import { tinySpace } from '../space/tinySpace.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';
import { hwnas } from '../fixtures/cli.js';

type Meta = TrainMeta<TransformerSpace, TransformerConfig>;

const dir = mkdtempSync(join(tmpdir(), 'hwnas-finetune-vit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);
const cliRun = (...args: string[]) => hwnas(args, { cwd: dir, timeout: 120_000 });
const run = (...args: string[]) => cliRun('finetune', ...args);

const space = tinyVitSpace();
const superParams = writeSuperTransformerCheckpoint(at('vit.ckpt'), space, 0);
const otherParams = writeSuperTransformerCheckpoint(at('other-vit.ckpt'), space, 5);
writeSuperTransformerCheckpoint(at('three-classes.ckpt'), { ...space, name: 'tiny-vit-3', input: { ...space.input, classes: 3 } }, 0);
writeSupernetCheckpoint(at('cnn.ckpt'), microSpace(), 0, fashionDataMeta());
// A ResNet-like network trained on its own (as models/baselines/resnet14.ckpt is), and CNNs of other data.
const resnet = writeStandaloneCheckpoint(at('resnet.ckpt'), hybridMicroSpace(), kHybridCases[0].config, 4, fashionDataMeta());
writeStandaloneCheckpoint(at('resnet-reordered.ckpt'), hybridMicroSpace(), kHybridCases[0].config, 4, fashionDataMeta([...kFashionMnistClasses].reverse()));
writeSupernetCheckpoint(at('tiny-cnn.ckpt'), tinySpace());
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
      ['a CNN teacher of other images', [...base, '--teacher', at('tiny-cnn.ckpt')], /teacher .*tiny-cnn\.ckpt takes 8x8x1 images of 3 classes, but .*vit\.ckpt takes 28x28x1 images of 10 classes: give a teacher trained on the same data/],
      ['a CNN teacher of the classes in another order', [...base, '--teacher', at('resnet-reordered.ckpt')], /teacher .*resnet-reordered\.ckpt was trained on the classes Ankle boot, Bag, .*vit\.ckpt on T-shirt\/top, .*: give a teacher trained on the same data, with its classes in the same order/],
      ["a --teacher-config outside a CNN teacher's space", [...base, '--teacher', at('resnet.ckpt'), '--teacher-config', at('cnn-smallest.json')], /--teacher-config .*cnn-smallest\.json is not a subnet of .*resnet\.ckpt's space 'micro-hybrid-standalone' \(.*\): give a config of that space, or largest/],
      ['an unknown --distill-mode', [...base, '--distill-mode', 'sharp'], /--distill-mode must be one of soft, hard \(got 'sharp'\)/],
      ['--distill-mode with --no-distill', [...base, '--distill-mode', 'hard', '--no-distill'], /--distill-mode says how to learn from the teacher, but --no-distill turns distillation off: drop one of them/],
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

    const evaluated = cliRun('eval', '--checkpoint', out, '--config', 'smallest', '--json', '--backend', 'wasm');
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const row = JSON.parse(evaluated.stdout.trim().split('\n').filter((l) => l.startsWith('{'))[0]) as { config: TransformerConfig; accuracy: number };
    assert.deepEqual(row.config, smallestTransformer(space));
    assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    const exported = cliRun('export', '--checkpoint', out, '--config', 'smallest', '--out', at('ft.onnx'), '--backend', 'wasm');
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*ft\.onnx \(onnx\)/);
  });

  it("distils from another SuperTransformer's SubTransformer (--teacher, --teacher-config), or from the labels alone", () => {
    const r = run(...base, '--teacher', at('other-vit.ckpt'), '--teacher-config', at('vit-smallest.json'), '--max-steps', '1', '--out', at('t.ckpt'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /distilling from .*other-vit\.ckpt's d16-L1-h1-r1 \(a frozen copy\)/);
    const ck = loadCheckpoint<Meta>(at('t.ckpt'));
    assert.deepEqual(ck.meta.teacher, { kind: 'hwnas-supertransformer', space, config: smallestTransformer(space), from: at('other-vit.ckpt'), mode: 'soft' });
    assert.deepEqual(ck.arrays.teacherParams, otherParams);
    const none = run(...base, '--no-distill', '--max-steps', '1', '--out', at('labels.ckpt'));
    assert.equal(none.status, 0, none.stderr);
    const labels = loadCheckpoint<Meta>(at('labels.ckpt'));
    assert.equal(labels.meta.teacher, undefined);
    assert.deepEqual(Object.keys(labels.arrays), ['params', 'velocity']);
  });
  it("distils from a ResNet-like CNN trained on its own (DeiT), keeps it for --resume without its file, and refuses another teacher or mode on resume", () => {
    const out = at('deit.ckpt');
    const first = run(...base, '--teacher', at('resnet.ckpt'), '--max-steps', '2', '--out', out);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /distilling from .*resnet\.ckpt's d2,2\|.* \(a frozen copy\)/);
    const ck = loadCheckpoint<Meta>(out);
    assert.equal(ck.meta.kind, 'hwnas-supertransformer', 'the student stays a SuperTransformer checkpoint');
    assert.deepEqual(ck.meta.teacher, { kind: 'hwnas-supernet', space: resnet.space, config: resnet.config, from: at('resnet.ckpt'), mode: 'soft' });
    assert.deepEqual(ck.arrays.teacherParams, resnet.params);

    const kept = snapshot().get('deit.ckpt');
    const refusals: Array<[string[], RegExp]> = [
      [['--teacher', at('vit.ckpt')], /--teacher .*vit\.ckpt differs from .*deit\.ckpt's teacher .*resnet\.ckpt \(config d2,2\|.*\): a resumed run distils from the teacher its checkpoint keeps; drop --teacher/],
      [['--distill-mode', 'hard'], /--distill-mode hard differs from .*deit\.ckpt's teacher .*resnet\.ckpt/],
      [['--teacher-config', at('vit-smallest.json')], /--teacher-config .*vit-smallest\.json differs from .*deit\.ckpt's teacher .*resnet\.ckpt/],
    ];
    for (const [args, message] of refusals) {
      const r = run(...base, ...args, '--resume', '--max-steps', '1', '--out', out);
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(snapshot().get('deit.ckpt'), kept, 'a refused resume changed the checkpoint');
    // The teacher's file gone: the checkpoint still holds its weights, and its kind.
    renameSync(at('resnet.ckpt'), at('resnet-moved.ckpt'));
    try {
      const resumed = run(...base, '--resume', '--distill-mode', 'soft', '--max-steps', '1', '--out', out);
      assert.equal(resumed.status, 0, resumed.stderr);
    } finally {
      renameSync(at('resnet-moved.ckpt'), at('resnet.ckpt'));
    }
    const after = loadCheckpoint<Meta>(out);
    assert.equal(after.meta.step, 3);
    assert.deepEqual(after.arrays.teacherParams, resnet.params);

    const hard = run(...base, '--teacher', at('resnet.ckpt'), '--distill-mode', 'hard', '--max-steps', '1', '--out', at('deit-hard.ckpt'));
    assert.equal(hard.status, 0, hard.stderr);
    assert.match(hard.stdout, /distilling from .*resnet\.ckpt's .* \(a frozen copy; its argmax as labels, DeiT's hard distillation\)/);
    assert.equal(loadCheckpoint<Meta>(at('deit-hard.ckpt')).meta.teacher?.mode, 'hard');
  });
});
