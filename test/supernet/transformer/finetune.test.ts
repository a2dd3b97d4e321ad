/**
 * Fine-tuning one SubTransformer in the supernet trainer: a one-config phase trains that
 * SubTransformer's slice of the shared weights alone (AdamW's decoupled decay included), distils
 * from a frozen teacher with weights of its own, and a paused run resumes to exactly the weights
 * of an uninterrupted one from the teacher its checkpoint keeps.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor4D } from '../../../supernet/backend/tf.js';
import { fillBatch } from '../../../supernet/data/batches.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { loadCheckpoint } from '../../../supernet/train/checkpoint.js';
import type { TeacherSource } from '../../../supernet/train/frozenTeacher.js';
import type { SandwichTask } from '../../../supernet/train/supernetReplica.js';
import type { PhaseSpec, TrainOptions } from '../../../supernet/train/schedule.js';
import type { TrainMeta } from '../../../supernet/train/trainTypes.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { createReplica } from '../../../supernet/transformer/transformerReplica.js';
import { kTransformerRecipe, transformerTrainingNet } from '../../../supernet/transformer/trainingNet.js';
import { largestTransformer, sampleTransformer, smallestTransformer } from '../../../space/transformer/configs.js';
import { transformerCost } from '../../../space/transformer/cost.js';
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import { Rng } from '../../../space/rng.js';
import { smallFashionMnist } from '../../fixtures/data.js';
import { tinyVitSpace } from '../../fixtures/vit.js';
import { superTransformerWeights } from '../../fixtures/vitCheckpoints.js';
import { frozenPredictions } from '../../fixtures/trainingCheckpoints.js';
import { tempDir } from '../../fixtures/tempDir.js';

type Meta = TrainMeta<TransformerSpace, TransformerConfig>;

const space = tinyVitSpace();
/** Neither the largest nor the smallest: narrow, both layers, mixed heads and ratios. */
const cfg: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] };
const phase: PhaseSpec<TransformerConfig> = { name: 'finetune', epochs: 2, lr: kTransformerRecipe.finetuneLr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: cfg };
const options: TrainOptions<TransformerConfig> = { batchSize: 16, checkpointEvery: 2, evalImages: 32, calibrationImages: 16, phases: [phase], hyper: { ...kTransformerRecipe.hyper } };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function readMask(c: TransformerConfig): Uint8Array {
  const net = new SuperTransformer(space, 0);
  try {
    return net.readMask(c);
  } finally {
    net.dispose();
  }
}

/** Largest change of `after` against `before` where `mask` is `value`. */
function changed(before: Float32Array, after: Float32Array, mask: Uint8Array, value: 0 | 1): number {
  let d = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) d = Math.max(d, Math.abs(after[i] - before[i]));
  return d;
}

function batch(n: number): { x: Float32Array; y: Int32Array } {
  const data = smallFashionMnist(n);
  const x = new Float32Array(n * 28 * 28);
  fillBatch(data.train, Int32Array.from({ length: n }, (_, i) => i), x, { augment: false });
  return { x, y: Int32Array.from(data.train.labels.subarray(0, n)) };
}

