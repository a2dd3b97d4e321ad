import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { partSpec, partVariants } from '../../profiling/variants.js';
import { Rng } from '../../space/rng.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { microSpace } from '../fixtures/data.js';

describe('partVariants', () => {
  for (const space of [microSpace(), fashionMbv3]) {
    for (const bits of [false, true]) {
      it(`covers every part of random ${space.name} configs (${bits ? 'with' : 'without'} bits), each once`, () => {
        const variants = partVariants(space, { bits });
        const keys = new Set(variants.map((v) => v.key));
        assert.equal(keys.size, variants.length, 'keys are distinct');
        const rng = new Rng(9);
        for (let i = 0; i < 1500; i++) {
          const cfg = sampleConfig(space, rng, { quant: bits && i % 2 ? 'mixed' : 'fp32' });
          for (const part of latencyParts(layersOf(space, cfg), { bits })) {
            assert.ok(keys.has(part.key), `${part.key} of ${JSON.stringify(cfg)} is not enumerated`);
          }
        }
        assert.equal(variants.filter((v) => v.kind === 'stem').length, bits ? 2 : 1);
        assert.equal(variants.filter((v) => v.kind === 'head').length, space.widthRatios.length * (bits ? 1 + space.quant.actBits.length : 1));
      });
    }
  }

  it('gives each variant a config that contains it, at the index given', () => {
    const space = microSpace();
    const variants = partVariants(space, { bits: true });
    assert.equal(variants.length, 304);
    for (const v of variants) {
      const parts = latencyParts(layersOf(space, v.config));
      assert.equal(parts[v.index].key, v.key);
      assert.equal(parts[v.index].kind, v.kind);
    }
  });
});

describe('partSpec', () => {
  it('locates a part: kind, block slot and tensor shapes', () => {
    const space = microSpace();
    const cfg = { depths: [1, 2], kernels: [3, 3, 3, 5], expands: [2, 2, 2, 3], widths: [1, 0.5] };
    const parts = latencyParts(layersOf(space, cfg));
    assert.deepEqual(partSpec(space, cfg, parts, 0), { kind: 'stem', slot: undefined, inputShape: [28, 28, 1], outputShape: [14, 14, 8] });
    assert.deepEqual(partSpec(space, cfg, parts, 1), { kind: 'block', slot: 0, inputShape: [14, 14, 8], outputShape: [7, 7, 16] });
    assert.deepEqual(partSpec(space, cfg, parts, 3), { kind: 'block', slot: 3, inputShape: [4, 4, 16], outputShape: [4, 4, 16] });
    assert.deepEqual(partSpec(space, cfg, parts, 4), { kind: 'head', slot: undefined, inputShape: [4, 4, 16], outputShape: [1, 1, 10] });
  });
});
