import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeConfigs, encodeConfigs, geneIndex, geneLayout, geneValue } from '../../space/genome.js';
import { Rng } from '../../space/rng.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import {
  blockSlots, canonicalConfig, largestConfig, largestOfFamily, sampleConfig, sampleConfigBySize, smallestConfig, smallestOfFamily,
} from '../../space/searchSpace.js';
import { configProblems } from '../../space/schema.js';
import type { SubnetConfig } from '../../space/types.js';

/**
 * fashion-mbv3's genome before the family genes existed: the encodings of the first three
 * configs of sampleConfig(Rng(11)) in each quant mode, computed by that code.
 */
const kMbv3Golden = {
  fp32: '010002010200000001020201000000020201000202000102000200020000020000010000000000010000010002010000000001010000000000010000020200010201000202000102000101020000000002020200000101000000',
  mixed:
    '010002010200000001020301020200010000000002000201000200010100030000000100000000000000020002010100000000000200020101010000020003000201020102000101000102010101010002020300000102000101000100000000000201010000000001000102020000010002000000010301000000000202010101010100000000000100030100000301000201010202000000000000',
};

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

describe('the genome of a space without family genes', () => {
  it('keeps its length and encodings (golden bytes of the code before family genes)', () => {
    for (const quant of ['fp32', 'mixed'] as const) {
      const layout = geneLayout(fashionMbv3, quant);
      assert.equal(layout.length, 2 * 4 + (quant === 'mixed' ? 4 : 2) * 11);
      assert.ok(layout.genes.every((g) => g.field !== 'families' && g.field !== 'stemStride'));
      const rng = new Rng(11);
      const configs = Array.from({ length: 3 }, () => sampleConfig(fashionMbv3, rng, { quant }));
      const bytes = encodeConfigs(layout, configs);
      assert.equal(Buffer.from(bytes).toString('hex'), kMbv3Golden[quant]);
      const decoded = decodeConfigs(layout, bytes);
      assert.deepEqual(decoded, configs);
      assert.ok(decoded.every((c) => !('families' in c) && !('stemStride' in c)), 'no family keys appear');
    }
  });
});

describe('the genome of fashion-hybrid (block families, elastic stem stride)', () => {
  const space = fashionHybrid;
  const stages = space.stages.length;
  const slots = blockSlots(space).length;

  it('appends a family gene per stage and the stem-stride gene to the stage genes', () => {
    const layout = geneLayout(space, 'mixed');
    assert.equal(layout.stageGenes.length, 2 * stages + stages + 1);
    assert.equal(layout.length, layout.stageGenes.length + 4 * slots);
    assert.deepEqual(layout.stageGenes.slice(2 * stages).map((g) => g.field), ['families', 'families', 'families', 'stemStride']);
    assert.deepEqual(layout.stageGenes[2 * stages].choices, ['mbconv', 'fused', 'resnet']);
    assert.deepEqual(layout.stageGenes[3 * stages].choices, [1, 2]);
    assert.deepEqual(geneLayout(space, 'fp32').stageGenes, layout.stageGenes);
  });

  it('round-trips random configs (both streams, both quant modes) and each family\'s extremes', () => {
    const rng = new Rng(17);
    for (const quant of ['fp32', 'mixed'] as const) {
      const layout = geneLayout(space, quant);
      const configs: SubnetConfig[] = [largestConfig(space, { quant }), smallestConfig(space, { quant })];
      for (const f of space.families ?? []) configs.push(largestOfFamily(space, f.name, { quant }), smallestOfFamily(space, f.name, { quant }));
      for (let i = 0; i < 200; i++) configs.push(sampleConfig(space, rng, { quant }), sampleConfigBySize(space, rng, { quant }));
      const bytes = encodeConfigs(layout, configs);
      assert.equal(bytes.length, configs.length * layout.length);
      const decoded = decodeConfigs(layout, bytes);
      assert.deepEqual(decoded, configs);
      // The same key order as the sampler's, so results files read the same.
      assert.deepEqual(decoded.map((c) => JSON.stringify(c)), configs.map((c) => JSON.stringify(c)));
      assert.ok(decoded.every((c) => configProblems(space, c).length === 0));
    }
  });

  it('encodes an expand ratio by its index in the stage\'s family and decodes it into that family', () => {
    const layout = geneLayout(space, 'fp32');
    const cfg = canonicalConfig(space, { ...largestOfFamily(space, 'resnet'), depths: [1, 1, 1] });
    cfg.expands[0] = 0.75; // stage 0's first block, resnet: index 1
    const slot0 = layout.slotGenes.find((g) => g.field === 'expands' && g.slot === 0);
    assert.ok(slot0 !== undefined);
    assert.equal(geneIndex(layout, cfg, slot0), 1);
    const bytes = encodeConfigs(layout, [cfg]);
    const familyByte = layout.stageGenes.findIndex((g) => g.field === 'families' && g.index === 0);
    bytes[familyByte] = 1; // stage 0 becomes fused: index 1 of fused's [1, 2, 3]
    const [fused] = decodeConfigs(layout, bytes);
    assert.deepEqual(fused.families, ['fused', 'resnet', 'resnet']);
    assert.equal(fused.expands[0], 2);
    assert.equal(fused.expands[3], 1, 'stage 1 (resnet) keeps its largest ratio, 1');
    assert.deepEqual(configProblems(space, fused), []);
  });

  it('reads a config that leaves out its families and stem stride as the space\'s defaults', () => {
    const layout = geneLayout(space, 'fp32');
    const { families: _f, stemStride: _s, ...bare } = smallestConfig(space);
    const g = layout.stageGenes.find((x) => x.field === 'stemStride');
    assert.ok(g !== undefined);
    assert.equal(geneValue(layout, bare, g), space.stem.stride);
    const [decoded] = decodeConfigs(layout, encodeConfigs(layout, [bare]));
    assert.deepEqual(decoded, { ...bare, families: ['mbconv', 'mbconv', 'mbconv'], stemStride: 1 });
  });

  it('names the family of an expand ratio outside it', () => {
    const layout = geneLayout(space, 'fp32');
    const cfg = largestOfFamily(space, 'resnet');
    cfg.expands[1] = 4; // an mbconv ratio in a resnet stage
    assert.throws(() => encodeConfigs(layout, [cfg]), /config 0: expands\[1\] = 4 is not one of 0.5, 0.75, 1 \(family resnet\)/);
    const bad = { ...largestConfig(space), stemStride: 4 as 1 };
    assert.throws(() => encodeConfigs(layout, [bad]), /config 0: stemStride = 4 is not one of 1, 2/);
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
