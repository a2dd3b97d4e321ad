import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor4D } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import type { Subnet } from '../../../supernet/Subnet.js';
import { largestConfig } from '../../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../../space/types.js';
import type { FashionMnist } from '../../../supernet/data/types.js';
import { buildDeployGraph, quantSites } from '../../../supernet/quant/deployGraph.js';
import { GraphRunner } from '../../../supernet/quant/GraphRunner.js';
import { calibrateRanges } from '../../../supernet/quant/calibrateRanges.js';
import { floatSubnet, quantizeSubnet, logitsOf } from '../../../supernet/quant/QuantizedSubnet.js';
import { withUniformBits } from '../../../space/bits.js';
import { maxAbsDiff } from '../../../supernet/quant/classify.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { imageBatch } from '../../fixtures/images.js';

/** A micro-space config (SE in stage 0) with every bit choice: block slots 0,1 (stage 0) and 2,3 (stage 1). */
function mixedConfig(space: SearchSpace): SubnetConfig {
  return { ...largestConfig(space), widths: [0.5, 1], wBits: [4, 32, 8, 4], aBits: [8, 8, 32, 8] };
}

describe('simulated quantization of a deployed subnet', () => {
  let space: SearchSpace;
  let data: FashionMnist;
  let net: Supernet;
  let subnet: Subnet;
  let x: Tensor4D;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    space = microSpace();
    data = smallFashionMnist(400, 10, 64);
    net = new Supernet(space, 3);
    subnet = extract(net, mixedConfig(space), data.train, { images: 400 });
    x = tf.tensor4d(imageBatch(data.test, 64), [64, 28, 28, 1]);
  });

  after(() => {
    subnet.dispose();
    x.dispose();
  });

  it('the float deployed graph computes the subnet (BatchNorm folded)', () => {
    const before = tf.memory().numTensors;
    const model = floatSubnet(subnet);
    assert.equal(model.graph.quantized, false);
    assert.deepEqual(quantSites(model.graph), []);
    const [a, b] = tf.tidy(() => [model.forward(x).dataSync(), subnet.forward(x).dataSync()]);
    assert.ok(maxAbsDiff(a, b) < 1e-4, `max abs logit difference ${maxAbsDiff(a, b)}`);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('quantizes exactly the activations of 8-bit layers and the weights below 32 bits', () => {
    const graph = buildDeployGraph(subnet, { quantize: true });
    const sites = quantSites(graph);
    // Stem (8-bit), block 0 (a8, ReLU, SE), block 1 (a8, residual), block 2 (a32), block 3 (a8), head and pool (8-bit).
    assert.deepEqual(sites, [
      'stem.in', 'stem.pre', 'stem.out',
      'block0.expand.out', 'block0.dw.out', 'block0.project.in', 'block0.project.out',
      'block1.expand.out', 'block1.dw.out', 'block1.project.in', 'block1.project.out', 'block1.out',
      'block3.in', 'block3.expand.pre', 'block3.expand.out', 'block3.dw.pre', 'block3.dw.out', 'block3.project.out', 'block3.out',
      'head.pre', 'head.out', 'classifier.in',
    ]);
    const convs = new Map(graph.ops.flatMap((op) => (op.op === 'conv' ? [[op.name, op] as const] : [])));
    assert.equal(convs.get('block0.expand')!.w.quant!.bits, 4);
    assert.equal(convs.get('block0.se.reduce')!.w.quant!.bits, 4, 'SE weights take the block bits');
    assert.equal(convs.get('block1.dw')!.w.quant, undefined, '32-bit weights stay float');
    assert.equal(convs.get('block2.project')!.w.quant!.bits, 8);
    for (const v of convs.get('block3.dw')!.w.quant!.q) assert.ok(Math.abs(v) <= 7, '4-bit grid');
    // Pruning is physical: stage 0 at width 0.5 has 8 output channels.
    assert.deepEqual(convs.get('block0.project')!.w.shape, [subnet.plan.blocks[0].midC, 8]);
  });

  it('percentile ranges sit inside the min/max ranges', () => {
    const graph = buildDeployGraph(subnet, { quantize: true });
    const runner = new GraphRunner(graph);
    const minmax = calibrateRanges(runner, data.train, { images: 200, method: 'minmax' });
    const pct = calibrateRanges(runner, data.train, { images: 200, method: 'percentile', percentile: 99.9 });
    runner.dispose();
    assert.equal(minmax.size, quantSites(graph).length);
    let narrower = 0;
    for (const [site, r] of minmax) {
      const p = pct.get(site)!;
      assert.ok(p.min >= r.min && p.max <= r.max && p.min <= p.max, `${site}: [${p.min}, ${p.max}] within [${r.min}, ${r.max}]`);
      if (p.max - p.min < 0.99 * (r.max - r.min)) narrower++;
    }
    assert.ok(narrower > minmax.size / 2, `percentile clipped only ${narrower} of ${minmax.size} ranges`);
    assert.throws(() => calibrateRanges(runner, data.train, { percentile: 40 }), /options.percentile must be in \(50, 100\]/);
  });

  it('the quantized subnet stays close to the float one and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const q = quantizeSubnet(subnet, data.train, { images: 400 });
    const [a, b] = tf.tidy(() => [q.forward(x).dataSync(), subnet.forward(x).dataSync()]);
    const scale = maxAbsDiff(b, new Float32Array(b.length));
    const diff = maxAbsDiff(a, b);
    assert.ok(diff > 0 && diff < 0.5 * scale, `quantized vs float logits: max diff ${diff}, scale ${scale}`);
    assert.deepEqual(logitsOf(q, imageBatch(data.test, 64), [64, 28, 28, 1], 20), a);
    q.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('refuses a config without bits, and withUniformBits refuses bits outside the space', () => {
    const float = extract(net, largestConfig(space), data.train, { images: 100 });
    assert.throws(() => quantizeSubnet(float, data.train), /config has no bits .*withUniformBits/);
    float.dispose();
    assert.throws(() => withUniformBits(space, largestConfig(space), 6, 8), /weight bits 6 are not one of the space's quant.weightBits \[4, 8, 32\]/);
  });
});
