/**
 * A frozen teacher of the other kind (DeiT: a convnet teaches a ViT): a ResNet-like CNN trained
 * on its own teaches a SubTransformer, and a SuperTransformer's SubTransformer teaches a CNN
 * subnet. Each replica builds the teacher in its own kind; its predictions reach the student's
 * loss exactly as an independently built copy's would, never change while the student trains,
 * and a paused run resumes to exactly the weights of an uninterrupted one from the teacher its
 * checkpoint keeps (a checkpoint from before teachers had a kind: the student's).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { configSpace } from '../../../space/configSpace.js';
import { smallestConfig } from '../../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../../space/types.js';
import { largestTransformer } from '../../../space/transformer/configs.js';
import type { TransformerConfig } from '../../../space/transformer/types.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor2D, Tensor4D } from '../../../supernet/backend/tf.js';
import { fillBatch } from '../../../supernet/data/batches.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { loadCheckpoint, saveCheckpoint } from '../../../supernet/train/checkpoint.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { keptTeacher, type FrozenTeacher, type TeacherSource } from '../../../supernet/train/frozenTeacher.js';
import type { PhaseSpec, TrainOptions } from '../../../supernet/train/schedule.js';
import { SupernetReplica, type SandwichTask } from '../../../supernet/train/supernetReplica.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import type { TrainMeta } from '../../../supernet/train/trainTypes.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { kTransformerRecipe, transformerTrainingNet } from '../../../supernet/transformer/trainingNet.js';
import { createReplica } from '../../../supernet/transformer/transformerReplica.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../../fixtures/hybridSpace.js';
import { tempDir } from '../../fixtures/tempDir.js';
import { tinyVitSpace } from '../../fixtures/vit.js';
import { superTransformerWeights } from '../../fixtures/vitCheckpoints.js';

const vit = tinyVitSpace();
/** The student SubTransformer: narrow, both layers. */
const student: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] };
const vitHyper = { ...kTransformerRecipe.hyper };
const cnnHyper = { momentum: 0.9, weightDecay: 5e-5, labelSmoothing: 0.1, kdWeight: 1 };

/** A ResNet-like network trained on its own, as `hwnas train --config` stores it: its own space, config and weights. */
function resnetTeacher(seed: number): FrozenTeacher & { kind: 'hwnas-supernet' } {
  const { space, config } = configSpace(hybridMicroSpace(), kHybridCases[0].config);
  const net = new Supernet(space, seed);
  try {
    return { kind: 'hwnas-supernet', space, config, params: net.store.flatten() };
  } finally {
    net.dispose();
  }
}

function vitTeacher(seed: number): FrozenTeacher & { kind: 'hwnas-supertransformer' } {
  return { kind: 'hwnas-supertransformer', space: vit, config: largestTransformer(vit), params: superTransformerWeights(vit, seed) };
}

function batch(n: number): { x: Float32Array; y: Int32Array } {
  const data = smallFashionMnist(n);
  const x = new Float32Array(n * 28 * 28);
  fillBatch(data.train, Int32Array.from({ length: n }, (_, i) => i), x, { augment: false });
  return { x, y: Int32Array.from(data.train.labels.subarray(0, n)) };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** A net built apart from any replica: `forward` of one config, train-mode (a CNN on batch statistics). */
interface Reference {
  logits(x: Tensor4D): Tensor2D;
  dispose(): void;
}

function cnnReference(space: SearchSpace, params: Float32Array, config: SubnetConfig): Reference {
  const net = new Supernet(space, 0);
  net.store.assignFlat(params);
  return { logits: (x) => net.forward(config, x, { kind: 'train' }), dispose: () => net.dispose() };
}

function vitReference(params: Float32Array, config: TransformerConfig): Reference {
  const net = new SuperTransformer(vit, 0);
  net.store.assignFlat(params);
  return { logits: (x) => net.forward(config, x), dispose: () => net.dispose() };
}

/**
 * The shared check: `withTeacher` and `plain` are replicas of the same student weights, with
 * and without the teacher; `teacherRef` and `studentRef` compute the same nets apart.
 */
function checkTeaches<C>(withTeacher: SupernetReplica<C>, plain: SupernetReplica<C>, cfg: C, teacherRef: Reference, studentRef: Reference, lr: number): void {
  const n = 16;
  const { x, y } = batch(n);
  const xt = tf.tensor4d(x, [n, 28, 28, 1]) as Tensor4D;
  try {
    const id = withTeacher.teacher!.id;
    const frozen = (): Float32Array => {
      const p = withTeacher.teacherPredictions(xt, id);
      const v = p.dataSync().slice() as Float32Array;
      p.dispose();
      return v;
    };
    const predictions0 = frozen();
    const expected = tf.tidy(() => tf.softmax(teacherRef.logits(xt)).dataSync().slice() as Float32Array);
    assert.ok(maxDiff(predictions0, expected) < 1e-6, `the replica's teacher predicts ${maxDiff(predictions0, expected)} away from the same net built apart`);
    // The distillation term the student's loss should gain: the cross-entropy to the teacher's softmax.
    const kd = tf.tidy(() => {
      const p = tf.tensor2d(expected, [n, 10]);
      return -tf.mean(tf.sum(tf.mul(p, tf.logSoftmax(studentRef.logits(xt))), 1)).dataSync()[0];
    });
    const task = (distil: boolean): SandwichTask<C> => ({ x, y, n, configs: [cfg], distill: distil, frozenTeacher: false, ...(distil ? { teacherNet: id } : {}) });
    const labels = plain.computeGradients(task(false));
    const distilled = withTeacher.computeGradients(task(true));
    assert.ok(kd > 0.5, `the fixture's teacher should disagree with the student (cross-entropy ${kd})`);
    assert.ok(Math.abs(distilled.loss - labels.loss - cnnHyper.kdWeight * kd) < 1e-4,
      `loss with the teacher ${distilled.loss}, without ${labels.loss}: the difference should be the cross-entropy to the teacher's softmax, ${kd}`);
    assert.ok(maxDiff(distilled.grads, labels.grads) > 1e-6, "the teacher's predictions did not reach the gradient");

    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const r = withTeacher.computeGradients(task(true));
      assert.ok(Number.isFinite(r.loss));
      withTeacher.applyGradients(r.grads, lr);
    }
    assert.equal(tf.memory().numTensors, tensors, 'a distilling step leaves no tensors behind');
    assert.equal(maxDiff(frozen(), predictions0), 0, "the teacher's predictions changed while the student trained");
    const moved = withTeacher.computeGradients(task(true));
    assert.ok(Math.abs(moved.loss - distilled.loss) > 1e-4, 'the student did not train');
  } finally {
    xt.dispose();
  }
}

