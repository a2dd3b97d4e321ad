import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kFinetuneRecipe } from '../../pipeline/finetuneSubnet.js';
import { parseSearchSpace } from '../../space/schema.js';
import { loadDataset } from '../../supernet/data/loadDataset.js';
import { decodeModel } from '../../supernet/export/onnx/schema.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { fixturePath } from '../fixtures/data.js';
import { writeImageFolder } from '../fixtures/imageFolder.js';
import { hwnas } from '../fixtures/cli.js';
import { writeRandomPredictor } from '../fixtures/randomPredictor.js';

const run = (...args: string[]) => hwnas(args);

describe('your own image folder, end to end: init, train, search, export, verify', () => {
  let dir: string;
  let data: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hwnas-own-data-'));
    data = join(dir, 'shapes');
    await writeImageFolder(data, { classes: 3, perClass: 16, side: 16 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every step on 3 classes of 16x16 PNGs', () => {
    // init: a space sized for the data, derived from the default space.
    const spaceFile = join(dir, 'space.json');
    const init = run('init', '--data', data, '--out', spaceFile);
    assert.equal(init.status, 0, `init: ${init.stderr}`);
    assert.match(init.stdout, /space 'fashion-mbv3-shapes' derived from 'fashion-mbv3'/);
    assert.match(init.stdout, /input 16x16: the images' own size/);
    assert.deepEqual(parseSearchSpace(readFileSync(spaceFile, 'utf8')).input, { height: 16, width: 16, channels: 1, classes: 3 });

    // A micro space for the same data keeps training short.
    const micro = JSON.parse(readFileSync(fixturePath('microSpace.json'), 'utf8'));
    const space = parseSearchSpace(JSON.stringify({ ...micro, name: 'micro-shapes', input: { height: 16, width: 16, channels: 1, classes: 3 } }));
    const microFile = join(dir, 'micro.json');
    writeFileSync(microFile, JSON.stringify(space));
    const ckpt = join(dir, 'micro.ckpt');
    const train = run('train', '--space', microFile, '--data', data, '--out', ckpt, '--workers', '1', '--batch-size', '8',
      '--largest-epochs', '1', '--sandwich-epochs', '1', '--eval-images', '0', '--backend', 'wasm');
    assert.equal(train.status, 0, `train: ${train.stderr}`);
    const meta = readCheckpointMeta<TrainMeta>(ckpt);
    assert.equal(meta.step, meta.totalSteps);
    assert.deepEqual(meta.data?.classNames, ['classa', 'classb', 'classc']);
    assert.equal(meta.data?.format, 'folder');

    // The normalisation stored is the training split's.
    const loaded = loadDataset(data, { input: space.input });
    return loaded.then((d) => {
      assert.deepEqual(meta.data?.normalization, d.normalization);
      assert.ok(d.normalization.mean[0] > 0.1 && d.normalization.mean[0] < 0.4, `mean ${d.normalization.mean[0]}`);

      // search on a proxy target with a seeded predictor of the micro space
      const predictor = join(dir, 'predictor.json');
      writeRandomPredictor(predictor, space, true, 3);
      const search = run('search', '--checkpoint', ckpt, '--predictor', predictor, '--target', 'macs', '--max-latency', '2',
        '--generations', '2', '--population', '8', '--workers', '1', '--out', join(dir, 'search'));
      assert.equal(search.status, 0, `search: ${search.stderr}`);
      const results = join(dir, 'search', 'search-macs.json');

      // export: the preprocessing and classes are stated in the model
      const tfjs = join(dir, 'model-tfjs');
      const configFile = join(dir, 'chosen.json');
      writeFileSync(configFile, JSON.stringify(JSON.parse(readFileSync(results, 'utf8')).best.config));
      const exp = run('export', '--checkpoint', ckpt, '--config', configFile, '--format', 'tfjs', '--data', data, '--out', tfjs, '--backend', 'wasm');
      assert.equal(exp.status, 0, `exp: ${exp.stderr}`);
      const user = JSON.parse(readFileSync(join(tfjs, 'model.json'), 'utf8')).userDefinedMetadata as Record<string, string>;
      assert.deepEqual(JSON.parse(user['hwnas.normalization']), { scale: 255, ...d.normalization });
      assert.deepEqual(JSON.parse(user['hwnas.classes']), ['classa', 'classb', 'classc']);
      assert.match(user['hwnas.input'], /^\[N,16,16,1\] float32, pixels normalised as \(p\/255 - [\d.]+\) \/ [\d.]+$/);

      // verify: refuses without the data, then exports and tests in onnxruntime
      const noData = run('verify', results, '--out', join(dir, 'never'), '--backend', 'wasm');
      assert.equal(noData.status, 1);
      assert.match(noData.stderr, /was trained on 'shapes' \(folder\), not Fashion-MNIST: pass that data with --data/);
      assert.equal(existsSync(join(dir, 'never')), false);
      const out = join(dir, 'verify');
      const verify = run('verify', results, '--data', data, '--out', out, '--backend', 'wasm');
      assert.equal(verify.status, 0, `verify: ${verify.stderr}`);
      const onnxFile = readdirSync(out).find((f) => f.endsWith('.onnx'));
      assert.ok(onnxFile !== undefined);
      const model = decodeModel(readFileSync(join(out, onnxFile))) as { metadata_props: Array<{ key: string; value: string }> };
      const props = Object.fromEntries(model.metadata_props.map((p: { key: string; value: string }) => [p.key, p.value]));
      assert.deepEqual(JSON.parse(props['hwnas.normalization']), { scale: 255, ...d.normalization });
      const report = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8'));
      assert.match(verify.stdout, /^macs\s+2 MMAC\s+[\d.]+%\s+-\s+[\d.]+%/m, 'no measured val: the search did not re-rank');
      assert.equal(report.rows[0].testImages, d.test.n, 'tested on the carved test split');
      assert.ok(report.rows[0].testAccuracy >= 0 && report.rows[0].testAccuracy <= 1);

      // search --finetune-epochs: the chosen subnet fine-tuned on its own, its checkpoint in the
      // results folder, and verify exporting from it
      const tunedOut = join(dir, 'search-tuned');
      const tuned = run('search', '--checkpoint', ckpt, '--predictor', predictor, '--target', 'macs', '--max-latency', '2',
        '--generations', '2', '--population', '8', '--workers', '1', '--finetune-epochs', '1', '--data', data, '--out', tunedOut);
      assert.equal(tuned.status, 0, `search --finetune-epochs: ${tuned.stderr}`);
      const tunedResult = JSON.parse(readFileSync(join(tunedOut, 'search-macs.json'), 'utf8'));
      assert.equal(tunedResult.checkpoint, join(tunedOut, 'finetune-search-macs.ckpt'));
      assert.ok(existsSync(tunedResult.checkpoint));
      assert.equal(readCheckpointMeta<TrainMeta>(tunedResult.checkpoint).options.hyper.weightDecay, kFinetuneRecipe.weightDecay, "the fine-tuning recipe's weight decay, not the supernet's");
      assert.equal(tunedResult.finetune.epochs, 1);
      assert.equal(tunedResult.finetune.from, ckpt);
      for (const a of [tunedResult.finetune.inherited.valAccuracy, tunedResult.finetune.finetuned.testAccuracy]) assert.ok(a >= 0 && a <= 1);
      assert.match(tuned.stdout, /macs: fine-tuned 1 epochs: val [\d.]+% -> [\d.]+%, test [\d.]+% -> [\d.]+%/);
      assert.equal(existsSync(`${tunedOut}.finetune`), false, 'the work folder is removed once the search folder is complete');
      const tunedMeta = readCheckpointMeta<TrainMeta>(tunedResult.checkpoint);
      assert.equal(tunedMeta.step, tunedMeta.totalSteps);
      assert.equal(tunedMeta.initFrom, ckpt);
      const verifyTuned = run('verify', join(tunedOut, 'search-macs.json'), '--data', data, '--out', join(dir, 'verify-tuned'), '--backend', 'wasm');
      assert.equal(verifyTuned.status, 0, `verify of the fine-tuned: ${verifyTuned.stderr}`);
      const refused = run('search', '--predictor', predictor, '--target', 'macs', '--max-latency', '2', '--finetune-epochs', '1', '--out', join(dir, 'never'));
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /--finetune-epochs fine-tunes from the supernet searched: give its --checkpoint/);
    });
  });

  it('refuses bad data with the file named, exit 1 and nothing written', async () => {
    const bad = join(dir, 'bad');
    await writeImageFolder(bad, { classes: 2, perClass: 3 });
    mkdirSync(join(bad, 'empty'));
    const out = join(dir, 'bad-space.json');
    const r = run('init', '--data', bad, '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\/empty: class folder has no PNG or JPEG images/);
    assert.equal(existsSync(out), false);
    const one = join(dir, 'one');
    await writeImageFolder(one, { classes: 1, perClass: 3 });
    const t = run('train', '--space', join(dir, 'micro.json'), '--data', one, '--out', join(dir, 'one.ckpt'), '--backend', 'wasm');
    assert.equal(t.status, 1);
    assert.match(t.stderr, /only one class \(classa\)/);
    assert.equal(existsSync(join(dir, 'one.ckpt')), false);
  });
});
