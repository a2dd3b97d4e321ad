/**
 * `hwnas search --checkpoint <SuperTransformer> --finetune-epochs N` through the built CLI, on 3
 * classes of 16x16 images: the chosen SubTransformer is fine-tuned, the output folder holds its
 * checkpoint and the results name it, the work folder goes; `hwnas eval` takes the results as a
 * config and `hwnas verify` exports the fine-tuned weights. --pareto is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { loadDataset } from '../../supernet/data/loadDataset.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { exportTransformer } from '../../supernet/transformer/exportTransformer.js';
import { loadSuperTransformer } from '../../supernet/transformer/io.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { largestTransformer } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import type { TransformerResultFile } from '../../pipeline/transformerSearch.js';
import { writeImageFolder } from '../fixtures/imageFolder.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';
import { kVitTargets, syntheticLatency, writeVitPredictor, writeVitProfile } from '../fixtures/vitProfiles.js';
import { hwnas } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-search-finetune-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => hwnas(args, { cwd: dir, timeout: 300_000 });
const ok = (r: ReturnType<typeof hwnas>) => assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);

const space: TransformerSpace = {
  kind: 'vit', name: 'tiny-vit-shapes', input: { height: 16, width: 16, channels: 1, classes: 3 },
  patchSize: 4, embedDims: [16, 24], depths: [1, 2], heads: [1, 2], headDim: 8, mlpRatios: [1, 2], pool: 'mean',
};
const data = join(dir, 'shapes');
const checkpoint = join(dir, 'vit.ckpt');
const predictor = join(dir, 'acc.json');
const profile = join(dir, 'ort-cpu-1.json');

describe('hwnas search --checkpoint <SuperTransformer> --finetune-epochs', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await writeImageFolder(data, { classes: 3, perClass: 16, side: 16 });
    const d = await loadDataset(data, { input: space.input });
    writeSuperTransformerCheckpoint(checkpoint, space, 0, {
      batchSize: 8,
      data: { name: d.name, format: d.format, input: { ...d.input }, classNames: [...d.classNames], normalization: d.normalization },
    });
    await writeVitPredictor(predictor, space);
    writeVitProfile(profile, space, kVitTargets['ort-cpu:1']);
  });

  it('fine-tunes the chosen SubTransformer into the output folder; eval and verify take the results', () => {
    const out = join(dir, 'search');
    const budget = 0.75 * syntheticLatency(space, largestTransformer(space), kVitTargets['ort-cpu:1']);
    const searched = run('search', '--checkpoint', checkpoint, '--predictor', predictor, '--target', 'ort-cpu:1', '--profile', `ort-cpu:1=${profile}`,
      '--max-latency', `${budget}ms`, '--generations', '2', '--population', '8', '--finetune-epochs', '1', '--workers', '1', '--data', data, '--out', out);
    ok(searched);
    assert.match(searched.stdout, /fine-tuned 1 epochs: val [0-9.]+% -> [0-9.]+%, test [0-9.]+% -> [0-9.]+% \(.*search\/finetune\.ckpt\)/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as TransformerResultFile;
    assert.equal(results.checkpoint, join(out, 'finetune.ckpt'));
    assert.equal(results.finetune?.from, checkpoint);
    assert.equal(results.result.mode, 'budget');
    const chosen = results.result.mode === 'budget' ? results.result.best.config : undefined;
    const meta = readCheckpointMeta<TrainMeta<TransformerSpace, TransformerConfig>>(join(out, 'finetune.ckpt'));
    assert.equal(meta.kind, 'hwnas-supertransformer');
    assert.equal(meta.step, meta.totalSteps);
    assert.deepEqual(meta.options.phases[0].config, chosen);
    assert.equal(existsSync(`${out}.finetune`), false, 'the work folder is removed once the search folder is complete');

    const evaluated = run('eval', '--checkpoint', results.checkpoint, '--config', join(out, 'results.json'), '--split', 'test', '--json', '--data', data, '--backend', 'wasm');
    ok(evaluated);
    const row = JSON.parse(evaluated.stdout.trim().split('\n').filter((l) => l.startsWith('{'))[0]) as { config: TransformerConfig; accuracy: number };
    assert.deepEqual(row.config, chosen);
    assert.equal(row.accuracy, results.finetune?.finetuned.testAccuracy, "eval of the fine-tuned checkpoint is the results' fine-tuned test accuracy");

    const verified = run('verify', join(out, 'results.json'), '--out', join(dir, 'verify'), '--data', data, '--backend', 'wasm');
    ok(verified);
    assert.match(verified.stdout, /verified 1 SubTransformer on ort-cpu:1/);
    // verify exported the fine-tuned weights: its model is byte for byte the fine-tuned checkpoint's export, not the SuperTransformer's.
    const report = JSON.parse(readFileSync(join(dir, 'verify', 'verify.json'), 'utf8')) as { rows: Array<{ onnx: string }> };
    const verifiedModel = readFileSync(join(dir, 'verify', basename(report.rows[0].onnx)));
    const exportOf = (ckpt: string, name: string): Buffer => {
      const { net } = loadSuperTransformer(ckpt);
      try {
        return readFileSync(exportTransformer(net, chosen!, join(dir, name)).path);
      } finally {
        net.dispose();
      }
    };
    assert.ok(verifiedModel.equals(exportOf(results.checkpoint, 'finetuned.onnx')), "verify's model is not the fine-tuned SubTransformer");
    assert.ok(!verifiedModel.equals(exportOf(checkpoint, 'inherited.onnx')), "verify's model is the SuperTransformer's, not the fine-tuned one");
  });

  it('refuses --finetune-epochs with --pareto before any work', () => {
    const out = join(dir, 'pareto');
    const r = run('search', '--checkpoint', checkpoint, '--predictor', predictor, '--target', 'ort-cpu:1', '--profile', `ort-cpu:1=${profile}`,
      '--pareto', '--finetune-epochs', '1', '--data', data, '--out', out);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /--finetune-epochs fine-tunes the SubTransformer a budget search chose: it does not apply to --pareto; drop one of them/);
    assert.equal(existsSync(out), false);
  });
});
