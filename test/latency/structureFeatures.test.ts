import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featureSetOf, kFeatureSets, kRuntimeLatencyFeatures, kStructureLatencyFeatures, modelFeatures } from '../../latency/latencyFeatures.js';
import { blockFamilies, kStructureFeatures } from '../../latency/structureFeatures.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import { subnetPlan } from '../../space/plan.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import type { SubnetConfig } from '../../space/types.js';

const space = fashionHybrid;
// Stem at stride 1 (28x28), stage 0 resnet x2 at 28x28, stage 1 fused x1 at 14x14, stage 2
// mbconv x3 at 7x7; every block quantized (8/8) but stage 2's first, whose weights only are (4/32).
const config: SubnetConfig = {
  depths: [2, 1, 3], kernels: new Array(9).fill(3), expands: [1, 1, 1, 2, 2, 2, 3, 3, 3], widths: [1, 1, 1],
  families: ['resnet', 'fused', 'mbconv'], stemStride: 1,
  wBits: [8, 8, 8, 8, 8, 8, 4, 8, 8], aBits: [8, 8, 8, 8, 8, 8, 32, 8, 8],
};

function structure(cfg: SubnetConfig, bits = true): (name: string) => number {
  const x = modelFeatures(layersOf(space, cfg), bits, 0, { nchwcBlock: 16 }, blockFamilies(space, cfg));
  assert.equal(x.length, kStructureLatencyFeatures.length);
  return (name) => {
    const i = kStructureLatencyFeatures.indexOf(name);
    assert.ok(i >= 0, `no feature ${name}`);
    return x[i];
  };
}

describe('structureFeatures', () => {
  it('name the family of every block in execution order, as the plan builds them', () => {
    assert.deepEqual(blockFamilies(space, config), ['resnet', 'resnet', 'fused', 'mbconv', 'mbconv', 'mbconv']);
    for (const cfg of sampleSubnets(space, 'mixed', 20, 9)) {
      assert.deepEqual(blockFamilies(space, cfg), subnetPlan(space, cfg).blocks.map((b) => b.family));
    }
  });

  it('count blocks by family and by the resolution of their output', () => {
    const f = structure(config);
    assert.equal(f('blocks:resnet:r1'), 2);
    assert.equal(f('blocks:fused:r2'), 1);
    assert.equal(f('blocks:mbconv:r4'), 3);
    const blocks = kStructureFeatures.filter((n) => n.startsWith('blocks:')).reduce((s, n) => s + f(n), 0);
    assert.equal(blocks, 6, 'no other block counted');
    // At stem stride 2 everything runs at half the resolution: the resnet blocks at 14x14, the mbconv ones at 4x4.
    const g = structure({ ...config, stemStride: 2 });
    assert.deepEqual([g('blocks:resnet:r1'), g('blocks:resnet:r2'), g('blocks:fused:r4'), g('blocks:mbconv:r8')], [0, 2, 1, 3]);
  });

  it('split convolution MACs by class, resolution and how they run', () => {
    const layers = layersOf(space, config);
    const f = structure(config);
    const macsOf = (pick: (l: (typeof layers)[number]) => boolean) => layers.filter(pick).reduce((s, l) => s + l.macs, 0) / 1e6;
    // Stem (8/8) and the resnet blocks' 3x3 convolutions at 28x28 run as QLinearConv.
    assert.ok(Math.abs(f('mMacsRes:kxk:r1:q') - macsOf((l) => l.kind === 'conv' && l.kernel > 1 && l.outH === 28)) < 1e-12);
    // Stage 2's first block: quantized weights on float activations, dequantized at every run.
    const dq = layers.filter((l) => l.wBits === 4);
    assert.ok(dq.length >= 3);
    // Its 1x1 expand still runs at 14x14, its depthwise (stride 2) and 1x1 project at 7x7.
    assert.ok(Math.abs(f('mMacsRes:pw:r2:dq') - macsOf((l) => l.wBits === 4 && l.kind === 'conv' && l.outH === 14)) < 1e-12);
    assert.ok(Math.abs(f('mMacsRes:pw:r4:dq') - macsOf((l) => l.wBits === 4 && l.kind === 'conv' && l.outH === 7)) < 1e-12);
    assert.ok(f('mMacsRes:pw:r2:dq') > 0 && f('mMacsRes:pw:r4:dq') > 0);
    assert.ok(Math.abs(f('mMacsRes:dw:r4:dq') - macsOf((l) => l.wBits === 4 && l.kind === 'dwconv')) < 1e-12);
    // Every convolution MAC is counted once.
    const all = kStructureFeatures.filter((n) => n.startsWith('mMacsRes:')).reduce((s, n) => s + f(n), 0);
    assert.ok(Math.abs(all - macsOf((l) => l.kind === 'conv' || l.kind === 'dwconv')) < 1e-9);
    // A runtime without bits runs everything as float.
    const float = structure(config, false);
    assert.equal(kStructureFeatures.filter((n) => n.startsWith('mMacsRes:') && !n.endsWith(':f')).reduce((s, n) => s + float(n), 0), 0);
  });

  it('extend the runtime set, which stays as it was', () => {
    const layers = layersOf(space, config);
    const x = modelFeatures(layers, true, 0.3, { nchwcBlock: 16 }, blockFamilies(space, config));
    assert.deepEqual([...x.subarray(0, kRuntimeLatencyFeatures.length)], [...modelFeatures(layers, true, 0.3, { nchwcBlock: 16 })]);
    assert.equal(featureSetOf(kStructureLatencyFeatures), 'structure');
    assert.equal(featureSetOf(kRuntimeLatencyFeatures), 'runtime');
    assert.equal(featureSetOf(kFeatureSets.operators), 'operators');
    assert.equal(featureSetOf([...kRuntimeLatencyFeatures, 'blocks:mbconv:r1']), undefined);
  });
});
