import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { loadCompressible } from '../../compress/network.js';
import { finetunePolicy } from '../../pipeline/compressFinetune.js';
import { kFinetuneRecipe } from '../../pipeline/finetuneSubnet.js';
import { kSilentReporter } from '../../pipeline/progress.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import { createEngine } from '../../supernet/train/engines.js';
import { SupernetTrainer } from '../../supernet/train/SupernetTrainer.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';
import { writeStandaloneCheckpoint } from '../fixtures/trainingCheckpoints.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-compress-finetune-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initBackend({ backend: 'wasm' });
});

const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('finetunePolicy', () => {
  it('distils from a frozen copy of the uncompressed network, resumes from the teacher it keeps, and skips a finished run', async () => {
    const path = join(dir, 'net.ckpt');
    writeStandaloneCheckpoint(path, hybridMicroSpace(), kHybridCases[0].config, 3);
    const network = loadCompressible(path);
    try {
      const data = smallFashionMnist(256, 64, 64); // batch 128: 2 steps an epoch
      const calibration = calibrationSet(data.train, 64);
      const { policies } = network;
      const cfg = policies.toConfig({ ...policies.identity(), keep: policies.layers.map((l) => l.keeps[0]) });
      const identity = policies.toConfig(policies.identity());
      assert.notDeepEqual(cfg, identity, 'the fixture policy must prune');
      // The teacher is the network as given, even when the student starts from other weights.
      const uncompressed = Float32Array.from(network.params);
      const student = network.params.map((v, i) => (i % 7 === 0 ? v * 0.5 : v));
      const run = (out: string) => ({ out: join(dir, out), epochs: 2, seed: 1, workers: 1, reporter: kSilentReporter, calibration });

      const straight = await finetunePolicy(network, cfg, data, run('a.ckpt'), student, uncompressed);
      const a = loadCheckpoint<TrainMeta>(join(dir, 'a.ckpt'));
      assert.equal(a.meta.step, 4);
      assert.deepEqual(a.meta.teacher, { kind: 'hwnas-supernet', space: policies.space, config: identity, from: path, mode: 'soft' });
      assert.deepEqual(a.arrays.teacherParams, uncompressed);
      assert.equal(a.meta.options.phases[0].teacher, undefined, 'no in-place teacher on the shared weights');
      assert.equal(a.meta.options.hyper.weightDecay, kFinetuneRecipe.weightDecay, "the fine-tuning recipe's weight decay, not the network's own");
      assert.ok(straight.valAccuracy >= 0 && straight.valAccuracy <= 1);

      // A run killed after one step: finetunePolicy resumes it with the teacher it keeps.
      const { wBits: _w, aBits: _a, ...float } = cfg;
      const phases = [{ name: 'finetune', epochs: 2, lr: kFinetuneRecipe.lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: float }];
      const teacher = { kind: 'hwnas-supernet' as const, space: policies.space, params: uncompressed, config: identity, from: path };
      const paused = new SupernetTrainer(policies.space, data, join(dir, 'b.ckpt'), {
        batchSize: network.meta.options.batchSize, seed: 1, evalImages: 0, hyper: { ...network.meta.options.hyper, weightDecay: kFinetuneRecipe.weightDecay }, phases, maxStepsThisRun: 1,
      }, teacher);
      const engine = await createEngine(paused.replicaInit(), 1);
      await paused.run(engine, false, {}, { params: student, from: path });
      await engine.close();
      assert.equal(loadCheckpoint<TrainMeta>(join(dir, 'b.ckpt')).meta.step, 1);
      // The resumed run does not need the teacher given again: another one here is ignored for the kept one.
      const resumed = await finetunePolicy(network, cfg, data, run('b.ckpt'), student, student);
      const b = loadCheckpoint<TrainMeta>(join(dir, 'b.ckpt'));
      assert.equal(b.meta.step, 4);
      assert.deepEqual(b.arrays.params, a.arrays.params, 'the resumed fine-tune ends with the uninterrupted weights');
      assert.deepEqual(b.arrays.teacherParams, uncompressed);
      assert.deepEqual(resumed, straight);

      // A finished run is scored again, not trained.
      const before = hash(join(dir, 'a.ckpt'));
      assert.deepEqual(await finetunePolicy(network, cfg, data, run('a.ckpt'), student, uncompressed), straight);
      assert.equal(hash(join(dir, 'a.ckpt')), before);
    } finally {
      network.net.dispose();
    }
  });
});
