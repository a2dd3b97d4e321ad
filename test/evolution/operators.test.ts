import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { crossover } from '../../evolution/crossover.js';
import { encodeConfigs, geneIndex, geneLayout, geneValue, slotActive } from '../../space/genome.js';
import { mutate } from '../../evolution/mutate.js';
import { sampleMember } from '../../evolution/searchGenome.js';
import { Rng } from '../../space/rng.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import { canonicalConfig, largestConfig, sampleConfig, smallestConfig, stageFamily } from '../../space/searchSpace.js';
import { configProblems } from '../../space/schema.js';
import type { SubnetConfig } from '../../space/types.js';

const layout = geneLayout(fashionMbv3, 'mixed');
const genes = [...layout.stageGenes, ...layout.slotGenes];

describe('mutate', () => {
  it('with probability 0 returns an equal copy', () => {
    const rng = new Rng(1);
    const parent = sampleConfig(fashionMbv3, rng, { quant: 'mixed' });
    const child = mutate(layout, parent, rng, 0);
    assert.deepEqual(child, parent);
    assert.notEqual(child.kernels, parent.kernels);
  });

  it('redraws each gene with probability p and returns canonical configs', () => {
    const rng = new Rng(2);
    let changed = 0;
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const parent = sampleConfig(fashionMbv3, rng, { quant: 'mixed' });
      const child = mutate(layout, parent, rng, 0.3);
      assert.deepEqual(canonicalConfig(fashionMbv3, child), child);
      for (const g of layout.stageGenes) {
        compared++;
        if (geneValue(layout, child, g) !== geneValue(layout, parent, g)) changed++;
      }
    }
    // A redraw keeps the value with probability 1/3 (three choices per stage gene): 0.3 * 2/3 = 0.2.
    assert.ok(Math.abs(changed / compared - 0.2) < 0.03, `changed share ${changed / compared}`);
  });

  it('draws fresh genes for blocks that a deeper stage brings into play', () => {
    const rng = new Rng(4);
    const parent = smallestConfig(fashionMbv3, { quant: 'mixed' });
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const child = mutate(layout, parent, rng, 0.5);
      for (const g of layout.slotGenes) {
        if (g.field === 'kernels' && slotActive(layout, child, g.slot) && !slotActive(layout, parent, g.slot)) seen.add(child.kernels[g.slot]);
      }
    }
    assert.deepEqual([...seen].sort(), [3, 5, 7]);
  });

  it('is a function of the rng state', () => {
    const parent = sampleConfig(fashionMbv3, new Rng(5), { quant: 'mixed' });
    assert.deepEqual(mutate(layout, parent, new Rng(6), 0.1), mutate(layout, parent, new Rng(6), 0.1));
  });
});

describe('crossover', () => {
  it('takes every gene from a parent that runs it, about half from each', () => {
    const rng = new Rng(7);
    let fromA = 0;
    let both = 0;
    for (let i = 0; i < 200; i++) {
      const a = sampleConfig(fashionMbv3, rng, { quant: 'mixed' });
      const b = sampleConfig(fashionMbv3, rng, { quant: 'mixed' });
      const child = crossover(layout, a, b, rng);
      assert.deepEqual(canonicalConfig(fashionMbv3, child), child);
      for (const g of genes) {
        if (g.slot >= 0 && !slotActive(layout, child, g.slot)) continue;
        const v = geneValue(layout, child, g);
        const inA = g.slot < 0 || slotActive(layout, a, g.slot);
        const inB = g.slot < 0 || slotActive(layout, b, g.slot);
        const va = geneValue(layout, a, g);
        const vb = geneValue(layout, b, g);
        assert.ok((inA && v === va) || (inB && v === vb), `${g.field}[${g.index}] = ${v} comes from neither parent`);
        if (inA && inB && va !== vb) {
          both++;
          if (v === va) fromA++;
        }
      }
    }
    assert.ok(Math.abs(fromA / both - 0.5) < 0.05, `share from a ${fromA / both}`);
  });

  it('of a config with itself gives the config', () => {
    const a = sampleConfig(fashionMbv3, new Rng(8), { quant: 'mixed' });
    assert.deepEqual(crossover(layout, a, a, new Rng(9)), a);
  });
});

