import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../supernet/backend/tf.js';
import type { Tensor4D } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { Supernet } from '../../supernet/Supernet.js';
import { calibrateBatchNorm, extract, extractWithStats } from '../../supernet/extract.js';
import { evaluateConfig, evaluateOn } from '../../supernet/evaluate.js';
import { floatSubnet } from '../../supernet/quant/QuantizedSubnet.js';
import { blockForward, blockKit } from '../../supernet/blocks/index.js';
import { parseConfig } from '../../space/schema.js';
import { subnetPlan } from '../../space/plan.js';
import type { BlockFamily, SearchSpace } from '../../space/types.js';
import type { FashionMnist } from '../../supernet/data/types.js';
import { maxAbsDiff } from '../../supernet/quant/classify.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { imageBatch } from '../fixtures/images.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';

describe('extraction of every block family', () => {
  let space: SearchSpace;
  let net: Supernet;
  let data: FashionMnist;
  let x: Tensor4D;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    space = hybridMicroSpace();
    net = new Supernet(space, 1);
    // Larger classifier weights than the init so logits are O(1) and the comparisons mean something.
    const w = net.store.get('classifier.weight');
    w.assign(tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 3), 1));
    data = smallFashionMnist(200, 50, 32);
    x = tf.tensor4d(imageBatch(data.test, 32), [32, 28, 28, 1]);
  });

  after(() => {
    x.dispose();
    net.dispose();
  });

  it('the cases cover each family with and without residual, the shortcut, both stem strides and no head', () => {
    const seen = new Set<string>();
    for (const c of kHybridCases) {
      const plan = subnetPlan(space, parseConfig(space, c.config));
      assert.equal(plan.head, null);
      seen.add(`stem${plan.stem.stride}`);
      for (const b of plan.blocks) seen.add(`${b.family}:${b.residual ? 'res' : 'plain'}${b.shortcut ? '+shortcut' : ''}`);
    }
    for (const want of ['stem1', 'stem2', 'mbconv:res', 'mbconv:plain', 'fused:res', 'fused:plain', 'resnet:res', 'resnet:res+shortcut', 'plain:plain']) {
      assert.ok(seen.has(want), `no case has ${want} (cases give ${[...seen].join(', ')})`);
    }
  });

  for (const c of kHybridCases) {
    it(`${c.name}: the extracted subnet computes the supernet forward with the same statistics, folded too`, () => {
      const before = tf.memory().numTensors;
      const stats = calibrateBatchNorm(net, c.config, data.train, { images: 200, batchSize: 100 });
      const subnet = extractWithStats(net, c.config, stats);
      const [ref, got] = tf.tidy(() => [net.forward(c.config, x, { kind: 'infer', stats }).dataSync(), subnet.forward(x).dataSync()]);
      const scale = maxAbsDiff(ref, new Float32Array(ref.length));
      assert.ok(scale > 0.5, `logit scale ${scale} too small for a meaningful comparison`);
      const diff = maxAbsDiff(got, ref);
      assert.ok(diff <= 1e-5 * Math.max(1, scale / 10), `extracted vs supernet: max abs logit difference ${diff} (scale ${scale})`);
      // The deployed float graph runs the BatchNorm-folded weights.
      const folded = floatSubnet(subnet);
      const foldedLogits = tf.tidy(() => folded.forward(x).dataSync());
      folded.dispose();
      assert.ok(maxAbsDiff(foldedLogits, got) <= 1e-4 * Math.max(1, scale), `folded vs unfolded: ${maxAbsDiff(foldedLogits, got)} (scale ${scale})`);
      subnet.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
  }

  it('keeps only the planned channels: the stem at stage 0\'s width ratio, the classifier at the last block\'s width', () => {
    const c = kHybridCases[1];
    const subnet = extract(net, c.config, data.train, { images: 100 });
    const plan = subnet.plan;
    assert.deepEqual(subnet.weights.stem.w.shape, [3, 3, 1, 8]);
    assert.equal(subnet.weights.head, null);
    assert.deepEqual(subnet.weights.classifier.w.shape, [plan.blocks[plan.blocks.length - 1].outC, 10]);
    const shortcut = subnet.weights.blocks.find((w) => w.family === 'resnet' && w.shortcut !== undefined);
    assert.ok(shortcut && shortcut.family === 'resnet');
    assert.deepEqual(shortcut.shortcut!.w.shape, [1, 1, 8, 24]);
    subnet.dispose();
  });

  it('plain blocks: the kernel centre and first channels of the shared filter, never a residual', () => {
    const c = kHybridCases.find((k) => k.name === 'plain, stem stride 1, pruned')!;
    const subnet = extract(net, c.config, data.train, { images: 100 });
    const plan = subnet.plan;
    assert.deepEqual(plan.blocks.map((b) => [b.inC, b.outC, b.kernel, b.stride, b.residual, b.shortcut]), [
      [16, 16, 3, 1, false, false], [16, 16, 5, 1, false, false], [16, 16, 3, 2, false, false], [16, 16, 3, 1, false, false],
    ]);
    const [w0, w1, w2] = subnet.weights.blocks.map((w) => (w.family === 'plain' ? w.conv.w : assert.fail(`a ${w.family} block`)));
    assert.deepEqual([w0.shape, w1.shape, w2.shape], [[3, 3, 16, 16], [5, 5, 16, 16], [3, 3, 16, 16]]);
    const centre = tf.tidy(() => tf.slice(net.store.get('blocks.0.plain.conv.weight'), [1, 1, 0, 0], [3, 3, 16, 16]).dataSync());
    assert.deepEqual(w0.dataSync(), centre);
    const shared = net.store.get('blocks.2.plain.conv.weight');
    assert.deepEqual(shared.shape, [5, 5, 16, 24], 'slot 2 reads stage 0 (16) and writes up to 24 channels');
    subnet.dispose();
  });

  it('evaluateConfig evaluates a family space through the extracted subnet', () => {
    const c = kHybridCases[0];
    const result = evaluateConfig(net, c.config, data.train, data.val);
    const stats = calibrateBatchNorm(net, c.config, data.train, { images: data.train.n });
    const ref = evaluateOn({ forward: (images: Tensor4D) => net.forward(c.config, images, { kind: 'infer', stats }) }, data.val);
    assert.equal(result.n, data.val.n);
    assert.deepEqual(result.predictions, ref.predictions);
    assert.ok(Math.abs(result.loss - ref.loss) < 1e-5, `loss ${result.loss} vs ${ref.loss}`);
  });

  it('names the problem when weights do not fit the plan or a family is unknown', () => {
    const c = kHybridCases[0];
    const subnet = extract(net, c.config, data.train, { images: 100 });
    const [b0, , b2] = subnet.plan.blocks;
    tf.tidy(() => {
      const h = tf.zeros([1, 28, 28, 16]) as Tensor4D;
      assert.throws(() => blockForward(h, subnet.weights.blocks[0], { ...b0, family: 'fused' }), /block slot 0 is planned as a fused block but its weights are of a resnet block/);
      assert.throws(() => blockForward(h, subnet.weights.blocks[0], { ...b2, slot: 0 }), /resnet block slot 0: the plan has projection shortcut but the weights lack one/);
    });
    assert.throws(() => blockKit('dense' as BlockFamily), /block family 'dense' has no standalone implementation: known families are mbconv, fused, resnet, plain$/);
    subnet.dispose();
  });
});
