import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { partSpec, partVariants } from '../../profiling/variants.js';
import { fashionHybrid, fashionMbv3, kSpaces } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import { Rng } from '../../space/rng.js';
import { sampleConfig, sampleConfigBySize } from '../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { hybridMicroSpace } from '../fixtures/hybridSpace.js';

/** The built-in spaces with block families, and the micro space that has every family. */
const familySpaces: SearchSpace[] = [...Object.values(kSpaces).filter((s) => s.families !== undefined), hybridMicroSpace()];

describe('partVariants of block-family spaces', () => {
  for (const space of familySpaces) {
    for (const bits of [false, true]) {
      it(`${space.name} (${bits ? 'with' : 'without'} bits): every part of 50 uniform and 50 size-first random configs, float and mixed, is in the table`, () => {
        const variants = partVariants(space, { bits });
        const keys = new Set(variants.map((v) => v.key));
        assert.equal(keys.size, variants.length, 'keys are distinct');
        const rng = new Rng(2024);
        for (const quant of ['fp32', 'mixed'] as const) {
          for (let i = 0; i < 50; i++) {
            for (const cfg of [sampleConfig(space, rng, { quant }), sampleConfigBySize(space, rng, { quant })]) {
              for (const part of latencyParts(layersOf(space, cfg), { bits })) {
                assert.ok(keys.has(part.key), `${part.key} of ${JSON.stringify(cfg)} is not enumerated`);
              }
            }
          }
        }
      });
    }
  }

  it('enumerates fashion-hybrid\'s stems at each stem stride and stage-0 width, and its heads after each last-stage width', () => {
    const count = (bits: boolean) => {
      const by: Record<string, number> = {};
      for (const v of partVariants(fashionHybrid, { bits })) by[v.kind] = (by[v.kind] ?? 0) + 1;
      return by;
    };
    // 2 stem strides x 3 widths; with bits, also at the stem's 8 bits. Heads: 2 strides x 3
    // widths; with bits, also quantized after a float or a quantized last block.
    assert.deepEqual(count(false), { stem: 6, head: 6, block: 444 });
    assert.deepEqual(count(true), { stem: 12, head: 18, block: 3552 });
  });

  it('gives each fashion-hybrid variant a config that contains it, at the index given', () => {
    for (const v of partVariants(fashionHybrid, { bits: true })) {
      const parts = latencyParts(layersOf(fashionHybrid, v.config));
      assert.equal(parts[v.index].key, v.key);
      assert.equal(parts[v.index].kind, v.kind);
    }
  });

  it('locates a resnet block with its projection shortcut: the block the lowering marks, at its slot in the deployed graph', () => {
    const cfg: SubnetConfig = {
      depths: [1, 2, 1], kernels: new Array(9).fill(3), expands: [2, 2, 2, 1, 0.5, 0.5, 2, 2, 2], widths: [1, 0.67, 1], families: ['mbconv', 'resnet', 'fused'], stemStride: 1,
    };
    const parts = latencyParts(layersOf(fashionHybrid, cfg));
    assert.deepEqual(parts.map((p) => p.block), [-1, 0, 1, 2, 3, -1]);
    assert.deepEqual(partSpec(fashionHybrid, cfg, parts, 2), { kind: 'block', slot: 3, inputShape: [28, 28, 24], outputShape: [14, 14, 32] });
    assert.deepEqual(partSpec(fashionHybrid, cfg, parts, 5), { kind: 'head', slot: undefined, inputShape: [7, 7, 96], outputShape: [1, 1, 10] });
  });

  it('enumerates exactly the keys of the shipped fashion-mbv3 profiles', () => {
    const keys = partVariants(fashionMbv3, { bits: true }).map((v) => v.key).sort();
    for (const threads of [1, 2]) {
      const file = new URL(`../../../models/profiles/ort-cpu-${threads}.json`, import.meta.url);
      const profile = JSON.parse(readFileSync(file, 'utf8')) as { space: { name: string }; table: Record<string, number> };
      assert.equal(profile.space.name, 'fashion-mbv3');
      assert.deepEqual(Object.keys(profile.table).sort(), keys);
    }
  });
});
