import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import { kDefaultTrainOptions, learningRate, stepConfigs, validateTrainOptions, type PhaseSpec, type TrainOptions } from '../../../supernet/train/schedule.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { largestConfig, smallestConfig } from '../../../space/searchSpace.js';
import { subnetPlan } from '../../../space/plan.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { loadCheckpoint } from '../../../supernet/train/checkpoint.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { tempDir } from '../../fixtures/tempDir.js';

const phases: PhaseSpec[] = [
  { name: 'largest', epochs: 1, lr: 0.1, warmupEpochs: 1, sandwich: false, randomSubnets: 0 },
  { name: 'sandwich', epochs: 1, lr: 0.05, warmupEpochs: 0, sandwich: true, randomSubnets: 1, sortChannels: true },
];
const options: TrainOptions = { batchSize: 16, phases, checkpointEvery: 2, evalImages: 32, calibrationImages: 64 };

describe('SupernetTrainer', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('resumes a paused run to exactly the weights of an uninterrupted run, at its own hyper-parameters', async () => {
    const dir = tempDir('hwnas-train-');
    const space = microSpace();
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch, 8 in all
    const straight = new SupernetTrainer(space, data, join(dir, 'a.ckpt'), options);
    const engineA = await createEngine(straight.replicaInit(), 1);
    const metaA = await straight.run(engineA, false);
    const [paramsA] = await engineA.getState();
    await engineA.close();
    assert.equal(metaA.step, 8);
    assert.equal(metaA.history.length, 2);
    assert.deepEqual(metaA.history.map((h) => h.phase), ['largest', 'sandwich']);
    for (const h of metaA.history) assert.ok(h.largest.val >= 0 && h.largest.val <= 1 && Number.isFinite(h.trainLoss));

    const path = join(dir, 'b.ckpt');
    const path2 = join(dir, 'b2.ckpt');
    const first = new SupernetTrainer(space, data, path, { ...options, maxStepsThisRun: 5 });
    const engineB = await createEngine(first.replicaInit(), 1);
    assert.equal((await first.run(engineB, false)).step, 5);
    await engineB.close();
    assert.equal(loadCheckpoint<{ step: number }>(path).meta.step, 5);
    copyFileSync(path, path2);

    // Resumed by a trainer given another weight decay: the run goes on with its checkpoint's.
    const second = new SupernetTrainer(space, data, path, { ...options, hyper: { ...kDefaultTrainOptions.hyper, weightDecay: 0.05 } });
    const engineC = await createEngine(second.replicaInit(true), 1);
    const metaC = await second.run(engineC, true);
    const [paramsC] = await engineC.getState();
    await engineC.close();
    assert.equal(metaC.step, 8);
    assert.equal(metaC.history.length, 2);
    let maxDiff = 0;
    for (let i = 0; i < paramsA.length; i++) maxDiff = Math.max(maxDiff, Math.abs(paramsA[i] - paramsC[i]));
    assert.equal(maxDiff, 0, `resumed weights differ from the uninterrupted run by ${maxDiff}`);
    assert.ok(tf.memory().numTensors < 50, `tensors left: ${tf.memory().numTensors}`);

    // Two data-parallel workers continue the same checkpoint (batch statistics per half-batch,
    // so the weights are close to, not equal to, the one-worker run).
    const parallel = new SupernetTrainer(space, data, path2, options);
    const engineD = await createEngine(parallel.replicaInit(), 2);
    const metaD = await parallel.run(engineD, true);
    const [paramsD] = await engineD.getState();
    await engineD.close();
    assert.equal(metaD.step, 8);
    let dist = 0;
    let norm = 0;
    for (let i = 0; i < paramsA.length; i++) {
      dist += (paramsA[i] - paramsD[i]) ** 2;
      norm += paramsA[i] ** 2;
    }
    assert.ok(Math.sqrt(dist / norm) < 0.05, `two-worker run drifted ${Math.sqrt(dist / norm)} (relative L2) from the one-worker run`);
  });

  it('extends a finished checkpoint by a further phase, and only a finished one', async () => {
    const dir = tempDir('hwnas-train-');
    const space = microSpace();
    const data = smallFashionMnist(64, 32, 32);
    const path = join(dir, 'e.ckpt');
    const paused = new SupernetTrainer(space, data, path, { ...options, maxStepsThisRun: 5 });
    const engine = await createEngine(paused.replicaInit(), 1);
    await paused.run(engine, false);
    const extra: PhaseSpec = { name: 'sandwich+1', epochs: 1, lr: 0.02, warmupEpochs: 0.25, sandwich: true, randomSubnets: 1, sortChannels: false };
    assert.throws(() => paused.extendCheckpoint(extra), /e\.ckpt: it is at step 5 of 8; finish it with --resume first/);
    const trainer = new SupernetTrainer(space, data, path, options);
    await trainer.run(engine, true);
    const before = loadCheckpoint<{ step: number }>(path);
    const extended = trainer.extendCheckpoint(extra);
    assert.equal(extended.step, 8);
    assert.equal(extended.totalSteps, 12);
    assert.equal(trainer.plannedSteps(true), 12);
    const after = loadCheckpoint<{ step: number }>(path);
    assert.deepEqual(after.arrays.params, before.arrays.params, 'weights unchanged by the extension');
    const meta = await trainer.run(engine, true);
    await engine.close();
    assert.equal(meta.step, 12);
    assert.deepEqual(meta.history.map((h) => h.phase), ['largest', 'sandwich', 'sandwich+1']);
    assert.ok(Math.abs(learningRate(meta.options.phases, 4, 8) - 0.02 / 1) < 1e-12, 'warm-up of a quarter epoch = 1 step');
    assert.throws(() => trainer.extendCheckpoint({ ...extra, lr: -1 }), /phases\[3\]\.lr must be positive/);
  });

  it('re-plans the unfinished phases of a paused run, and refuses to change an ended one', async () => {
    const dir = tempDir('hwnas-train-');
    const space = microSpace();
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch
    const path = join(dir, 'r.ckpt');
    const paused = new SupernetTrainer(space, data, path, { ...options, maxStepsThisRun: 2 });
    const engine = await createEngine(paused.replicaInit(), 1);
    await paused.run(engine, false);
    const before = loadCheckpoint<{ step: number }>(path);
    assert.equal(paused.replanCheckpoint(phases), undefined, 'the same plan changes nothing');
    const longer = [{ ...phases[0], epochs: 2 }, { ...phases[1], epochs: 3, lr: 0.02, randomSubnets: 0 }];
    const meta = paused.replanCheckpoint(longer)!;
    assert.equal(meta.step, 2);
    assert.equal(meta.totalSteps, 20);
    assert.deepEqual(meta.options.phases.map((p) => [p.epochs, p.lr, p.randomSubnets]), [[2, 0.1, 0], [3, 0.02, 0]]);
    assert.deepEqual(loadCheckpoint(path).arrays.params, before.arrays.params, 'weights unchanged by the new plan');
    assert.throws(() => paused.replanCheckpoint([phases[0]]), /planned with phases largest, sandwich.*not which phases there are/);

    // Past the first phase: it can no longer change, the sandwich can.
    const resumed = new SupernetTrainer(space, data, path, { ...options, phases: longer, maxStepsThisRun: 8 });
    assert.equal((await resumed.run(engine, true)).step, 10);
    assert.throws(() => resumed.replanCheckpoint([phases[0], longer[1]]), /phase 'largest' of .*r\.ckpt has ended \(step 10\).*--extend-epochs.*hwnas finetune --checkpoint/);
    assert.throws(() => resumed.replanCheckpoint([longer[0], { ...longer[1], epochs: 0 }]), /has trained 1 epoch\(s\) already/);
    const shorter = resumed.replanCheckpoint([longer[0], { ...longer[1], epochs: 1 }])!;
    assert.equal(shorter.totalSteps, 12);
    const done = await new SupernetTrainer(space, data, path, options).run(engine, true);
    await engine.close();
    assert.equal(done.step, 12);
    assert.deepEqual(done.history.map((h) => h.phase), ['largest', 'largest', 'sandwich']);
  });

  it('averages the weights of the last epochs of a phase (SWA), and a resumed run keeps the running mean', async () => {
    const dir = tempDir('hwnas-train-');
    const space = microSpace();
    const data = smallFashionMnist(64, 32, 32); // 4 steps per epoch
    const swa: TrainOptions = {
      ...options,
      phases: [phases[0], { ...phases[1], epochs: 2, schedule: 'constant', averageEpochs: 1 }],
    };
    assert.equal(learningRate(swa.phases!, 4, 6), 0.05, 'constant schedule holds the peak');
    const straight = new SupernetTrainer(space, data, join(dir, 'a.ckpt'), swa);
    const engineA = await createEngine(straight.replicaInit(), 1);
    const metaA = await straight.run(engineA, false);
    const [paramsA] = await engineA.getState();
    await engineA.close();
    assert.equal(metaA.step, 12);
    assert.equal(metaA.averaged, 0);

    // One step per run: the checkpoint shows the weights after each step and the running mean.
    const path = join(dir, 'b.ckpt');
    const seen: Float32Array[] = [];
    for (let step = 1; step <= 12; step++) {
      const trainer = new SupernetTrainer(space, data, path, { ...swa, maxStepsThisRun: 1 });
      const engine = await createEngine(trainer.replicaInit(), 1);
      const meta = await trainer.run(engine, step > 1);
      await engine.close();
      const ck = loadCheckpoint<{ averaged?: number }>(path);
      if (step >= 9 && step < 12) {
        seen.push(ck.arrays.params);
        assert.equal(meta.averaged, step - 8);
        const mean = ck.arrays.average;
        assert.ok(mean, `step ${step}: the checkpoint holds the running mean`);
        let maxDiff = 0;
        for (let i = 0; i < mean.length; i++) {
          const expect = seen.reduce((s, p) => s + p[i], 0) / seen.length;
          maxDiff = Math.max(maxDiff, Math.abs(mean[i] - expect));
        }
        assert.ok(maxDiff < 1e-6, `step ${step}: running mean off by ${maxDiff}`);
      } else {
        assert.equal(ck.arrays.average, undefined, `step ${step}: no running mean outside the window`);
      }
    }
    const final = loadCheckpoint<{ averaged?: number }>(path).arrays.params;
    let maxDiff = 0;
    for (let i = 0; i < paramsA.length; i++) maxDiff = Math.max(maxDiff, Math.abs(paramsA[i] - final[i]));
    assert.equal(maxDiff, 0, `resumed averaged weights differ from the uninterrupted run by ${maxDiff}`);
    let moved = 0;
    for (let i = 0; i < final.length; i++) moved = Math.max(moved, Math.abs(final[i] - seen[2][i]));
    assert.ok(moved > 0, 'the phase ends with the mean, not the last weights');
    assert.throws(
      () => new SupernetTrainer(space, data, path, { ...swa, phases: [{ ...phases[1], averageEpochs: 2 }] }),
      /phases\[0\]\.averageEpochs must be an integer in \[0, 1\] \(got 2\)/,
    );
  });

  it('refuses a truncated or corrupt checkpoint with a clear error', async () => {
    const dir = tempDir('hwnas-train-');
    const path = join(dir, 'c.ckpt');
    const trainer = new SupernetTrainer(microSpace(), smallFashionMnist(32), path, { ...options, maxStepsThisRun: 1, calibrationImages: 16 });
    const engine = await createEngine(trainer.replicaInit(), 1);
    await trainer.run(engine, false);
    const bytes = readFileSync(path);
    truncateSync(path, statSync(path).size - 100);
    await assert.rejects(trainer.run(engine, true), /checkpoint .*c\.ckpt is truncated \(\d+ of \d+ data bytes\)/);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(path, bytes);
    await assert.rejects(trainer.run(engine, true), /corrupt \(checksum mismatch\)/);
    writeFileSync(path, 'not a checkpoint');
    await assert.rejects(trainer.run(engine, true), /not an hwnas checkpoint/);
    await engine.close();
  });

  it('will not overwrite an existing checkpoint without --resume, nor resume a missing one', async () => {
    const dir = tempDir('hwnas-train-');
    const path = join(dir, 'd.ckpt');
    writeFileSync(path, 'x');
    const trainer = new SupernetTrainer(microSpace(), smallFashionMnist(32), path, options);
    const engine = await createEngine(trainer.replicaInit(), 1);
    await assert.rejects(trainer.run(engine, false), /exists: pass --resume/);
    const missing = new SupernetTrainer(microSpace(), smallFashionMnist(32), join(dir, 'none.ckpt'), options);
    await assert.rejects(missing.run(engine, true), /no checkpoint at/);
    await engine.close();
  });

  it('schedules warm-up then cosine decay per phase, and seeds the sandwich per step', () => {
    assert.ok(Math.abs(learningRate(phases, 10, 0) - 0.01) < 1e-12);
    assert.ok(Math.abs(learningRate(phases, 10, 9) - 0.1) < 1e-12);
    assert.ok(Math.abs(learningRate(phases, 10, 10) - 0.05) < 1e-12);
    assert.ok(learningRate(phases, 10, 19) < 0.002);
    const space = microSpace();
    const a = stepConfigs(space, phases[1], 3, 17);
    assert.equal(a.length, 3);
    assert.deepEqual(a, stepConfigs(space, phases[1], 3, 17));
    assert.equal(stepConfigs(space, phases[0], 3, 17).length, 1);
  });

  it('rejects bad options naming the option', () => {
    assert.throws(() => new SupernetTrainer(microSpace(), smallFashionMnist(32), 'x', { batchSize: 1 }), /options.batchSize must be an integer >= 2 \(got 1\)/);
    assert.throws(() => new SupernetTrainer(microSpace(), smallFashionMnist(32), 'x', { phases: [] }), /at least one phase/);
  });
});

