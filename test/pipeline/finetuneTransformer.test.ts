/**
 * `hwnas search --checkpoint <SuperTransformer> --finetune-epochs N` as a job: the budget
 * search's chosen SubTransformer fine-tuned in the work folder, its checkpoint copied into the
 * output folder and named by the rewritten results, with the inherited and fine-tuned accuracies;
 * a finished run is not trained again, a run of another SubTransformer is replaced.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../../supernet/backend/backend.js';
import { loadCheckpoint, readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { loadSuperTransformer } from '../../supernet/transformer/io.js';
import { evaluateTransformer } from '../../supernet/transformer/evaluate.js';
import { kTransformerRecipe } from '../../supernet/transformer/trainingNet.js';
import { largestTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { finetuneTransformerResult } from '../../pipeline/finetuneTransformer.js';
import { kSilentReporter } from '../../pipeline/progress.js';
import { finetuneWorkDir } from '../../pipeline/searchFinetune.js';
import { kTransformerResultFormat, readTransformerResult, type TransformerResultFile } from '../../pipeline/transformerSearch.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';
import { tempDir } from '../fixtures/tempDir.js';

type Meta = TrainMeta<TransformerSpace, TransformerConfig>;

const space = tinyVitSpace();
const chosen: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] };

function results(checkpoint: string, config: TransformerConfig): TransformerResultFile {
  const best = { config, accuracy: 0.5, latency: 0.1 };
  return {
    format: kTransformerResultFormat, version: 1, checkpoint, predictor: '/p.json', profile: '/profile.json', latencyKind: 'table', space,
    result: { mode: 'budget', maxLatency: 0.2, best, front: [best], target: 'ort-cpu:1', unit: 'ms', seed: 0, generations: 1, scored: 1, history: [] },
  };
}

describe('fine-tuning the SubTransformer a budget search chose', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('trains it in the work folder, copies the checkpoint into the output and names it in the results; resumes, replaces a run of another', async () => {
    const root = tempDir('hwnas-vit-search-ft-');
    const checkpoint = join(root, 'vit.ckpt');
    const superParams = writeSuperTransformerCheckpoint(checkpoint, space, 0);
    const out = join(root, 'search');
    const build = join(root, 'build');
    mkdirSync(build);
    const data = smallFashionMnist(256, 64, 64); // batch 128: 2 steps per epoch
    const job = { epochs: 1, seed: 0, workers: 1, reporter: kSilentReporter, data };

    const tuned = await finetuneTransformerResult(results(checkpoint, chosen), build, out, job);
    assert.equal(tuned.checkpoint, join(resolve(out), 'finetune.ckpt'));
    assert.deepEqual(readTransformerResult(join(build, 'results.json')), tuned, 'the results file in the folder is the one returned');
    const ft = loadCheckpoint<Meta>(join(build, 'finetune.ckpt'));
    assert.equal(ft.meta.kind, 'hwnas-supertransformer');
    assert.equal(ft.meta.step, ft.meta.totalSteps);
    assert.equal(ft.meta.initFrom, checkpoint);
    assert.deepEqual(ft.meta.options.phases[0].config, chosen);
    assert.equal(ft.meta.options.phases[0].lr, kTransformerRecipe.finetuneLr);
    assert.deepEqual(ft.meta.teacher?.config, largestTransformer(space));
    assert.deepEqual(ft.arrays.teacherParams, superParams);
    const { finetune } = tuned;
    assert.ok(finetune !== undefined);
    assert.equal(finetune.epochs, 1);
    assert.equal(finetune.from, checkpoint);
    for (const a of [finetune.inherited.valAccuracy, finetune.inherited.testAccuracy, finetune.finetuned.valAccuracy, finetune.finetuned.testAccuracy]) assert.ok(a >= 0 && a <= 1);
    // The figures are those of the checkpoints: the SuperTransformer's, and the fine-tuned copy.
    for (const [path, figures] of [[checkpoint, finetune.inherited], [join(build, 'finetune.ckpt'), finetune.finetuned]] as const) {
      const { net } = loadSuperTransformer(path);
      try {
        assert.equal(evaluateTransformer(net, chosen, data.test).accuracy, figures.testAccuracy, path);
      } finally {
        net.dispose();
      }
    }

    // A finished run in the work folder is not trained again; a run of another SubTransformer is replaced.
    const work = join(finetuneWorkDir(out), 'finetune.ckpt');
    const before = readFileSync(work);
    await finetuneTransformerResult(results(checkpoint, chosen), build, out, job);
    assert.deepEqual(readFileSync(work), before, 'the finished fine-tune was trained again');
    const other = await finetuneTransformerResult(results(checkpoint, smallestTransformer(space)), build, out, job);
    assert.deepEqual(readCheckpointMeta<Meta>(work).options.phases[0].config, smallestTransformer(space));
    assert.deepEqual(readCheckpointMeta<Meta>(join(build, 'finetune.ckpt')).options.phases[0].config, smallestTransformer(space));
    assert.deepEqual(other.result.mode === 'budget' ? other.result.best.config : undefined, smallestTransformer(space));
    assert.ok(existsSync(work));

    const pareto = { ...results(checkpoint, chosen), result: { ...results(checkpoint, chosen).result, mode: 'pareto' as const, maxLatency: null } };
    await assert.rejects(finetuneTransformerResult(pareto, build, out, job), /--finetune-epochs fine-tunes the SubTransformer a budget search chose: it does not apply to --pareto/);
  });
});
