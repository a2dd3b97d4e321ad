import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../space/rng.js';
import {
  blockSlots, canonicalConfig, configKey, isActiveSlot, largestConfig, sampleConfig, sampleConfigBySize, sampleConfigWith, smallestConfig,
} from '../../space/searchSpace.js';
import { countSubnets, countSubnetsExact, formatCount } from '../../space/count.js';
import { layersOf, macs } from '../../space/layers.js';
import { parseConfig } from '../../space/schema.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { tinySpace } from './tinySpace.js';

test('blockSlots lays out each stage at its largest depth', () => {
  assert.deepEqual(blockSlots(tinySpace()), [
    { slot: 0, stage: 0, block: 0, stride: 2 },
    { slot: 1, stage: 0, block: 1, stride: 1 },
    { slot: 2, stage: 1, block: 0, stride: 2 },
  ]);
  assert.equal(blockSlots(fashionMbv3).length, 3 + 3 + 3 + 2);
  const cfg = { ...largestConfig(tinySpace()), depths: [1, 1] };
  assert.deepEqual([0, 1, 2].map((s) => isActiveSlot(tinySpace(), cfg, s)), [true, false, true]);
  assert.throws(() => isActiveSlot(tinySpace(), cfg, 3), /slot 3 is out of range: the space has 3 block slots/);
});

test('largest and smallest configs take the ends of every choice list', () => {
  const space = tinySpace();
  assert.deepEqual(largestConfig(space), { depths: [2, 1], kernels: [5, 5, 5], expands: [4, 4, 4], widths: [1, 1] });
  assert.deepEqual(smallestConfig(space, { quant: 'mixed' }), {
    depths: [1, 1], kernels: [3, 3, 3], expands: [2, 2, 2], widths: [0.5, 0.5], wBits: [4, 4, 4], aBits: [8, 8, 8],
  });
  assert.deepEqual(largestConfig(space, { quant: 'mixed' }).wBits, [8, 8, 8]);
});

test('sampling is seeded, canonical, valid, and reaches every choice', () => {
  for (const quant of ['fp32', 'mixed'] as const) {
    const a = new Rng(7);
    const b = new Rng(7);
    const seen = { depths: new Set<number>(), kernels: new Set<number>(), expands: new Set<number>(), wBits: new Set<number>() };
    const keys = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const cfg = sampleConfig(fashionMbv3, a, { quant });
      assert.deepEqual(sampleConfig(fashionMbv3, b, { quant }), cfg);
      assert.deepEqual(parseConfig(fashionMbv3, cfg), cfg);
      assert.deepEqual(canonicalConfig(fashionMbv3, cfg), cfg);
      assert.equal(cfg.wBits !== undefined, quant === 'mixed');
      cfg.depths.forEach((d) => seen.depths.add(d));
      cfg.kernels.forEach((k) => seen.kernels.add(k));
      cfg.expands.forEach((e) => seen.expands.add(e));
      cfg.wBits?.forEach((w) => seen.wBits.add(w));
      keys.add(configKey(fashionMbv3, cfg));
    }
    assert.equal(seen.depths.size, 3);
    assert.equal(seen.kernels.size, 3);
    assert.equal(seen.expands.size, 3);
    assert.equal(seen.wBits.size, quant === 'mixed' ? 4 : 0);
    assert.ok(keys.size > 290, `300 samples of a 4e12 space should be nearly all distinct (got ${keys.size})`);
  }
  const other = sampleConfig(fashionMbv3, new Rng(8));
  assert.notDeepEqual(other, sampleConfig(fashionMbv3, new Rng(7)));
});

test('canonical form and key ignore skipped slots only', () => {
  const space = tinySpace();
  const base: SubnetConfig = {
    depths: [1, 1], widths: [1, 0.5], kernels: [5, 5, 3], expands: [4, 4, 2], wBits: [8, 8, 4], aBits: [32, 32, 8],
  };
  const otherSkipped: SubnetConfig = { ...base, kernels: [5, 3, 3], expands: [4, 2, 2], wBits: [8, 4, 4], aBits: [32, 8, 8] };
  assert.deepEqual(canonicalConfig(space, base), canonicalConfig(space, otherSkipped));
  assert.deepEqual(canonicalConfig(space, base).kernels, [5, 3, 3]);
  assert.equal(configKey(space, base), configKey(space, otherSkipped));
  assert.equal(configKey(space, base), 'd1,1|r1,0.5|k5,3|e4,2|w8,4|a32,8');
  assert.notEqual(configKey(space, base), configKey(space, { ...base, kernels: [3, 5, 3] }));
  assert.notEqual(configKey(space, base), configKey(space, { ...base, depths: [2, 1] }));
  assert.notEqual(configKey(space, base), configKey(space, { ...base, widths: [0.5, 0.5] }));
  const float = { depths: base.depths, widths: base.widths, kernels: base.kernels, expands: base.expands };
  assert.notEqual(configKey(space, float), configKey(space, base));
  assert.deepEqual(base.kernels, [5, 5, 3], 'canonicalConfig does not modify its argument');
});

