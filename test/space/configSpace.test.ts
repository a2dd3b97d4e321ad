import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSpace } from '../../space/configSpace.js';
import { fashionHybrid, fashionMbv3, fashionPlain } from '../../space/defaultSpace.js';
import { macs, params } from '../../space/layers.js';
import { Rng } from '../../space/rng.js';
import { parseConfig, parseSearchSpace } from '../../space/schema.js';
import { largestConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';

describe('configSpace', () => {
  it('keeps the same network in a valid space of the choices it uses (equal MACs and params)', () => {
    const rng = new Rng(9);
    for (const space of [fashionHybrid, fashionMbv3, fashionPlain]) {
      for (let i = 0; i < 40; i++) {
        const cfg = sampleConfig(space, rng);
        const reduced = configSpace(space, cfg);
        parseSearchSpace(reduced.space);
        parseConfig(reduced.space, reduced.config);
        assert.equal(macs(reduced.space, reduced.config), macs(space, cfg));
        assert.equal(params(reduced.space, reduced.config), params(space, cfg));
        assert.ok(reduced.space.kernels.every((k) => space.kernels.includes(k)));
        assert.ok(reduced.space.widthRatios.length <= new Set(cfg.widths).size);
        assert.deepEqual(reduced.space.stages.map((s) => s.depths), cfg.depths.map((d) => [d]));
      }
    }
  });

  it('reduces ResNet-14 to a space of one family, one kernel, one ratio', () => {
    const cfg = {
      depths: [2, 2, 2], kernels: new Array(9).fill(3), expands: new Array(9).fill(1), widths: [0.67, 0.67, 0.67],
      families: ['resnet', 'resnet', 'resnet'] as const, stemStride: 1 as const,
    };
    const { space, config } = configSpace(fashionHybrid, parseConfig(fashionHybrid, { ...cfg, families: [...cfg.families] }));
    assert.deepEqual(space.families, [{ name: 'resnet', expands: [1] }]);
    assert.deepEqual(space.stages.map((s) => s.depths), [[2], [2], [2]]);
    assert.deepEqual(space.widthRatios, [0.67]);
    assert.deepEqual(space.stem.strides, [1]);
    assert.equal(config.kernels.length, 6);
    assert.deepEqual(smallestConfig(space), config);
    assert.deepEqual(largestConfig(space), config);
    // Reduced again (a standalone network's own space), it is the same space, name and all.
    assert.equal(space.name, 'fashion-hybrid-standalone');
    assert.deepEqual(configSpace(space, config).space, space);
  });
});
