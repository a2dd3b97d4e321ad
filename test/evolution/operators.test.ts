import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossover } from '../../evolution/crossover.js';
import { geneArray, geneLayout, slotActive } from '../../space/genome.js';
import { mutate } from '../../evolution/mutate.js';
import { Rng } from '../../space/rng.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { canonicalConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';

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
        if (geneArray(child, g.field)[g.index] !== geneArray(parent, g.field)[g.index]) changed++;
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
        const v = geneArray(child, g.field)[g.index];
        const inA = g.slot < 0 || slotActive(layout, a, g.slot);
        const inB = g.slot < 0 || slotActive(layout, b, g.slot);
        const va = geneArray(a, g.field)[g.index];
        const vb = geneArray(b, g.field)[g.index];
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