describe('mutate and crossover on fashion-mbv3 (no family genes)', () => {
  it('draw the same children from the same seed as before family genes existed (golden hash)', () => {
    // sha256 of the hex encoding of 200 rounds of (mutate(a, 0.2), crossover(a, b)) over
    // sampleMember parents from Rng(21), computed by the code before family genes.
    const golden = { fp32: '8029be93b12c9314', mixed: 'b2e2dd62adb3e986' };
    for (const quant of ['fp32', 'mixed'] as const) {
      const l = geneLayout(fashionMbv3, quant);
      const rng = new Rng(21);
      const children: SubnetConfig[] = [];
      for (let i = 0; i < 200; i++) {
        const a = sampleMember(fashionMbv3, rng, quant);
        const b = sampleMember(fashionMbv3, rng, quant);
        children.push(mutate(l, a, rng, 0.2), crossover(l, a, b, rng));
      }
      const hex = Buffer.from(encodeConfigs(l, children)).toString('hex');
      assert.equal(createHash('sha256').update(hex).digest('hex').slice(0, 16), golden[quant]);
      assert.ok(children.every((c) => !('families' in c) && !('stemStride' in c)));
    }
  });
});

describe('mutate and crossover on fashion-hybrid (block families, elastic stem stride)', () => {
  const space = fashionHybrid;
  const hybrid = geneLayout(space, 'mixed');
  const familyOf = (cfg: SubnetConfig, stage: number) => stageFamily(space, cfg, stage);

  /** A child is valid, canonical and keyed in the sampler's order. */
  function assertMember(cfg: SubnetConfig): void {
    assert.deepEqual(configProblems(space, cfg), []);
    assert.equal(JSON.stringify(canonicalConfig(space, cfg)), JSON.stringify(cfg));
  }

  it('always give valid, canonical configs, and every family and stem stride occurs', () => {
    const rng = new Rng(31);
    const families = new Set<string>();
    const strides = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const a = sampleMember(space, rng, 'mixed');
      const b = sampleMember(space, rng, 'mixed');
      for (const child of [mutate(hybrid, a, rng, 0.3), crossover(hybrid, a, b, rng)]) {
        assertMember(child);
        child.families?.forEach((f) => families.add(f));
        strides.add(child.stemStride as number);
      }
    }
    assert.deepEqual([...families].sort(), ['fused', 'mbconv', 'resnet']);
    assert.deepEqual([...strides].sort(), [1, 2]);
    for (const quant of ['fp32', 'mixed'] as const) {
      const l = geneLayout(space, quant);
      const parent = largestConfig(space, { quant });
      assertMember(mutate(l, parent, rng, 1));
      assertMember(crossover(l, parent, smallestConfig(space, { quant }), rng));
    }
  });

  it('mutate: a stage that changes family keeps its running blocks\' expand indices', () => {
    const rng = new Rng(32);
    let followed = 0;
    let kept = 0;
    for (let i = 0; i < 400; i++) {
      const parent = sampleConfig(space, rng, { quant: 'mixed' });
      const child = mutate(hybrid, parent, rng, 0.1);
      for (const g of hybrid.slotGenes) {
        if (g.field !== 'expands' || !slotActive(hybrid, parent, g.slot) || !slotActive(hybrid, child, g.slot)) continue;
        if (familyOf(child, g.stage).name === familyOf(parent, g.stage).name) continue;
        followed++;
        if (geneIndex(hybrid, child, g) === geneIndex(hybrid, parent, g)) kept++;
      }
    }
    // Redrawn with probability 0.1 (and then the same index with 1/3): kept 0.93 of the time;
    // a redraw on every family change would keep 1/3.
    assert.ok(followed > 100, `${followed} expand genes followed a family change`);
    assert.ok(kept / followed > 0.88, `kept ${kept} of ${followed}`);
  });

  it('crossover: a child\'s stage takes a parent\'s family, each expand index comes from a parent running it', () => {
    const rng = new Rng(33);
    for (let i = 0; i < 300; i++) {
      const a = sampleConfig(space, rng, { quant: 'mixed' });
      const b = sampleConfig(space, rng, { quant: 'mixed' });
      const child = crossover(hybrid, a, b, rng);
      assertMember(child);
      assert.ok(child.stemStride === a.stemStride || child.stemStride === b.stemStride);
      space.stages.forEach((_, s) => assert.ok([a, b].some((p) => familyOf(p, s).name === familyOf(child, s).name)));
      for (const g of hybrid.slotGenes) {
        if (g.field !== 'expands' || !slotActive(hybrid, child, g.slot)) continue;
        const k = geneIndex(hybrid, child, g);
        assert.ok([a, b].some((p) => slotActive(hybrid, p, g.slot) && geneIndex(hybrid, p, g) === k), `expands[${g.slot}]`);
      }
    }
  });
});
