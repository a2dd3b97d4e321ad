import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTarget } from '../../latency/targets.js';
import { baselineNetwork, baselinesMarkdown, kBaselines, parseBaselineNames, timeBaselines } from '../../pipeline/baselines.js';
import { macs, params } from '../../space/layers.js';
import { tempDir } from '../fixtures/tempDir.js';

describe('baselines', () => {
  it('ResNet-8 and ResNet-14 are the textbook networks, each in its own one-network space', () => {
    const r8 = baselineNetwork('resnet8');
    const r14 = baselineNetwork('resnet14');
    assert.deepEqual(r8.space.families, [{ name: 'resnet', expands: [1] }]);
    assert.equal((macs(r8.space, r8.config) / 1e6).toFixed(2), '9.35');
    assert.equal(params(r8.space, r8.config), 77418);
    assert.deepEqual(r14.config.depths, [2, 2, 2]);
    assert.ok(macs(r14.space, r14.config) > 2 * macs(r8.space, r8.config));
  });

  it('VGG-4 is a config of fashion-plain: four plain 3x3 convolutions, MACs between ResNet-8 and ResNet-14', () => {
    const vgg = baselineNetwork('vgg4');
    assert.equal(vgg.space.name, 'fashion-plain-standalone');
    assert.deepEqual(vgg.space.families, [{ name: 'plain', expands: [1] }]);
    assert.deepEqual(vgg.config.depths, [1, 2]);
    assert.equal(macs(vgg.space, vgg.config), 14_677_760);
    assert.equal(params(vgg.space, vgg.config), 241_546);
    const [r8, r14] = [baselineNetwork('resnet8'), baselineNetwork('resnet14')];
    assert.ok(macs(r8.space, r8.config) < macs(vgg.space, vgg.config) && macs(vgg.space, vgg.config) < macs(r14.space, r14.config));
    assert.equal(kBaselines.vgg4.space, 'fashion-plain');
    assert.deepEqual(Object.values(kBaselines).map((b) => b.space), ['fashion-hybrid', 'fashion-hybrid', 'fashion-plain']);
  });

  it('names bad baseline lists', () => {
    assert.deepEqual(parseBaselineNames('resnet14, resnet8'), ['resnet14', 'resnet8']);
    assert.throws(() => parseBaselineNames('resnet8,vgg99'), /unknown baseline 'vgg99': use resnet8, resnet14, vgg4$/);
    assert.throws(() => parseBaselineNames(' , '), /name at least one baseline/);
  });

  it('reports untrained baselines with the command that trains them, and trained ones in a table', async () => {
    const empty = tempDir('hwnas-baselines-');
    const { rows, missing } = await timeBaselines([resolveTarget('ort-cpu:1')], { image: new Float32Array(784), dims: [1, 28, 28, 1] }, empty);
    assert.deepEqual(rows, []);
    assert.deepEqual(missing, ['resnet8', 'resnet14', 'vgg4']);
    assert.match(baselinesMarkdown(rows, missing).join('\n'), /Not trained yet: resnet8, resnet14, vgg4 \(`npm run bench:baselines`/);
    const table = baselinesMarkdown([{ name: 'resnet8', what: 'ResNet-8', target: 'ort-cpu:1', testAccuracy: 0.9312, macs: 9.35e6, medianMs: 0.1234 }], []).join('\n');
    assert.match(table, /\| resnet8: ResNet-8 \| ort-cpu:1 \| 93\.12% \| 9\.35M \| 0\.123 ms \|/);
    assert.doesNotMatch(table, /Not trained yet/);
  });
});
