import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeConfigs, encodeConfigs, geneLayout } from '../../space/genome.js';
import { Rng } from '../../space/rng.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { blockSlots, largestConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';

describe('geneLayout', () => {
  it('lists stage genes, then per-slot genes (with bits in mixed mode)', () => {
    const stages = fashionMbv3.stages.length;
    const slots = blockSlots(fashionMbv3).length;
    const mixed = geneLayout(fashionMbv3, 'mixed');
    const fp32 = geneLayout(fashionMbv3, 'fp32');
    assert.equal(mixed.stageGenes.length, 2 * stages);
    assert.equal(mixed.slotGenes.length, 4 * slots);
    assert.equal(fp32.slotGenes.length, 2 * slots);
    assert.equal(mixed.length, 2 * stages + 4 * slots);
    assert.deepEqual(mixed.slotGenes.slice(0, 4).map((g) => g.field), ['kernels', 'expands', 'wBits', 'aBits']);
    assert.deepEqual(mixed.stageGenes[0].choices, fashionMbv3.stages[0].depths);
  });
});

describe('encodeConfigs / decodeConfigs', () => {
  it('round-trips sampled configs in both quant modes, one byte per gene', () => {
    const rng = new Rng(3);
    for (const quant of ['fp32', 'mixed'] as const) {
      const layout = geneLayout(fashionMbv3, quant);
      const configs = [smallestConfig(fashionMbv3, { quant }), largestConfig(fashionMbv3, { quant })];
      for (let i = 0; i < 50; i++) configs.push(sampleConfig(fashionMbv3, rng, { quant }));
      const bytes = encodeConfigs(layout, configs);
      assert.equal(bytes.length, configs.length * layout.length);
      assert.deepEqual(decodeConfigs(layout, bytes), configs);
    }
  });

  it('encodes choice indices', () => {
    const layout = geneLayout(fashionMbv3, 'mixed');
    assert.ok(encodeConfigs(layout, [smallestConfig(fashionMbv3, { quant: 'mixed' })]).every((b) => b === 0));
    const big = encodeConfigs(layout, [largestConfig(fashionMbv3, { quant: 'mixed' })]);
    [...layout.stageGenes, ...layout.slotGenes].forEach((g, j) => assert.equal(big[j], g.choices.length - 1));
  });

  it('names the gene and the valid choices of a value outside the space', () => {
    const layout = geneLayout(fashionMbv3, 'fp32');
    const cfg = smallestConfig(fashionMbv3);
    cfg.kernels[2] = 9;
    assert.throws(() => encodeConfigs(layout, [cfg]), /config 0: kernels\[2\] = 9 is not one of 3, 5, 7/);
    assert.throws(() => encodeConfigs(geneLayout(fashionMbv3, 'mixed'), [smallestConfig(fashionMbv3)]), /config has no wBits/);
  });

  it('rejects byte counts that are not whole genomes and choice indices out of range', () => {
    const layout = geneLayout(fashionMbv3, 'fp32');
    assert.throws(() => decodeConfigs(layout, new Uint8Array(layout.length + 1)), /not a multiple of the genome length/);
    const bytes = new Uint8Array(layout.length);
    bytes[0] = 7;
    assert.throws(() => decodeConfigs(layout, bytes), /depths\[0\] has choice 7 of 3/);
  });
});