describe('fine-tuning one SubTransformer', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("marks exactly the weights a SubTransformer reads: its parameter count, and where its gradient can be non-zero", async () => {
    const rng = new Rng(3);
    for (const c of [largestTransformer(space), smallestTransformer(space), cfg, sampleTransformer(space, rng), sampleTransformer(space, rng)]) {
      const ones = readMask(c).reduce((s, v) => s + v, 0);
      assert.equal(ones, transformerCost(space, c).params, `${JSON.stringify(c)}`);
    }
    const { x, y } = batch(8);
    const replica = await createReplica({ space, seed: 1, hyper: { ...kTransformerRecipe.hyper } });
    try {
      const { grads } = replica.computeGradients({ x, y, n: 8, configs: [cfg], distill: false });
      const mask = readMask(cfg);
      let outside = 0;
      let inside = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0 && grads[i] !== 0) outside++;
        if (mask[i] === 1 && grads[i] !== 0) inside++;
      }
      assert.equal(outside, 0, 'a gradient outside the mask');
      assert.ok(inside > 0.9 * transformerCost(space, cfg).params, `only ${inside} non-zero gradients inside the mask`);
    } finally {
      replica.dispose();
    }
  });

  it("keeps a frozen teacher's predictions while the student trains, where the shared largest drifts", async () => {
    const n = 16;
    const { x, y } = batch(n);
    const params = superTransformerWeights(space, 0);
    const largest = largestTransformer(space);
    const replica = await createReplica({ space, seed: 0, hyper: { ...kTransformerRecipe.hyper }, teacher: { kind: 'hwnas-supertransformer', space, params: params.slice(), config: largest } });
    const xt = tf.tensor4d(x, [n, 28, 28, 1]) as Tensor4D;
    try {
      const id = replica.teacher!.id;
      const frozen = (): Float32Array => frozenPredictions(replica, xt, id);
      const shared = (): Float32Array => tf.tidy(() => tf.softmax(replica.net.forward(largest, xt, { kind: 'train' })).dataSync().slice() as Float32Array);
      const frozen0 = frozen();
      assert.ok(maxDiff(frozen0, shared()) < 1e-6, 'before training, the frozen copy predicts as the shared largest');
      const task: SandwichTask<TransformerConfig> = { x, y, n, configs: [cfg], distill: true, frozenTeacher: false, teacherNet: id };
      for (let step = 0; step < 3; step++) {
        const r = replica.computeGradients(task);
        assert.ok(Number.isFinite(r.loss));
        replica.applyGradients(r.grads, 1e-3);
      }
      assert.equal(maxDiff(frozen(), frozen0), 0, "the frozen teacher's predictions changed while the student trained");
      assert.ok(maxDiff(shared(), frozen0) > 1e-4, `the shared largest should drift as the student trains (moved ${maxDiff(shared(), frozen0)})`);
    } finally {
      xt.dispose();
      replica.dispose();
    }
  });

  it('trains that SubTransformer alone, from the frozen teacher its checkpoint keeps; a paused run resumes exactly; two workers agree', async () => {
    const dir = tempDir('hwnas-vit-finetune-');
    const net = transformerTrainingNet(space);
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch, 8 in all
    const init = { params: superTransformerWeights(space, 0), from: 'super.ckpt' };
    const initCopy = init.params.slice();
    const teacher: TeacherSource = { kind: 'hwnas-supertransformer', space, params: init.params.slice(), config: largestTransformer(space), from: 'super.ckpt' };
    const mask = readMask(cfg);

    const straight = new SupernetTrainer(net, data, join(dir, 'a.ckpt'), options, teacher);
    const engineA = await createEngine<TransformerConfig>(straight.replicaInit(), 1, undefined, straight.replicaModule);
    const metaA = await straight.run(engineA, false, {}, init);
    const [paramsA] = await engineA.getState();
    await engineA.close();
    assert.equal(metaA.kind, 'hwnas-supertransformer');
    assert.equal(metaA.step, 8);
    assert.equal(changed(initCopy, paramsA, mask, 0), 0, "weights the SubTransformer does not read changed (AdamW's decay must spare them)");
    assert.ok(changed(initCopy, paramsA, mask, 1) > 1e-4, "the SubTransformer's weights did not train");
    assert.deepEqual(init.params, initCopy, 'the initial weights were written to');
    for (const h of metaA.history) {
      assert.ok(h.trained !== undefined && h.trained.val >= 0 && h.trained.val <= 1 && h.trained.test >= 0 && h.trained.test <= 1, JSON.stringify(h));
      assert.ok(Number.isNaN(h.largest.val), 'a one-config phase reports the trained config, not the largest');
    }

    const path = join(dir, 'b.ckpt');
    const first = new SupernetTrainer(net, data, path, { ...options, maxStepsThisRun: 3 }, teacher);
    const engineB = await createEngine<TransformerConfig>(first.replicaInit(), 1, undefined, first.replicaModule);
    await first.run(engineB, false, {}, init);
    await engineB.close();
    const paused = loadCheckpoint<Meta>(path);
    assert.equal(paused.meta.step, 3);
    assert.deepEqual(paused.meta.teacher, { kind: 'hwnas-supertransformer', space, config: largestTransformer(space), from: 'super.ckpt', mode: 'soft' });
    assert.deepEqual(paused.arrays.teacherParams, initCopy, "the checkpoint keeps the teacher's weights exactly");
    assert.deepEqual(paused.meta.options.phases[0].config, cfg);

    // Resumed without naming a teacher: the checkpoint supplies it (and the one config, for the decay).
    const second = new SupernetTrainer(net, data, path, options);
    const engineC = await createEngine<TransformerConfig>(second.replicaInit(true), 1, undefined, second.replicaModule);
    assert.equal((await second.run(engineC, true)).step, 8);
    const [paramsC] = await engineC.getState();
    await engineC.close();
    assert.equal(maxDiff(paramsA, paramsC), 0, `resumed weights differ from the uninterrupted run by ${maxDiff(paramsA, paramsC)}`);
    assert.deepEqual(loadCheckpoint<Meta>(path).arrays.teacherParams, initCopy);
    assert.deepEqual(teacher.params, initCopy, "training never wrote to the teacher's weights");

    // Two workers: the same weights (no BatchNorm), the same untouched rest.
    const parallel = new SupernetTrainer(net, data, join(dir, 'd.ckpt'), options, teacher);
    const engineD = await createEngine<TransformerConfig>(parallel.replicaInit(), 2, undefined, parallel.replicaModule);
    await parallel.run(engineD, false, {}, init);
    const [paramsD] = await engineD.getState();
    await engineD.close();
    assert.ok(maxDiff(paramsA, paramsD) < 1e-4, `two workers drifted ${maxDiff(paramsA, paramsD)} from one`);
    assert.equal(changed(initCopy, paramsD, mask, 0), 0, 'a worker changed weights the SubTransformer does not read');

    // The teacher matters: labels alone end elsewhere, and keep no teacher.
    const plain = new SupernetTrainer(net, data, join(dir, 'e.ckpt'), options);
    const engineE = await createEngine<TransformerConfig>(plain.replicaInit(), 1, undefined, plain.replicaModule);
    await plain.run(engineE, false, {}, init);
    const [paramsE] = await engineE.getState();
    await engineE.close();
    assert.ok(maxDiff(paramsA, paramsE) > 0, 'distilling from the teacher changed nothing');
    assert.deepEqual(Object.keys(loadCheckpoint<Meta>(join(dir, 'e.ckpt')).arrays), ['params', 'velocity']);
  });
});