/** Every config of `space`, skipped slots included, with or without bits. */
function* allConfigs(space: SearchSpace, mixed: boolean): Generator<SubnetConfig> {
  const n = blockSlots(space).length;
  const perSlot: number[][] = [];
  for (const k of space.kernels) {
    for (const e of space.expands) {
      if (!mixed) perSlot.push([k, e]);
      else for (const w of space.quant.weightBits) for (const a of space.quant.actBits) perSlot.push([k, e, w, a]);
    }
  }
  const product = <T>(lists: T[][]): T[][] =>
    lists.reduce<T[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);
  for (const depths of product(space.stages.map((s) => s.depths))) {
    for (const widths of product(space.stages.map(() => space.widthRatios))) {
      for (const slots of product(new Array(n).fill(perSlot) as number[][][])) {
        const cfg: SubnetConfig = { depths, widths, kernels: slots.map((s) => s[0]), expands: slots.map((s) => s[1]) };
        if (mixed) {
          cfg.wBits = slots.map((s) => s[2]) as SubnetConfig['wBits'];
          cfg.aBits = slots.map((s) => s[3]) as SubnetConfig['aBits'];
        }
        yield cfg;
      }
    }
  }
}

test('countSubnets equals brute-force enumeration of distinct subnets in a tiny space', () => {
  const space = tinySpace();
  for (const quant of ['fp32', 'mixed'] as const) {
    const keys = new Set<string>();
    const networks = new Set<string>();
    let raw = 0;
    for (const cfg of allConfigs(space, quant === 'mixed')) {
      raw++;
      keys.add(configKey(space, cfg));
      networks.add(JSON.stringify(layersOf(space, cfg)));
    }
    const c = quant === 'mixed' ? 2 * 2 * 2 * 2 : 2 * 2;
    const expected = ((c + c ** 2) * 2) * (c * 2); // stage 0: depths 1-2, stage 1: depth 1; 2 ratios each
    assert.equal(countSubnets(space, { quant }), expected);
    assert.equal(keys.size, expected);
    assert.equal(networks.size, expected, 'distinct keys are distinct networks');
    assert.ok(raw > expected, 'the enumeration includes configs that differ only in skipped slots');
  }
  assert.equal(countSubnets(space), 320);
  assert.equal(countSubnets(space, { quant: 'mixed' }), 17408);
});

test('countSubnetsExact stays exact past 2^53 and formatCount abbreviates', () => {
  const mixed = countSubnetsExact(fashionMbv3, { quant: 'mixed' });
  const c = 72n;
  const stage3 = 3n * (c + c ** 2n + c ** 3n);
  assert.equal(mixed, stage3 ** 3n * 3n * (c + c ** 2n));
  assert.equal(formatCount(320n), '320');
  assert.equal(formatCount(mixed), '2.31e+22');
});

test('largest >= any sample >= smallest in MACs', () => {
  const rng = new Rng(1);
  const hi = macs(fashionMbv3, largestConfig(fashionMbv3));
  const lo = macs(fashionMbv3, smallestConfig(fashionMbv3));
  for (let i = 0; i < 200; i++) {
    const m = macs(fashionMbv3, sampleConfig(fashionMbv3, rng));
    assert.ok(lo <= m && m <= hi, `sample ${i}: ${m} MACs outside [${lo}, ${hi}]`);
  }
});

test('size-first sampling spreads configs from the smallest to the largest subnet', () => {
  const hi = macs(fashionMbv3, largestConfig(fashionMbv3));
  const lo = macs(fashionMbv3, smallestConfig(fashionMbv3));
  const fractions = (draw: (rng: Rng) => SubnetConfig): number[] => {
    const rng = new Rng(3);
    return Array.from({ length: 400 }, () => (macs(fashionMbv3, draw(rng)) - lo) / (hi - lo));
  };
  const quartiles = (xs: number[]): number[] => [0, 1, 2, 3].map((q) => xs.filter((x) => x >= q / 4 && x < (q + 1) / 4 + (q === 3 ? 1e-9 : 0)).length);
  const uniform = quartiles(fractions((rng) => sampleConfig(fashionMbv3, rng)));
  const sizes = quartiles(fractions((rng) => sampleConfigBySize(fashionMbv3, rng)));
  // Uniform genes leave the top size quartile empty; the size-first stream fills every quartile.
  assert.equal(uniform[3], 0, `uniform quartiles ${uniform}`);
  for (const [q, count] of sizes.entries()) assert.ok(count >= 40, `size-first quartile ${q} holds ${count} of 400 (${sizes})`);

  const a = new Rng(5);
  const b = new Rng(5);
  for (let i = 0; i < 100; i++) {
    const cfg = sampleConfigWith('sizes', fashionMbv3, a, { quant: 'mixed' });
    assert.deepEqual(sampleConfigBySize(fashionMbv3, b, { quant: 'mixed' }), cfg);
    assert.deepEqual(parseConfig(fashionMbv3, cfg), cfg);
    assert.deepEqual(canonicalConfig(fashionMbv3, cfg), cfg);
    assert.equal(cfg.wBits?.length, cfg.kernels.length);
  }
  assert.deepEqual(sampleConfigWith('uniform', fashionMbv3, new Rng(9)), sampleConfig(fashionMbv3, new Rng(9)));
});
