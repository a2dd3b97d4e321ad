import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { median } from '../../util/stats.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { hwnas } from '../fixtures/cli.js';
import { kVitTargets, writeVitProfile } from '../fixtures/vitProfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-e2e-'));
const kRoot = fileURLToPath(new URL('../../../', import.meta.url));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => hwnas(args);
const ok = (r: ReturnType<typeof hwnas>) => assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
const fast = ['--rounds', '5', '--max-rounds', '5', '--warmup', '1', '--min-sample-ms', '0'];

describe('a SuperTransformer end to end', () => {
  it('trains, collects, fits, profiles, searches (budget and Pareto) and verifies a tiny vit space', () => {
    const space = join(dir, 'tiny-vit.json');
    writeFileSync(space, JSON.stringify(tinyVitSpace()));
    const ckpt = join(dir, 'vit.ckpt');
    ok(run('train', '--space', space, '--out', ckpt, '--workers', '1', '--batch-size', '16', '--eval-images', '0', '--backend', 'wasm', '--rule', 'hat', '--largest-epochs', '1', '--max-steps', '3'));

    const data = join(dir, 'vit.jsonl');
    const collected = run('collect', '--checkpoint', ckpt, '--out', data, '--n', '12', '--eval-images', '64', '--workers', '1', '--backend', 'wasm');
    ok(collected);
    assert.match(collected.stdout, /collect 12 distinct SubTransformers \(seed 1\) into .*: val 64 images/);
    assert.equal(readFileSync(data, 'utf8').trim().split('\n').length, 12);

    const predictor = join(dir, 'acc.json');
    const fitted = run('fit', '--space', space, '--data', data, '--out', predictor, '--hidden', '16,16', '--epochs', '30', '--patience', '30', '--test-fraction', '0.25', '--backend', 'wasm');
    ok(fitted);
    assert.match(fitted.stdout, /transformer predictor \(16x16, trained on 9, .*\n {2}held-out +RMSE/);

    const evaluated = run('eval', '--checkpoint', ckpt, '--config', 'largest', '--predictor', predictor, '--json', '--backend', 'wasm');
    ok(evaluated);
    const row = JSON.parse(evaluated.stdout.trim().split('\n').filter((l) => l.startsWith('{'))[0]) as { predicted: number };
    assert.ok(Number.isFinite(row.predicted), evaluated.stdout);

    const profile = join(dir, 'vit-1.json');
    ok(run('profile', '--target', 'ort-cpu:1', '--space', space, '--out', profile, '--subnets', '22', ...fast));
    const budget = median(loadTransformerProfile(profile).subnets.map((s) => s.ms));

    const searchOut = join(dir, 'search');
    const common = ['--checkpoint', ckpt, '--predictor', predictor, '--target', 'ort-cpu:1', '--profile', `ort-cpu:1=${profile}`, '--generations', '3', '--population', '8'];
    const searched = run('search', ...common, '--max-latency', `${budget}ms`, '--out', searchOut);
    ok(searched);
    assert.match(searched.stdout, /most accurate within [0-9.]+ ms on ort-cpu:1 \(table latency model, \d+ SubTransformers scored\):\n {2}d\d+-L\d/);
    assert.doesNotMatch(searched.stderr, /measured on another machine/, 'a profile of this machine');
    const foreign = writeVitProfile(join(dir, 'foreign.json'), tinyVitSpace(), kVitTargets['ort-cpu:1']);
    const warned = run('search', ...common.slice(0, -6), '--profile', `ort-cpu:1=${foreign}`, '--generations', '1', '--population', '8', '--max-latency', '10ms', '--out', join(dir, 'foreign'));
    ok(warned);
    assert.match(warned.stderr, /^warning: ort-cpu:1: transformer latency profile .*foreign\.json was measured on another machine \(.*\), so its predicted latencies do not hold here\. Measure one for this machine .*'hwnas profile --space tiny-vit --target ort-cpu:1/m);
    const results = JSON.parse(readFileSync(join(searchOut, 'results.json'), 'utf8')) as { result: { best: { latency: number } } };
    assert.ok(results.result.best.latency <= budget);
    const pareto = run('search', ...common, '--pareto', '--latency-kind', 'mlp', '--out', join(dir, 'pareto'));
    ok(pareto);
    assert.match(pareto.stdout, /Pareto front on ort-cpu:1 \(mlp latency model/);

    const verified = run('verify', join(searchOut, 'results.json'), '--out', join(dir, 'verify'), '--backend', 'wasm');
    ok(verified);
    assert.match(verified.stdout, /verified 1 SubTransformer on ort-cpu:1 \(table latency model\)/);
    const report = JSON.parse(readFileSync(join(dir, 'verify', 'verify.json'), 'utf8')) as { rows: Array<{ onnx: string; measuredMs: number; testAccuracy: number }> };
    assert.equal(report.rows.length, 1);
    assert.ok(report.rows[0].measuredMs > 0 && report.rows[0].testAccuracy >= 0 && report.rows[0].testAccuracy <= 1);
    assert.ok(existsSync(join(dir, 'verify', report.rows[0].onnx.split('/').pop() as string)));

    // Refusals name the fix.
    const noProfile = run('search', '--checkpoint', ckpt, '--predictor', predictor, '--target', 'ort-cpu:1', '--max-latency', '1ms', '--out', join(dir, 'x'));
    assert.match(noProfile.stderr, /give one --profile ort-cpu:1=FILE: the transformer latency profile of ort-cpu:1 \('hwnas profile --space tiny-vit/);
    const rerank = run('search', ...common, '--max-latency', '1ms', '--rerank', '3', '--out', join(dir, 'y'));
    assert.match(rerank.stderr, /is a SuperTransformer: --rerank applies to CNN supernets only; drop it/);
    const noPredictor = run('search', '--checkpoint', ckpt, '--target', 'ort-cpu:1', '--profile', `ort-cpu:1=${profile}`, '--max-latency', '1ms', '--out', join(dir, 'z'));
    assert.match(noPredictor.stderr, /give the --predictor 'hwnas fit --space tiny-vit' wrote: hwnas ships one only for fashion-vit trained on Fashion-MNIST/);
    // The shipped SuperTransformer is scored with its shipped predictor by default.
    const shipped = run('search', '--checkpoint', join(kRoot, 'models/training/fashion-vit.ckpt'), '--target', 'ort-cpu:1', '--profile', `ort-cpu:1=${join(kRoot, 'models/vit/ort-cpu-1.json')}`,
      '--max-latency', '0.5ms', '--generations', '1', '--population', '8', '--out', join(dir, 'shipped'));
    ok(shipped);
    assert.match(shipped.stdout, /^scoring with the shipped fashion-vit accuracy predictor \(models\/vit\/accuracy-fp32\.json\)$/m);
  });
});