describe('one-config phases (standalone training, fine-tuning)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('trains only the given config (and runs a frozen teacher before it), drawn the same at every step', () => {
    const space = microSpace();
    const config = smallestConfig(space);
    const teacher = largestConfig(space);
    const phase: PhaseSpec = { name: 'finetune', epochs: 1, lr: 0.01, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config, teacher };
    assert.deepEqual(stepConfigs(space, phase, 0, 3), [teacher, config]);
    assert.deepEqual(stepConfigs(space, { ...phase, teacher: undefined }, 0, 7), [config]);
    assert.throws(() => validateTrainOptions({ phases: [{ ...phase, sandwich: true }] }), /trains one config \(config\) and the sandwich at once/);
    assert.throws(() => validateTrainOptions({ phases: [{ ...phase, config: undefined }] }), /teacher needs options\.phases\[0\]\.config/);
  });

  it('fine-tunes from given weights: the teacher gets no gradient, the config improves, epochs report the config', async () => {
    const dir = tempDir('hwnas-train-');
    const space = microSpace();
    const data = smallFashionMnist(64, 32, 32);
    const config = smallestConfig(space);
    const teacher = largestConfig(space);
    const base = new SupernetTrainer(space, data, join(dir, 'base.ckpt'), options);
    const engineA = await createEngine(base.replicaInit(), 1);
    await base.run(engineA, false);
    const [init] = await engineA.getState();
    await engineA.close();

    const finetune: TrainOptions = {
      ...options, phases: [{ name: 'finetune', epochs: 2, lr: 0.05, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config, teacher }],
    };
    const ft = new SupernetTrainer(space, data, join(dir, 'ft.ckpt'), finetune);
    const engineB = await createEngine(ft.replicaInit(), 1);
    const meta = await ft.run(engineB, false, {}, { params: init, from: 'base.ckpt' });
    const [after] = await engineB.getState();
    await engineB.close();
    assert.equal(meta.initFrom, 'base.ckpt');
    assert.equal(meta.history.length, 2);
    for (const h of meta.history) {
      assert.ok(h.trained !== undefined && h.trained.val >= 0 && h.trained.val <= 1);
      assert.ok(Number.isNaN(h.largest.val), 'a one-config phase does not evaluate the largest subnet');
    }
    // Channels only the teacher runs (block 0's middle channels past the config's) receive no
    // gradient; BatchNorm has no weight decay, so they stay exactly as initialised.
    const net = new Supernet(space, 0);
    const beta = net.store.params.find((p) => p.name === 'blocks.0.bn1.beta')!;
    net.dispose();
    const midC = subnetPlan(space, config).blocks[0].midC;
    assert.ok(midC < beta.size, 'the config must leave teacher-only channels for this check');
    for (let c = midC; c < beta.size; c++) assert.equal(after[beta.offset + c], init[beta.offset + c], `teacher-only channel ${c} changed`);
    let changed = 0;
    for (let c = 0; c < midC; c++) if (after[beta.offset + c] !== init[beta.offset + c]) changed++;
    assert.ok(changed > 0, "fine-tuning changed none of the config's own channels");

    const shape = new SupernetTrainer(microSpace(), data, join(dir, 'bad.ckpt'), finetune);
    const engineC = await createEngine(shape.replicaInit(), 1);
    await assert.rejects(shape.run(engineC, false, {}, { params: init.subarray(1), from: 'other.ckpt' }), /other\.ckpt holds \d+ weights but a supernet of space/);
    await engineC.close();
  });
});
