import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveTarget } from '../../latency/targets.js';
import { macs } from '../../space/layers.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { deployDir, pickTrained, trainedMarkdown, trainedModels, verifyTrained } from '../../pipeline/trainedModels.js';
import { kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { planSearchRuns } from '../../pipeline/search.js';
import { timingInput } from '../../pipeline/verifyConfigs.js';
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

  it('skips a folder without result.json, and a config of another space', () => {
    const dir = tempDir('hwnas-trained-');
    cpSync(join(deployDir(), 'ort-cpu-1-resnet8-latency'), join(dir, 'kept'), { recursive: true });
    mkdirSync(join(dir, 'no-result'));
    writeFileSync(join(dir, 'no-result', 'config.json'), '{}');
    cpSync(join(dir, 'kept'), join(dir, 'other-space'), { recursive: true });
    writeFileSync(join(dir, 'other-space', 'config.json'), JSON.stringify({ depths: [9, 9, 9] }));
    assert.deepEqual(trainedModels(hybrid, dir).map((m) => m.name), ['kept']);
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
    const lines = trainedMarkdown(verified, runs).join('\n');
    const name = picks[1]?.model.name as string;
    assert.ok(lines.includes(` MMAC | ${name} (\`models/deploy/${name}/model.onnx\`) |`), lines);
    assert.ok(lines.includes(`- ${name}: ${picks[1]?.model.what}`), lines);
    assert.match(trainedMarkdown([], runs.slice(0, 1)).join('\n'), /None of the shipped trained models is predicted within the budget\./);
    const worse = { name: 'resnet8', testAccuracy: verified[0].testAccuracy - 0.0049, medianMs: 0.2 };
    const beside = trainedMarkdown(verified.slice(0, 1), runs, () => worse).join('\n');
    assert.match(beside, /\| resnet8 \([0-9.]+%, 0\.2 ms\): \+0\.49 pp \|$/m, 'no latency ratio without a measurement');
  });

  it('are timed on an ort-cpu target with the harness verify uses', async () => {
    const runs = planSearchRuns(['ort-cpu:1'], ['5ms'], false);
    assert.equal(runs[0].resolved.given, resolveTarget('ort-cpu:1').given);
    const data = smallFashionMnist(10, 10, 20);
    const picks = await pickTrained(hybrid, runs, { 'ort-cpu:1': shippedPath(kShipped.cnn['fashion-hybrid'].profiles['ort-cpu:1']) }, trainedModels(hybrid));
    const [v] = await verifyTrained(runs, picks, data.test, hybrid.input.classes, timingInput(hybrid, data.test));
    assert.ok(v.measurement !== null && v.measurement.medianMs > 0 && v.measurement.medianMs < 5, JSON.stringify(v.measurement));
  });
});
