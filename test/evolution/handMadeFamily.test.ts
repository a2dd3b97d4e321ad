import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handMadeFamily } from '../../evolution/handMadeFamily.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import { blockSlots, canonicalConfig, configKey, isActiveSlot, largestOfFamily } from '../../space/searchSpace.js';
import { parseConfig } from '../../space/schema.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';

const space = microSpace();

/** The values of `field` over the running blocks of `cfg`. */
function active(s: SearchSpace, cfg: SubnetConfig, field: 'kernels' | 'expands' | 'wBits' | 'aBits'): number[] {
  return blockSlots(s).filter((b) => isActiveSlot(s, cfg, b.slot)).map((b) => (cfg[field] as number[])[b.slot]);
}

const uniform = (values: readonly number[]): boolean => values.every((v) => v === values[0]);

describe('handMadeFamily', () => {
  it('has one member per width ratio, kernel, expand ratio and bit-width, at max depth', () => {
    const family = handMadeFamily(space, { bits: ['fp32', { w: 8, a: 8 }], depths: 'max' });
    assert.equal(family.length, 2 * 2 * 2 * 2);
    assert.equal(new Set(family.map((c) => configKey(space, c))).size, family.length, 'members are distinct');
    for (const cfg of family) {
      assert.deepEqual(parseConfig(space, cfg), cfg, 'valid in the space');
      assert.deepEqual(canonicalConfig(space, cfg), cfg, 'canonical');
      assert.deepEqual(cfg.depths, [2, 2]);
      assert.ok(uniform(cfg.widths) && uniform(active(space, cfg, 'kernels')) && uniform(active(space, cfg, 'expands')));
      if (cfg.wBits === undefined) {
        assert.equal(cfg.aBits, undefined, 'fp32 members are float models');
      } else {
        assert.deepEqual([...new Set(active(space, cfg, 'wBits'))], [8]);
        assert.deepEqual([...new Set(active(space, cfg, 'aBits'))], [8]);
      }
    }
    assert.equal(family.filter((c) => c.wBits === undefined).length, 8);
  });

  it('scales by uniform depth too, each level the same depth choice in every stage', () => {
    const family = handMadeFamily(space, { bits: ['fp32'], depths: 'uniform' });
    assert.equal(family.length, 2 * 2 * 2 * 2);
    assert.deepEqual([...new Set(family.map((c) => c.depths.join(',')))], ['1,1', '2,2']);
    for (const cfg of family) assert.deepEqual(parseConfig(space, cfg), cfg);
    const big = handMadeFamily(fashionMbv3, { bits: ['fp32', { w: 8, a: 8 }], depths: 'uniform' });
    assert.equal(big.length, 3 * 3 * 3 * 3 * 2);
    assert.deepEqual([...new Set(big.map((c) => c.depths.join(',')))], ['1,1,1,1', '2,2,2,2', '3,3,3,2']);
    assert.equal(handMadeFamily(fashionMbv3, { bits: ['fp32', { w: 8, a: 8 }], depths: 'max' }).length, 54);
  });

  it('refuses bit-widths the space does not offer and an empty list', () => {
    assert.throws(() => handMadeFamily(space, { bits: [{ w: 6, a: 8 }], depths: 'max' }), /weight bits 6 are not one of the space's quant.weightBits \[4, 8, 32\]/);
    assert.throws(() => handMadeFamily(space, { bits: [], depths: 'max' }), /options.bits must name at least one bit-width/);
  });
});

describe('handMadeFamily on fashion-hybrid', () => {
  it('scales each block family at each stem stride; ResNet-8 and ResNet-14 are members', () => {
    const hybrid = fashionHybrid;
    const family = handMadeFamily(hybrid, { bits: ['fp32'], depths: 'uniform' });
    assert.equal(family.length, 3 * 3 * 3 * 2 * 1 * 3);
    assert.equal(new Set(family.map((c) => configKey(hybrid, c))).size, family.length, 'members are distinct');
    for (const cfg of family) {
      assert.deepEqual(parseConfig(hybrid, cfg), cfg);
      assert.deepEqual(canonicalConfig(hybrid, cfg), cfg);
      assert.ok(uniform(cfg.widths) && uniform(active(hybrid, cfg, 'expands')));
      assert.equal(new Set(cfg.families).size, 1);
    }
    const resnet = (depth: number): SubnetConfig =>
      canonicalConfig(hybrid, { ...largestOfFamily(hybrid, 'resnet'), depths: [depth, depth, depth], widths: [0.67, 0.67, 0.67], stemStride: 1 });
    const keys = new Set(family.map((c) => configKey(hybrid, c)));
    assert.ok(keys.has(configKey(hybrid, resnet(1))), 'ResNet-8');
    assert.ok(keys.has(configKey(hybrid, resnet(2))), 'ResNet-14');
  });

  it('leaves fashion-mbv3\'s family as it was', () => {
    const family = handMadeFamily(fashionMbv3, { bits: ['fp32', { w: 8, a: 8 }], depths: 'uniform' });
    assert.equal(family.length, 3 * 3 * 3 * 3 * 2);
    assert.ok(family.every((c) => !('families' in c) && !('stemStride' in c)));
  });
});
