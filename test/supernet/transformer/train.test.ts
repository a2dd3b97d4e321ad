import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { loadCheckpoint } from '../../../supernet/train/checkpoint.js';
import type { PhaseSpec, TrainOptions } from '../../../supernet/train/schedule.js';
import { kTransformerRecipe, transformerStepConfigs, transformerTrainingNet } from '../../../supernet/transformer/trainingNet.js';
import { largestTransformer, smallestTransformer } from '../../../space/transformer/configs.js';
import type { TransformerConfig } from '../../../space/transformer/types.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { tinyVitSpace } from '../../fixtures/vit.js';
import { tempDir } from '../../fixtures/tempDir.js';

const phases: PhaseSpec<never>[] = [
  { name: 'largest', epochs: 1, lr: 2e-3, warmupEpochs: 1, sandwich: false, randomSubnets: 0 },
  { name: 'hat', epochs: 1, lr: 1e-3, warmupEpochs: 0, sandwich: false, uniform: true, randomSubnets: 1 },
  { name: 'sandwich', epochs: 1, lr: 1e-3, warmupEpochs: 0, sandwich: true, randomSubnets: 1 },
];
/** AdamW, as `hwnas train` trains a SuperTransformer: its slots (and step count) must resume exactly too. */
const options: TrainOptions<never> = { batchSize: 16, phases, checkpointEvery: 3, evalImages: 32, calibrationImages: 16, hyper: { ...kTransformerRecipe.hyper } };

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('SuperTransformer training in the supernet trainer', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('draws the SubTransformers of a step as the phase says, the same for the same step', () => {
    const space = tinyVitSpace();
    const [largest, hat, sandwich] = phases;
    assert.deepEqual(transformerStepConfigs(space, largest, 0, 3), [largestTransformer(space)]);
    const uniform = Array.from({ length: 40 }, (_, step) => transformerStepConfigs(space, hat, 0, step));
    assert.ok(uniform.every((c) => c.length === 1));
    assert.deepEqual(uniform, Array.from({ length: 40 }, (_, step) => transformerStepConfigs(space, hat, 0, step)));
    assert.ok(new Set(uniform.map((c) => JSON.stringify(c))).size > 10, 'HAT steps draw different SubTransformers');
    const three = transformerStepConfigs(space, sandwich, 0, 5);
    assert.deepEqual(three.slice(0, 2), [largestTransformer(space), smallestTransformer(space)]);
    assert.equal(three.length, 3);
    const one: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] };
    assert.deepEqual(transformerStepConfigs(space, { ...largest, name: 'finetune', config: one }, 0, 7), [one], 'a one-config phase trains that SubTransformer alone');
    const cnn = { depths: [1], kernels: [3], expands: [3], widths: [1] } as unknown as TransformerConfig;
    assert.throws(() => transformerStepConfigs(space, { ...largest, config: cnn }, 0, 0), /phase 'largest' trains a CNN config: a SuperTransformer trains SubTransformer configs \(kind 'vit'\); give one of space 'tiny-vit'/);
  });

  it('trains largest, HAT and sandwich phases; a paused run resumes to exactly the same weights; two workers agree', async () => {
    const dir = tempDir('hwnas-vit-train-');
    const net = transformerTrainingNet(tinyVitSpace());
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch, 12 in all
    const straight = new SupernetTrainer(net, data, join(dir, 'a.ckpt'), options);
    const engineA = await createEngine<TransformerConfig>(straight.replicaInit(), 1, undefined, straight.replicaModule);
    const metaA = await straight.run(engineA, false);
    const [paramsA] = await engineA.getState();
    await engineA.close();
    assert.equal(metaA.kind, 'hwnas-supertransformer');
    assert.equal(metaA.space.name, 'tiny-vit');
    assert.equal(metaA.step, 12);
    assert.deepEqual(metaA.history.map((h) => h.phase), ['largest', 'hat', 'sandwich']);
    for (const h of metaA.history) {
      assert.ok(Number.isFinite(h.trainLoss), `epoch ${h.epoch} loss ${h.trainLoss}`);
      assert.ok(h.largest.val >= 0 && h.largest.val <= 1 && h.smallest.test >= 0 && h.smallest.test <= 1);
    }

    const path = join(dir, 'b.ckpt');
    const first = new SupernetTrainer(net, data, path, { ...options, maxStepsThisRun: 5 });
    const engineB = await createEngine<TransformerConfig>(first.replicaInit(), 1, undefined, first.replicaModule);
    assert.equal((await first.run(engineB, false)).step, 5);
    assert.equal(loadCheckpoint<{ step: number; kind: string }>(path).meta.step, 5);
    // Resumed with another engine in the same process: the weights of the uninterrupted run.
    const resumed = await new SupernetTrainer(net, data, path, { ...options, maxStepsThisRun: 4 }).run(engineB, true);
    assert.equal(resumed.step, 9);
    await engineB.close();
    const second = new SupernetTrainer(net, data, path, options);
    const engineC = await createEngine<TransformerConfig>(second.replicaInit(), 1, undefined, second.replicaModule);
    assert.equal((await second.run(engineC, true)).step, 12);
    const [paramsC] = await engineC.getState();
    await engineC.close();
    assert.equal(maxDiff(paramsA, paramsC), 0, 'resumed weights differ from the uninterrupted run');
    assert.ok(tf.memory().numTensors < 50, `tensors left: ${tf.memory().numTensors}`);

    // Two workers: no BatchNorm, so the half-batch gradients average to the whole batch's.
    const parallel = new SupernetTrainer(net, data, join(dir, 'd.ckpt'), options);
    const engineD = await createEngine<TransformerConfig>(parallel.replicaInit(), 2, undefined, parallel.replicaModule);
    await parallel.run(engineD, false);
    const [paramsD] = await engineD.getState();
    await engineD.close();
    assert.ok(maxDiff(paramsA, paramsD) < 1e-4, `two workers drifted ${maxDiff(paramsA, paramsD)} from one`);
  });

  it('refuses to resume a CNN checkpoint as a SuperTransformer, and the other way round', async () => {
    const dir = tempDir('hwnas-vit-train-');
    const data = smallFashionMnist(32, 16, 16);
    const one = { ...options, maxStepsThisRun: 1, evalImages: 0 };
    const { hyper: _adamw, ...cnnOne } = one;
    const cnn = new SupernetTrainer(microSpace(), data, join(dir, 'cnn.ckpt'), cnnOne);
    const cnnEngine = await createEngine(cnn.replicaInit(), 1);
    await cnn.run(cnnEngine, false);
    const vit = new SupernetTrainer(transformerTrainingNet(tinyVitSpace()), data, join(dir, 'cnn.ckpt'), one);
    const vitEngine = await createEngine<TransformerConfig>(vit.replicaInit(), 1, undefined, vit.replicaModule);
    await assert.rejects(vit.run(vitEngine, true), /cnn\.ckpt is not a hwnas-supertransformer training checkpoint \(kind hwnas-supernet\)/);
    const vitOwn = new SupernetTrainer(transformerTrainingNet(tinyVitSpace()), data, join(dir, 'vit.ckpt'), one);
    await vitOwn.run(vitEngine, false);
    await assert.rejects(new SupernetTrainer(microSpace(), data, join(dir, 'vit.ckpt'), cnnOne).run(cnnEngine, true), /vit\.ckpt is not a supernet training checkpoint/);
    const otherSpace = new SupernetTrainer(transformerTrainingNet(tinyVitSpace('mean')), data, join(dir, 'vit.ckpt'), one);
    await assert.rejects(otherSpace.run(vitEngine, true), /trained on search space 'tiny-vit' with a different shape/);
    await cnnEngine.close();
    await vitEngine.close();
  });

  it('the training loss falls on a small subset (largest, then one HAT epoch), the val accuracy well above chance', async () => {
    const dir = tempDir('hwnas-vit-train-');
    const data = smallFashionMnist(2048, 200, 64);
    const learn: PhaseSpec<never>[] = [
      { name: 'largest', epochs: 4, lr: 3e-3, warmupEpochs: 1, sandwich: false, randomSubnets: 0 },
      { name: 'hat', epochs: 1, lr: 1e-3, warmupEpochs: 0, sandwich: false, uniform: true, randomSubnets: 1 },
    ];
    const trainer = new SupernetTrainer(transformerTrainingNet(tinyVitSpace()), data, join(dir, 'l.ckpt'), { ...options, batchSize: 64, phases: learn, evalImages: 200 });
    const engine = await createEngine<TransformerConfig>(trainer.replicaInit(), 1, undefined, trainer.replicaModule);
    const meta = await trainer.run(engine, false);
    await engine.close();
    const losses = meta.history.map((h) => h.trainLoss);
    assert.ok(losses[3] < losses[0] - 0.3, `largest phase loss ${losses.map((l) => l.toFixed(3)).join(', ')}`);
    assert.ok(losses[4] < losses[0], `the HAT epoch's loss ${losses[4]} is above the first epoch's ${losses[0]}`);
    const last = meta.history[4];
    assert.ok(last.largest.val > 0.2 && last.smallest.val > 0.2, `val accuracy after 5 epochs of 2,048 images: largest ${last.largest.val}, smallest ${last.smallest.val} (chance 0.1)`);
  });
});
