import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fashionPlain } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import type { SubnetConfig } from '../../space/types.js';
import { withUniformBits } from '../../space/bits.js';
import { createTargetModel, listTargets } from '../../latency/targets.js';
import { kLatencyFeatures, latencyFeatures } from '../../latency/latencyFeatures.js';

const space = fashionPlain;
const lower = (c: SubnetConfig) => layersOf(space, c);
/** VGG-4 of models/baselines/vgg4.json. */
const vgg4: SubnetConfig = { depths: [1, 2], kernels: [3, 3, 3, 3, 3], expands: [1, 1, 1, 1, 1], widths: [1, 1], families: ['plain', 'plain'] };

function feature(x: Float64Array, name: string): number {
  return x[kLatencyFeatures.indexOf(name)];
}

describe('latency of plain-block networks (fashion-plain)', () => {
  it('every estimate and proxy target prices them, more for more work', async () => {
    const targets = listTargets().filter((t) => t.kind !== 'measured');
    assert.ok(targets.length >= 6);
    for (const t of targets) {
      const model = await createTargetModel(t.name, lower);
      const [small, mid, big] = model.predict([smallestConfig(space), vgg4, largestConfig(space)]);
      assert.ok(Number.isFinite(small) && small > 0, `${t.name}: smallest ${small}`);
      assert.ok(small < mid && mid < big, `${t.name}: ${small} < ${mid} < ${big}`);
    }
  });

  it('measured-model features count the plain convolutions as dense kxk convolutions, with their ReLU', () => {
    const layers = lower(vgg4);
    const x = latencyFeatures(layers, false, 0);
    const convMacs = layers.filter((l) => l.kind === 'conv').reduce((s, l) => s + l.macs, 0);
    assert.ok(Math.abs(feature(x, 'mMacs:stem:ff') - convMacs / 1e6) < 1e-9);
    assert.equal(feature(x, 'mMacs:pw:ff'), 0);
    assert.equal(feature(x, 'mMacs:add:ff'), 0);
    assert.equal(feature(x, 'ops:ff'), 6);
    const reluK = (28 * 28 * 32 + 14 * 14 * 64 + 7 * 7 * 128 * 2) / 1000;
    assert.ok(Math.abs(feature(x, 'kAct:relu:f') - reluK) < 1e-9);
    const q = latencyFeatures(lower(withUniformBits(space, vgg4, 8, 8)), true, 0);
    assert.ok(Math.abs(feature(q, 'mMacs:stem:qq') - convMacs / 1e6) < 1e-9, 'all four convolutions quantized');
  });
});
