import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import type { TransformerSpace } from '../../space/transformer/types.js';
import { kTransformerRecipe } from '../../supernet/transformer/trainingNet.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { tempDir } from '../fixtures/tempDir.js';
import { hwnas } from '../fixtures/cli.js';

describe('hwnas train --space <transformer space>', () => {
  it('trains the SuperTransformer with the trainer\'s flags, HAT\'s rule or the sandwich, resumes it; eval and export take its checkpoint', () => {
    const dir = tempDir('hwnas-vit-cli-');
    const spaceFile = join(dir, 'tiny-vit.json');
    writeFileSync(spaceFile, JSON.stringify(tinyVitSpace()));
    const out = join(dir, 'vit.ckpt');
    const common = ['--space', spaceFile, '--out', out, '--workers', '1', '--batch-size', '16', '--eval-images', '0', '--backend', 'wasm'];
    const first = hwnas(['train', ...common, '--rule', 'hat', '--largest-epochs', '1', '--max-steps', '2']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /paused at step 2\//);
    const meta = loadCheckpoint<TrainMeta<TransformerSpace>>(out).meta;
    assert.equal(meta.kind, 'hwnas-supertransformer');
    assert.deepEqual(meta.space, tinyVitSpace());
    assert.deepEqual(meta.options.phases.map((p) => [p.name, p.lr, p.uniform === true]), [['largest', kTransformerRecipe.largestLr, false], ['hat', kTransformerRecipe.subnetsLr, true]]);
    assert.equal(meta.options.hyper.optimizer, 'adamw');
    assert.equal(meta.options.hyper.weightDecay, kTransformerRecipe.hyper.weightDecay);

    // Resumed without --rule: it keeps HAT's rule, and a schedule flag re-plans the run.
    const resumed = hwnas(['train', ...common, '--resume', '--sandwich-epochs', '2', '--max-steps', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /re-planned .* then hat 2 epochs at lr 0\.0005/);
    assert.match(resumed.stdout, /paused at step 3\//);

    // hwnas export writes a SubTransformer of the checkpoint as fp32 or int8 ONNX, or as a tfjs folder.
    const exported = hwnas(['export', '--checkpoint', out, '--config', 'largest', '--out', join(dir, 'largest.onnx'), '--backend', 'wasm']);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*largest\.onnx \(onnx\).*\n  MACs .*\n  config \{"kind":"vit","embedDim":24,"depth":2/);
    const int8 = hwnas(['export', '--checkpoint', out, '--config', 'smallest', '--format', 'onnx-int8', '--out', join(dir, 'q.onnx'), '--backend', 'wasm']);
    assert.equal(int8.status, 0, int8.stderr);
    assert.match(int8.stdout, /wrote .*q\.onnx \(onnx-int8\)/);
    const tfjs = hwnas(['export', '--checkpoint', out, '--config', 'largest', '--format', 'tfjs', '--out', join(dir, 'web'), '--backend', 'wasm']);
    assert.equal(tfjs.status, 0, tfjs.stderr);
    assert.match(tfjs.stdout, /wrote .*web \(tfjs\)/);
    assert.deepEqual(readdirSync(join(dir, 'web')).sort(), ['model.json', 'weights.bin']);

    // hwnas eval: accuracy and cost of SubTransformers straight from the shared weights.
    const evaluated = hwnas(['eval', '--checkpoint', out, '--config', 'largest', 'smallest', '--random', '1', '--json', '--backend', 'wasm']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const rows = evaluated.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { name: string; accuracy: number; macs: number; config: { kind: string } });
    assert.deepEqual(rows.map((r) => r.name), ['largest', 'smallest', 'random0']);
    for (const r of rows) assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && r.macs > 0 && r.config.kind === 'vit');
    assert.ok(rows[0].macs > rows[1].macs);

    const sandwich = hwnas(['train', ...common, '--out', join(dir, 's.ckpt'), '--lr', '0.002', '--max-steps', '1']);
    assert.equal(sandwich.status, 0, sandwich.stderr);
    const phases = loadCheckpoint<TrainMeta<TransformerSpace>>(join(dir, 's.ckpt')).meta.options.phases;
    assert.deepEqual(phases.map((p) => [p.name, p.lr, p.sandwich]), [['largest', 0.002, false], ['sandwich', kTransformerRecipe.subnetsLr, true]]);
  });

  it('refuses --config and a bad transformer space file, naming the fix', () => {
    const dir = tempDir('hwnas-vit-cli-');
    const config = hwnas(['train', '--space', 'fashion-vit', '--config', 'largest', '--out', join(dir, 'c.ckpt'), '--backend', 'wasm']);
    assert.equal(config.status, 1);
    assert.match(config.stderr, /--config trains one CNN subnet on its own: it does not apply to transformer space 'fashion-vit'; drop --config/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...tinyVitSpace(), patchSize: 5 }));
    const space = hwnas(['train', '--space', bad, '--out', join(dir, 'b.ckpt'), '--backend', 'wasm']);
    assert.equal(space.status, 1);
    assert.match(space.stderr, /space\.patchSize = 5 does not divide the 28x28 input: use one of 2, 4, 7, 14, 28/);
  });
});
