import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor4D } from '../../../supernet/backend/tf.js';
import { fillBatch } from '../../../supernet/data/batches.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { largestConfig, smallestConfig } from '../../../space/searchSpace.js';
import type { SearchSpace } from '../../../space/types.js';
import { SupernetReplica, type SandwichTask, type SupernetHyper } from '../../../supernet/train/supernetReplica.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { loadCheckpoint } from '../../../supernet/train/checkpoint.js';
import type { TeacherSource } from '../../../supernet/train/frozenTeacher.js';
import type { PhaseSpec, TrainOptions } from '../../../supernet/train/schedule.js';
import type { TrainMeta } from '../../../supernet/train/trainTypes.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { tinySpace } from '../../space/tinySpace.js';
import { frozenPredictions } from '../../fixtures/trainingCheckpoints.js';
import { tempDir } from '../../fixtures/tempDir.js';

const hyper: SupernetHyper = { momentum: 0.9, weightDecay: 5e-5, labelSmoothing: 0.1, kdWeight: 1 };

function weightsOf(space: SearchSpace, seed: number): Float32Array {
  const net = new Supernet(space, seed);
  try {
    return net.store.flatten();
  } finally {
    net.dispose();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('a frozen teacher in the replica', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('keeps its predictions while the student trains, where a teacher on the shared weights drifts', () => {
    const space = microSpace();
    const data = smallFashionMnist(16);
    const n = 16;
    const x = new Float32Array(n * 28 * 28);
    fillBatch(data.train, Int32Array.from({ length: n }, (_, i) => i), x, { augment: false });
    const y = Int32Array.from(data.train.labels.subarray(0, n));
    const largest = largestConfig(space);
    const tensorsBefore = tf.memory().numTensors;
    // The teacher starts as the student's own largest subnet (the same weights, copied).
    const replica = new SupernetReplica({ space, seed: 3, hyper, teacher: { kind: 'hwnas-supernet', space, params: weightsOf(space, 3), config: largest } });
    const id = replica.teacher!.id;
    const xt = tf.tensor4d(x, [n, 28, 28, 1]) as Tensor4D;
    const frozen = (): Float32Array => frozenPredictions(replica, xt, id);
    const shared = (): Float32Array => tf.tidy(() => tf.softmax(replica.net.forward(largest, xt, { kind: 'train' })).dataSync().slice() as Float32Array);
    const frozen0 = frozen();
    const shared0 = shared();
    assert.ok(maxDiff(frozen0, shared0) < 1e-6, 'before training, the frozen copy predicts as the shared largest subnet');

    const task: SandwichTask = { x, y, n, configs: [smallestConfig(space)], distill: true, frozenTeacher: false, teacherNet: id };
    let tensorsAfterFirst = 0;
    for (let step = 0; step < 3; step++) {
      const r = replica.computeGradients(task);
      assert.ok(Number.isFinite(r.loss));
      replica.applyGradients(r.grads, 0.2);
      if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, tensorsAfterFirst, 'a distilling step leaves no tensors behind');
    const frozen1 = frozen();
    const shared1 = shared();
    assert.equal(maxDiff(frozen1, frozen0), 0, "the frozen teacher's predictions changed while the student trained");
    assert.ok(maxDiff(shared1, shared0) > 1e-3, `the shared largest subnet should drift as the student trains (moved ${maxDiff(shared1, shared0)})`);
    assert.ok(maxDiff(shared1, frozen1) > 1e-3, 'the frozen teacher should differ from the drifted shared one');
    xt.dispose();
    replica.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'dispose frees the student and the teacher');
  });

  it("teaches with its own weights: another teacher or none gives another gradient; a task naming another teacher is refused", () => {
    const space = microSpace();
    const data = smallFashionMnist(8);
    const n = 8;
    const x = new Float32Array(n * 28 * 28);
    fillBatch(data.train, Int32Array.from({ length: n }, (_, i) => i), x, { augment: false });
    const y = Int32Array.from(data.train.labels.subarray(0, n));
    const teacherOf = (seed: number) => ({ kind: 'hwnas-supernet' as const, space, params: weightsOf(space, seed), config: largestConfig(space) });
    const a = new SupernetReplica({ space, seed: 3, hyper, teacher: teacherOf(3) });
    const b = new SupernetReplica({ space, seed: 3, hyper, teacher: teacherOf(4) });
    const none = new SupernetReplica({ space, seed: 3, hyper });
    try {
      const task = (id: string | undefined): SandwichTask => ({
        x, y, n, configs: [smallestConfig(space)], distill: id !== undefined, frozenTeacher: false, ...(id === undefined ? {} : { teacherNet: id }),
      });
      const ga = a.computeGradients(task(a.teacher!.id));
      const gb = b.computeGradients(task(b.teacher!.id));
      const labels = a.computeGradients(task(undefined));
      assert.ok(maxDiff(ga.grads, gb.grads) > 1e-6, 'two teachers gave the same gradient');
      assert.ok(maxDiff(ga.grads, labels.grads) > 1e-6, 'distilling gave the labels-only gradient');
      assert.ok(ga.loss > labels.loss, 'the distillation term adds to the loss');
      assert.notEqual(a.teacher!.id, b.teacher!.id);
      assert.throws(() => a.computeGradients(task(b.teacher!.id)), /distils from frozen teacher [0-9a-f]+ but this replica holds teacher [0-9a-f]+: create the engine from the trainer's replicaInit\(resume\)/);
      assert.throws(() => none.computeGradients(task(a.teacher!.id)), /but this replica holds no teacher/);
      assert.throws(() => new SupernetReplica({ space, seed: 3, hyper, teacher: { ...teacherOf(3), params: new Float32Array(5) } }), /the teacher holds 5 weights but a supernet of its space 'micro' has \d+/);
    } finally {
      a.dispose();
      b.dispose();
      none.dispose();
    }
  });
});

describe('fine-tuning with a frozen teacher (SupernetTrainer)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  const space = microSpace();
  const phase: PhaseSpec = { name: 'finetune', epochs: 2, lr: 0.05, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: smallestConfig(space) };
  const options: TrainOptions = { batchSize: 16, checkpointEvery: 2, evalImages: 0, phases: [phase] };

  it('resumes a paused run to exactly the weights of an uninterrupted one, from the teacher its checkpoint keeps', async () => {
    const dir = tempDir('hwnas-teacher-');
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch, 8 in all
    const init = { params: weightsOf(space, 0), from: 'init.ckpt' };
    const teacher: TeacherSource = { kind: 'hwnas-supernet', space, params: weightsOf(space, 5), config: largestConfig(space), from: 'teacher.ckpt' };
    const teacherCopy = teacher.params.slice();

    const straight = new SupernetTrainer(space, data, join(dir, 'a.ckpt'), options, teacher);
    const engineA = await createEngine(straight.replicaInit(), 1);
    assert.equal((await straight.run(engineA, false, {}, init)).step, 8);
    const [paramsA] = await engineA.getState();
    await engineA.close();

    const path = join(dir, 'b.ckpt');
    const first = new SupernetTrainer(space, data, path, { ...options, maxStepsThisRun: 3 }, teacher);
    const engineB = await createEngine(first.replicaInit(), 1);
    await first.run(engineB, false, {}, init);
    await engineB.close();
    const paused = loadCheckpoint<TrainMeta>(path);
    assert.equal(paused.meta.step, 3);
    assert.deepEqual(paused.meta.teacher, { kind: 'hwnas-supernet', space, config: largestConfig(space), from: 'teacher.ckpt', mode: 'soft' });
    assert.deepEqual(paused.arrays.teacherParams, teacherCopy, "the checkpoint keeps the teacher's weights exactly");
    copyFileSync(path, join(dir, 'c.ckpt'));

    // Resumed without naming a teacher: the checkpoint supplies it.
    const second = new SupernetTrainer(space, data, path, options);
    const engineC = await createEngine(second.replicaInit(true), 1);
    const meta = await second.run(engineC, true);
    const [paramsC] = await engineC.getState();
    await engineC.close();
    assert.equal(meta.step, 8);
    assert.equal(maxDiff(paramsA, paramsC), 0, `resumed weights differ from the uninterrupted run by ${maxDiff(paramsA, paramsC)}`);
    assert.deepEqual(loadCheckpoint<TrainMeta>(path).arrays.teacherParams, teacherCopy);
    assert.deepEqual(teacher.params, teacherCopy, "training never wrote to the teacher's weights");

    // An engine created without the kept teacher is refused, not silently run without it.
    const careless = new SupernetTrainer(space, data, join(dir, 'c.ckpt'), options);
    const engineD = await createEngine(careless.replicaInit(), 1);
    await assert.rejects(careless.run(engineD, true), /holds no teacher: create the engine from the trainer's replicaInit\(resume\)/);
    await engineD.close();

    // The teacher matters: labels alone end elsewhere, and write the old format (no teacher entries).
    const plain = new SupernetTrainer(space, data, join(dir, 'd.ckpt'), options);
    const engineE = await createEngine(plain.replicaInit(), 1);
    await plain.run(engineE, false, {}, init);
    const [paramsE] = await engineE.getState();
    await engineE.close();
    assert.ok(maxDiff(paramsA, paramsE) > 0, 'distilling from the teacher changed nothing');
    const old = loadCheckpoint<TrainMeta>(join(dir, 'd.ckpt'));
    assert.deepEqual(Object.keys(old.arrays), ['params', 'velocity']);
    assert.equal('teacher' in old.meta, false);
  });

  it('refuses a teacher for phases it cannot teach, or of other images', () => {
    const data = smallFashionMnist(32);
    const teacher: TeacherSource = { kind: 'hwnas-supernet', space, params: weightsOf(space, 5), config: largestConfig(space), from: 'teacher.ckpt' };
    const sandwich: PhaseSpec = { name: 'sandwich', epochs: 1, lr: 0.05, warmupEpochs: 0, sandwich: true, randomSubnets: 1 };
    assert.throws(() => new SupernetTrainer(space, data, 'x.ckpt', { ...options, phases: [sandwich] }, teacher), /options\.phases\[0\] \('sandwich'\) has no config: give it one, or drop the teacher/);
    assert.throws(() => new SupernetTrainer(space, data, 'x.ckpt', { ...options, phases: [{ ...phase, teacher: largestConfig(space) }] }, teacher), /phases\[0\]\.teacher and a frozen teacher are two teachers/);
    const tiny = tinySpace();
    assert.throws(
      () => new SupernetTrainer(space, data, 'x.ckpt', options, { kind: 'hwnas-supernet', space: tiny, params: weightsOf(tiny, 0), config: largestConfig(tiny), from: 'tiny.ckpt' }),
      /teacher tiny\.ckpt takes 8x8x1 images of 3 classes, but space 'micro' takes 28x28x1 images of 10 classes: give a teacher trained on the same data/,
    );
  });
});
