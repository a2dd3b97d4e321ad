import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { macs } from '../../space/layers.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { deployDir, nearestOverBudget, pickTrained, trainedMarkdown, trainedModels, verifyTrained } from '../../pipeline/trainedModels.js';
import { kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { baselineReference } from '../../pipeline/baselines.js';
import { planSearchRuns } from '../../pipeline/search.js';
import { formatLatency } from '../../pipeline/latencyArg.js';
import { timingInput } from '../../pipeline/verifyLatency.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { tempDir } from '../fixtures/tempDir.js';

const hybrid = spaceByName('fashion-hybrid');

describe('trained models shipped for a space', () => {
  it('are the models/deploy folders whose config is of the space: not a compressed network\'s, not a transformer\'s', () => {
    const names = trainedModels(hybrid).map((m) => m.name);
    assert.ok(names.includes('ort-cpu-1-resnet8-latency') && names.includes('ort-cpu-1-resnet14-latency'), names.join(', '));
    assert.ok(!names.includes('ort-cpu-1-resnet14-compressed-int8') && !names.includes('ort-cpu-1-vit-largest-finetuned'), names.join(', '));
    assert.deepEqual(trainedModels(spaceByName('fashion-mbv3')), [], 'no fashion-mbv3 config among them');
  });

  it('skips a folder without result.json and one of another space, and refuses a broken one, naming the file', () => {
    const dir = tempDir('hwnas-trained-');
    cpSync(join(deployDir(), 'ort-cpu-1-resnet8-latency'), join(dir, 'kept'), { recursive: true });
    mkdirSync(join(dir, 'no-result'));
    writeFileSync(join(dir, 'no-result', 'config.json'), '{}');
    const result = JSON.parse(readFileSync(join(dir, 'kept', 'result.json'), 'utf8')) as Record<string, unknown>;
    cpSync(join(dir, 'kept'), join(dir, 'other-space'), { recursive: true });
    writeFileSync(join(dir, 'other-space', 'result.json'), JSON.stringify({ ...result, space: 'fashion-plain' }));
    assert.deepEqual(trainedModels(hybrid, dir).map((m) => m.name), ['kept']);
    const broken = (name: string, file: string, text: string, message: RegExp) => {
      cpSync(join(dir, 'kept'), join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, file), text);
      assert.throws(() => trainedModels(hybrid, dir), message);
      rmSync(join(dir, name), { recursive: true });
    };
    broken('bad-config', 'config.json', JSON.stringify({ depths: [9, 9, 9] }), new RegExp(`^Error: ${join(dir, 'bad-config', 'config.json')}: invalid subnet config:\n  config\\.kernels is missing.*\n  restore the folder from the repository, or remove it`, 's'));
    broken('no-accuracy', 'result.json', JSON.stringify({ ...result, testAccuracy: undefined }), new RegExp(`^Error: ${join(dir, 'no-accuracy', 'result.json')}: .*testAccuracy`));
    broken('not-json', 'result.json', '{', new RegExp(`^Error: ${join(dir, 'not-json', 'result.json')}: .*JSON`));
    broken('no-onnx', 'result.json', JSON.stringify({ ...result, onnx: 'gone.onnx' }), /no-onnx\/result\.json: its ONNX file gone\.onnx is missing/);
  });

  it('offers per budget the most accurate one predicted within it, and nothing under a budget none fits', async () => {
    const models = trainedModels(hybrid);
    const cost = (name: string) => macs(hybrid, (models.find((m) => m.name === name) as (typeof models)[number]).config) / 1e6;
    const [r8, r14] = [cost('ort-cpu-1-resnet8-latency'), cost('ort-cpu-1-resnet14-latency')];
    const budgets = [r8 / 2, r8, r14].map((x) => `${x}`);
    const runs = planSearchRuns(budgets.map(() => 'macs'), budgets, false);
    const picks = await pickTrained(hybrid, runs, {}, models);
    assert.equal(picks[0], null);
    const fits = (k: number) => models.filter((m) => macs(hybrid, m.config) / 1e6 <= (runs[k].max as number));
    for (const k of [1, 2]) {
      assert.ok(picks[k] !== null);
      assert.equal(picks[k]?.model.testAccuracy, Math.max(...fits(k).map((m) => m.testAccuracy)));
      assert.ok((picks[k]?.predictedLatency as number) <= (runs[k].max as number));
    }
    const data = smallFashionMnist(10, 10, 200);
    const verified = await verifyTrained(runs, picks, data.test, hybrid.input.classes, timingInput(hybrid, data.test));
    assert.equal(verified.length, 2);
    for (const v of verified) {
      assert.equal(v.measurement, null, 'a proxy target is not timed');
      assert.ok(v.testAccuracy > 0.85 && v.testAccuracy <= 1, `${v.model.name} on 200 test images: ${v.testAccuracy}`);
    }
    const lines = trainedMarkdown(verified, runs, models.length).join('\n');
    const name = picks[1]?.model.name as string;
    assert.ok(lines.includes(` MMAC | ${name} (\`models/deploy/${name}/model.onnx\`) |`), lines);
    assert.ok(lines.includes(`- ${name}: ${picks[1]?.model.what}`), lines);
    assert.ok(lines.includes(`| macs | ${formatLatency(runs[0].max as number, 'MMAC')} | none of them predicted within it |`), 'a budget none fits is said, not left out');
    // With the nearest model over each budget: the fastest of those over it, and by how much.
    const nearest = await nearestOverBudget(hybrid, runs, {}, models);
    const over = models.filter((m) => macs(hybrid, m.config) / 1e6 > (runs[0].max as number));
    const smallest = over.reduce((a, b) => (macs(hybrid, a.config) <= macs(hybrid, b.config) ? a : b));
    assert.equal(nearest[0]?.model.name, smallest.name);
    const near = trainedMarkdown(verified, runs, models.length, nearest).join('\n');
    const overBy = (100 * ((nearest[0]?.predictedLatency as number) / (runs[0].max as number) - 1)).toFixed(1);
    assert.ok(near.includes(`| none of them predicted within it (the nearest: ${smallest.name}, predicted at ${formatLatency(nearest[0]?.predictedLatency as number, 'MMAC')}, ${overBy}% over) |`), near);
    assert.match(trainedMarkdown([], runs.slice(0, 1), models.length).join('\n'), /None of them is predicted within the budget\./);
    // No budget fits, but one comes near: its row says which and by how much.
    assert.match(trainedMarkdown([], runs.slice(0, 1), models.length, nearest.slice(0, 1)).join('\n'), /\| none of them predicted within it \(the nearest: \S+, predicted at [\d.]+ MMAC, [\d.]+% over\) \|/);
    assert.match(trainedMarkdown([], runs, 0).join('\n'), /hwnas ships no trained model of this space/);
  });

  it('are timed on an ort-cpu target with the harness verify uses, beside the standard model in alternating rounds', async () => {
    const runs = planSearchRuns(['ort-cpu:1', 'ort-cpu:1'], ['5ms', '6ms'], false);
    const data = smallFashionMnist(10, 10, 20);
    const picks = await pickTrained(hybrid, runs, { 'ort-cpu:1': shippedPath(kShipped.cnn['fashion-hybrid'].profiles['ort-cpu:1']) }, trainedModels(hybrid));
    const reference = baselineReference('resnet8');
    assert.ok(reference !== undefined);
    const [alone, beside] = await verifyTrained(runs, picks, data.test, hybrid.input.classes, timingInput(hybrid, data.test), (k) => (k === 1 ? reference : undefined), 3);
    assert.ok(alone.measurement !== null && alone.measurement.medianMs > 0 && alone.measurement.medianMs < 5, JSON.stringify(alone.measurement));
    assert.equal(alone.reference, undefined);
    assert.equal(beside.reference?.rounds, 3);
    assert.ok((beside.reference?.fasterRounds as number) >= 0 && (beside.reference?.fasterRounds as number) <= 3);
    assert.ok((beside.reference?.medianMs as number) > 0 && (beside.reference?.medianMs as number) < 5);
    const line = trainedMarkdown([beside], runs, 1).join('\n');
    assert.match(line, /\| resnet8 \(93\.38%, [0-9.]+ ms\): [+-][0-9.]+ pp, [0-9.]+x its latency, faster in [0-3] of 3 rounds \|/);
    assert.equal(baselineReference('vgg5'), undefined, 'no such baseline');
  });
});