describe('a teacher of the other kind', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("a ResNet-like CNN trained on its own teaches a SubTransformer: its softmax reaches the student's loss and stays bit-identical", async () => {
    const teacher = resnetTeacher(4);
    const tensorsBefore = tf.memory().numTensors;
    const withTeacher = await createReplica({ space: vit, seed: 1, hyper: vitHyper, teacher });
    const plain = await createReplica({ space: vit, seed: 1, hyper: vitHyper });
    const teacherRef = cnnReference(teacher.space, teacher.params, teacher.config);
    const studentRef = vitReference(superTransformerWeights(vit, 1), student);
    try {
      checkTeaches(withTeacher, plain, student, teacherRef, studentRef, 1e-3);
    } finally {
      [withTeacher, plain, teacherRef, studentRef].forEach((d) => d.dispose());
    }
    assert.equal(tf.memory().numTensors, tensorsBefore, 'dispose frees the student and its CNN teacher');
  });

  it("a SuperTransformer's SubTransformer teaches a CNN subnet likewise", () => {
    const space = microSpace();
    const teacher = vitTeacher(2);
    const tensorsBefore = tf.memory().numTensors;
    const withTeacher = new SupernetReplica({ space, seed: 3, hyper: cnnHyper, teacher });
    const plain = new SupernetReplica({ space, seed: 3, hyper: cnnHyper });
    const studentWeights = new Supernet(space, 3);
    const teacherRef = vitReference(teacher.params, teacher.config);
    const studentRef = cnnReference(space, studentWeights.store.flatten(), smallestConfig(space));
    studentWeights.dispose();
    try {
      checkTeaches(withTeacher, plain, smallestConfig(space), teacherRef, studentRef, 0.2);
    } finally {
      [withTeacher, plain, teacherRef, studentRef].forEach((d) => d.dispose());
    }
    assert.equal(tf.memory().numTensors, tensorsBefore, 'dispose frees the student and its SuperTransformer teacher');
    assert.throws(() => new SupernetReplica({ space, seed: 3, hyper: cnnHyper, teacher: { ...teacher, params: new Float32Array(5) } }), /the teacher holds 5 weights but a SuperTransformer of its space 'tiny-vit' has \d+: give the weights of that space/);
  });

  it("hard distillation (DeiT): the label loss averaged with the cross-entropy to the teacher's argmax", async () => {
    const soft = resnetTeacher(4);
    const hard: FrozenTeacher = { ...soft, mode: 'hard' };
    const n = 16;
    const { x, y } = batch(n);
    const withTeacher = await createReplica({ space: vit, seed: 1, hyper: vitHyper, teacher: hard });
    const plain = await createReplica({ space: vit, seed: 1, hyper: vitHyper });
    const teacherRef = cnnReference(soft.space, soft.params, soft.config);
    const studentRef = vitReference(superTransformerWeights(vit, 1), student);
    const xt = tf.tensor4d(x, [n, 28, 28, 1]) as Tensor4D;
    try {
      const id = withTeacher.teacher!.id;
      assert.equal(withTeacher.teacher!.mode, 'hard');
      const softReplica = await createReplica({ space: vit, seed: 1, hyper: vitHyper, teacher: soft });
      assert.notEqual(softReplica.teacher!.id, id, 'the mode is part of the teacher: a replica of the other mode is refused');
      softReplica.dispose();
      const labels = plain.computeGradients({ x, y, n, configs: [student], distill: false });
      const distilled = withTeacher.computeGradients({ x, y, n, configs: [student], distill: true, frozenTeacher: false, teacherNet: id });
      const toArgmax = tf.tidy(() => {
        const argmax = tf.oneHot(tf.argMax(teacherRef.logits(xt), 1), 10);
        return tf.losses.softmaxCrossEntropy(argmax, studentRef.logits(xt), undefined, vitHyper.labelSmoothing).dataSync()[0];
      });
      const expected = (labels.loss + toArgmax) / 2;
      assert.ok(Math.abs(distilled.loss - expected) < 1e-5, `hard loss ${distilled.loss}, expected (${labels.loss} + ${toArgmax}) / 2`);
      assert.ok(Math.abs(toArgmax - labels.loss) > 1e-3, "the fixture's teacher should label the batch otherwise than the labels");
    } finally {
      xt.dispose();
      [withTeacher, plain, teacherRef, studentRef].forEach((d) => d.dispose());
    }
  });

  it('resumes a SubTransformer distilling from a CNN to exactly the uninterrupted weights; an old teacher record without a kind is the student\'s kind', async () => {
    const dir = tempDir('hwnas-cross-teacher-');
    const net = transformerTrainingNet(vit);
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch, 8 in all
    const phase: PhaseSpec<TransformerConfig> = { name: 'finetune', epochs: 2, lr: kTransformerRecipe.finetuneLr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: student };
    const options: TrainOptions<TransformerConfig> = { batchSize: 16, checkpointEvery: 2, evalImages: 0, phases: [phase], hyper: vitHyper };
    const init = { params: superTransformerWeights(vit, 0), from: 'vit.ckpt' };

    /** Trains straight through, and paused after 3 steps then resumed (after `edit` of the paused checkpoint); returns both weights. */
    const straightAndResumed = async (teacher: TeacherSource, name: string, edit: (path: string) => void = () => undefined) => {
      const straight = new SupernetTrainer(net, data, join(dir, `${name}-a.ckpt`), options, teacher);
      const engineA = await createEngine<TransformerConfig>(straight.replicaInit(), 1, undefined, straight.replicaModule);
      await straight.run(engineA, false, {}, init);
      const [a] = await engineA.getState();
      await engineA.close();
      const path = join(dir, `${name}-b.ckpt`);
      const first = new SupernetTrainer(net, data, path, { ...options, maxStepsThisRun: 3 }, teacher);
      const engineB = await createEngine<TransformerConfig>(first.replicaInit(), 1, undefined, first.replicaModule);
      await first.run(engineB, false, {}, init);
      await engineB.close();
      const paused = loadCheckpoint<TrainMeta<unknown, unknown>>(path);
      edit(path);
      const second = new SupernetTrainer(net, data, path, options);
      const engineC = await createEngine<TransformerConfig>(second.replicaInit(true), 1, undefined, second.replicaModule);
      assert.equal((await second.run(engineC, true)).step, 8);
      const [c] = await engineC.getState();
      await engineC.close();
      return { a, c, paused };
    };

    const cnn: TeacherSource = { ...resnetTeacher(4), from: 'resnet.ckpt' };
    const { a, c, paused } = await straightAndResumed(cnn, 'cnn');
    assert.deepEqual(paused.meta.teacher, { kind: 'hwnas-supernet', space: cnn.space, config: cnn.config, from: 'resnet.ckpt', mode: 'soft' });
    assert.deepEqual(paused.arrays.teacherParams, cnn.params, "the checkpoint keeps the CNN teacher's weights exactly");
    assert.notEqual(paused.arrays.teacherParams.length, paused.arrays.params.length);
    assert.equal(maxDiff(a, c), 0, `resumed weights differ from the uninterrupted run by ${maxDiff(a, c)}`);

    // A fine-tune checkpoint written before teachers had a kind or a mode: its teacher is of the student's kind, soft.
    const own: TeacherSource = { ...vitTeacher(0), from: 'vit.ckpt' };
    const legacy = await straightAndResumed(own, 'legacy', (path) => {
      const ck = loadCheckpoint<TrainMeta<unknown, unknown>>(path);
      const { kind: _k, mode: _m, ...old } = ck.meta.teacher!;
      saveCheckpoint(path, { ...ck.meta, teacher: old }, ck.arrays);
      const kept = keptTeacher(loadCheckpoint<TrainMeta<unknown, unknown>>(path), path);
      assert.equal(kept?.kind, 'hwnas-supertransformer');
      assert.equal(kept?.mode, 'soft');
    });
    assert.equal(maxDiff(legacy.a, legacy.c), 0, `a legacy checkpoint resumed ${maxDiff(legacy.a, legacy.c)} away from the uninterrupted run`);
    assert.ok(maxDiff(a, legacy.a) > 0, 'the CNN teacher and the SubTransformer teacher taught alike');
  });
});
