import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { largestTransformer, sampleTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import { Rng } from '../../space/rng.js';
import {
  kTransformerTableFeatures, transformerPartVariants, transformerParts, transformerTableFeatures, transformerTableSum,
} from '../../latency/transformer/transformerParts.js';
import { transformerFeatureNames, transformerFeatures } from '../../latency/transformer/transformerFeatures.js';
import { TransformerTableModel } from '../../latency/transformer/TransformerTableModel.js';
import { tinyVitSpace } from '../fixtures/vit.js';

describe('transformerParts', () => {
  it('splits a SubTransformer into embedding, attention and MLP halves per layer, and head, with golden keys', () => {
    const cfg = { kind: 'vit' as const, embedDim: 96, depth: 2, heads: [4, 2], mlpRatios: [3, 2] };
    assert.deepEqual(transformerParts(fashionVit, cfg).map((p) => p.key), [
      'embed:28x28x1:p7:d96:mean',
      'attn:t16:d96:h4x32', 'mlp:t16:d96:m288',
      'attn:t16:d96:h2x32', 'mlp:t16:d96:m192',
      'head:t16:d96:c10:mean',
    ]);
    const cls = tinyVitSpace('cls');
    assert.deepEqual(transformerParts(cls, smallestTransformer(cls)).map((p) => p.key), ['embed:28x28x1:p7:d16:cls', 'attn:t17:d16:h1x8', 'mlp:t17:d16:m16', 'head:t17:d16:c10:cls']);
  });

  it('lists every distinct part of the space once, covering every SubTransformer', () => {
    const variants = transformerPartVariants(fashionVit);
    // 3 widths x (embed + 2 head counts + 3 MLP widths + head)
    assert.equal(variants.length, 3 * (1 + 2 + 3 + 1));
    assert.equal(new Set(variants.map((v) => v.key)).size, variants.length);
    const keys = new Set(variants.map((v) => v.key));
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) for (const p of transformerParts(fashionVit, sampleTransformer(fashionVit, rng))) assert.ok(keys.has(p.key), p.key);
  });

  it('adds up the table entries of a config, and names a missing part and the fix', () => {
    const table = new Map(transformerPartVariants(fashionVit).map((v, i) => [v.key, i + 1]));
    const cfg = largestTransformer(fashionVit);
    const expected = transformerParts(fashionVit, cfg).reduce((s, p) => s + (table.get(p.key) as number), 0);
    assert.equal(transformerTableSum(table, fashionVit, cfg), expected);
    table.delete('mlp:t16:d128:m512');
    assert.throws(() => transformerTableSum(table, fashionVit, cfg, 'profile p.json'), /profile p\.json has no entry for part 'mlp:t16:d128:m512'.*hwnas profile --space fashion-vit/);
  });

  it('the table model is its weights on (1, table sum, layers)', () => {
    const table = Object.fromEntries(transformerPartVariants(fashionVit).map((v) => [v.key, 0.5]));
    const model = new TransformerTableModel({ target: 'ort-cpu', threads: 1, space: fashionVit, table, tableModel: {
      features: [...kTransformerTableFeatures], weights: [0.1, 1.2, 0.03], ridge: 0, subnets: 10, crossValidated: { samples: 10, shareWithin10: 1, mape: 0 },
    } });
    const cfg = smallestTransformer(fashionVit);
    const sum = 0.5 * (2 + 2 * cfg.depth);
    assert.deepEqual(Array.from(transformerTableFeatures(sum, cfg)), [1, sum, cfg.depth]);
    assert.ok(Math.abs(model.predict([cfg])[0] - (0.1 + 1.2 * sum + 0.03 * cfg.depth)) < 1e-12);
    assert.equal(model.target, 'ort-cpu:1');
  });
});

describe('transformerFeatures (HAT)', () => {
  it('embed dim, depth, averages and per-layer choices, scaled to [0, 1], zero past the depth', () => {
    const names = transformerFeatureNames(fashionVit);
    assert.equal(names.length, 4 + 2 * 6);
    const x = transformerFeatures(fashionVit, { kind: 'vit', embedDim: 64, depth: 2, heads: [4, 2], mlpRatios: [2, 4] });
    assert.equal(x.length, names.length);
    assert.deepEqual(Array.from(x.slice(0, 6)), [0.5, 2 / 6, 3 / 4, 3 / 4, 1, 0.5]);
    assert.deepEqual(Array.from(x.slice(6, 10)), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(x.slice(10, 12)), [0.5, 1]);
    assert.ok(Array.from(transformerFeatures(fashionVit, largestTransformer(fashionVit))).every((v) => v === 1));
  });
});
