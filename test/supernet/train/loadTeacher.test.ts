import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { largestConfig, smallestConfig } from '../../../space/searchSpace.js';
import type { SubnetConfig } from '../../../space/types.js';
import { loadCheckpoint, saveCheckpoint } from '../../../supernet/train/checkpoint.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { checkTeacherFits, loadTeacher } from '../../../supernet/train/loadTeacher.js';
import { kCnnNet, trainedConfig } from '../../../supernet/train/netKinds.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import type { TrainMeta } from '../../../supernet/train/trainTypes.js';
import { kFashionMnistClasses } from '../../../supernet/data/fashionMnist.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { fashionDataMeta, writeStandaloneCheckpoint, writeSupernetCheckpoint } from '../../fixtures/trainingCheckpoints.js';
import { tempDir } from '../../fixtures/tempDir.js';
import { tinyVitSpace } from '../../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../../fixtures/vitCheckpoints.js';
import { largestTransformer, smallestTransformer } from '../../../space/transformer/configs.js';

describe('loadTeacher', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  const space = microSpace();
  // A network whose kernels differ by block (so the largest subnet of its own space is another
  // network), at half width (so its own space is smaller than the supernet's).
  const network: SubnetConfig = { depths: [2, 2], kernels: [3, 5, 5, 5], expands: [2, 2, 2, 2], widths: [0.5, 0.5] };

  it('takes the network a standalone checkpoint trained, a supernet\'s largest, or the config asked for (in float)', () => {
    const dir = tempDir('hwnas-load-teacher-');
    const standalone = join(dir, 'standalone.ckpt');
    const own = writeStandaloneCheckpoint(standalone, space, network, 4, fashionDataMeta());
    assert.notDeepEqual(own.config, largestConfig(own.space), 'the fixture must tell its own config from its largest');
    const t = loadTeacher(standalone);
    assert.equal(t.space.name, 'micro-standalone');
    assert.deepEqual(t.config, own.config);
    assert.deepEqual(t.params, own.params);
    assert.equal(t.from, standalone);
    assert.deepEqual(t.data?.classNames, [...kFashionMnistClasses]);
    assert.deepEqual(loadTeacher(standalone, 'largest').config, largestConfig(own.space));
    const { meta } = loadCheckpoint<TrainMeta>(standalone);
    assert.deepEqual(trainedConfig(kCnnNet, meta.space, meta.options.phases), own.config);
    assert.equal(t.kind, 'hwnas-supernet');

    const supernet = join(dir, 'supernet.ckpt');
    writeSupernetCheckpoint(supernet, space);
    assert.deepEqual(loadTeacher(supernet).config, largestConfig(space));
    const quantised = join(dir, 'quantised.json');
    const small = smallestConfig(space, { quant: 'mixed' });
    writeFileSync(quantised, JSON.stringify(small));
    const { wBits: _w, aBits: _a, ...float } = small;
    assert.deepEqual(loadTeacher(supernet, quantised).config, float, 'a teacher runs in float');
    assert.deepEqual(loadTeacher(supernet, 'smallest', 'largest').config, smallestConfig(space));
    assert.deepEqual(loadTeacher(standalone, undefined, 'largest').config, largestConfig(own.space));
  });

  it("takes a SuperTransformer checkpoint as a teacher of its own kind: its largest SubTransformer, or the one asked for", () => {
    const dir = tempDir('hwnas-load-teacher-');
    const path = join(dir, 'vit.ckpt');
    const vit = tinyVitSpace();
    const params = writeSuperTransformerCheckpoint(path, vit, 2);
    const t = loadTeacher(path);
    assert.equal(t.kind, 'hwnas-supertransformer');
    assert.deepEqual(t.space, vit);
    assert.deepEqual(t.config, largestTransformer(vit));
    assert.deepEqual(t.params, params);
    assert.deepEqual(t.data?.classNames, [...kFashionMnistClasses]);
    assert.deepEqual(loadTeacher(path, 'smallest').config, smallestTransformer(vit));
    const wide = join(dir, 'wide.json');
    writeFileSync(wide, JSON.stringify({ ...largestTransformer(vit), embedDim: 32 }));
    assert.throws(() => loadTeacher(path, wide), /--teacher-config .*wide\.json is not a SubTransformer of .*vit\.ckpt's space 'tiny-vit' \(config\.embedDim = 32 .*\): give a config of that space, or largest/);
    // Images and classes decide, not the kind: it fits a CNN student of the same data.
    assert.doesNotThrow(() => checkTeacherFits(t, space.input, 'student.ckpt', fashionDataMeta()));
  });

  it('refuses what cannot teach, naming the flag and the fix', () => {
    const dir = tempDir('hwnas-load-teacher-');
    const standalone = join(dir, 'standalone.ckpt');
    writeStandaloneCheckpoint(standalone, space, network);
    const configFile = join(dir, 'micro-smallest.json');
    writeFileSync(configFile, JSON.stringify(smallestConfig(space)));
    assert.throws(() => loadTeacher(standalone, configFile), /--teacher-config .*micro-smallest\.json is not a subnet of .*standalone\.ckpt's space 'micro-standalone' \(.*\): give a config of that space, or largest/);
    assert.throws(() => loadTeacher(join(dir, 'none.ckpt')), /--teacher: cannot read checkpoint .*none\.ckpt: it does not exist/);
    assert.throws(() => loadTeacher(dir), /--teacher: cannot read checkpoint .*: it is a folder, not a file/);
    writeFileSync(join(dir, 'foreign.json'), '{"format":"something else"}');
    assert.throws(() => loadTeacher(join(dir, 'foreign.json')), /--teacher .*foreign\.json is not a checkpoint of hwnas: give a training checkpoint written by hwnas train \(a supernet, a network trained with --config, or a SuperTransformer\) or by hwnas finetune/);
    saveCheckpoint(join(dir, 'other.ckpt'), { kind: 'something' }, { params: new Float32Array(3) });
    assert.throws(() => loadTeacher(join(dir, 'other.ckpt')), /--teacher .*other\.ckpt is not a training checkpoint \(kind something\): give a training checkpoint written by hwnas train/);
  });

  it('checks that the teacher predicts the student\'s classes, in the same order', () => {
    const dir = tempDir('hwnas-load-teacher-');
    const path = join(dir, 'standalone.ckpt');
    writeStandaloneCheckpoint(path, space, network, 0, fashionDataMeta([...kFashionMnistClasses].reverse()));
    const t = loadTeacher(path);
    assert.doesNotThrow(() => checkTeacherFits(t, space.input, 'student.ckpt'));
    assert.doesNotThrow(() => checkTeacherFits(t, space.input, 'student.ckpt', fashionDataMeta([...kFashionMnistClasses].reverse().map((c) => c.toUpperCase()))));
    assert.throws(() => checkTeacherFits(t, space.input, 'student.ckpt', fashionDataMeta()), /teacher .*standalone\.ckpt was trained on the classes Ankle boot, Bag, .*student\.ckpt on T-shirt\/top, .*: give a teacher trained on the same data, with its classes in the same order/);
    assert.throws(() => checkTeacherFits(t, { ...space.input, classes: 5 }, 'student.ckpt'), /takes 28x28x1 images of 10 classes, but student\.ckpt takes 28x28x1 images of 5 classes/);
  });

  it('a network trained on its own teaches a subnet of a supernet', async () => {
    const dir = tempDir('hwnas-load-teacher-');
    const standalone = join(dir, 'standalone.ckpt');
    writeStandaloneCheckpoint(standalone, space, network, 4);
    const teacher = loadTeacher(standalone);
    const data = smallFashionMnist(32, 16, 16);
    const phases = [{ name: 'finetune', epochs: 1, lr: 0.05, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: smallestConfig(space) }];
    const out = join(dir, 'ft.ckpt');
    const trainer = new SupernetTrainer(space, data, out, { batchSize: 16, evalImages: 0, phases }, teacher);
    const engine = await createEngine(trainer.replicaInit(), 1);
    const meta = await trainer.run(engine, false);
    await engine.close();
    assert.equal(meta.step, 2);
    const ck = loadCheckpoint<TrainMeta>(out);
    assert.equal(ck.meta.teacher?.space.name, 'micro-standalone');
    assert.deepEqual(ck.meta.teacher?.config, teacher.config);
    assert.deepEqual(ck.arrays.teacherParams, teacher.params);
    assert.notEqual(ck.arrays.teacherParams.length, ck.arrays.params.length, 'the teacher is a network of its own space');
  });
});
