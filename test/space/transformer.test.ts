import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpaceValidationError } from '../../space/schema.js';
import {
  countTransformersExact, fashionVit, largestTransformer, parseTransformerConfig, parseTransformerSpace, sampleTransformer,
  smallestTransformer, transformerConfigKey, transformerCost, transformerSpaceByName, tokenCount,
} from '../../space/transformer/index.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { Rng } from '../../space/rng.js';
import { tinyVitSpace } from '../fixtures/vit.js';

function rejects(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof SpaceValidationError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

describe('transformer space', () => {
  it('fashion-vit parses as given, from a value or JSON text, and is found by name', () => {
    assert.deepEqual(parseTransformerSpace(fashionVit), fashionVit);
    assert.deepEqual(parseTransformerSpace(JSON.stringify(fashionVit)), fashionVit);
    assert.equal(transformerSpaceByName('fashion-vit'), fashionVit);
    assert.throws(() => transformerSpaceByName('fashion-bert'), /unknown transformer space 'fashion-bert': use one of fashion-vit/);
    assert.equal(tokenCount(fashionVit), 16);
    assert.equal(tokenCount(tinyVitSpace('cls')), 17);
  });

  it('rejects a bad space naming every problem and the fix', () => {
    rejects(() => parseTransformerSpace({ ...fashionVit, patchSize: 5 }), /space\.patchSize = 5 does not divide the 28x28 input: use one of 2, 4, 7, 14, 28/);
    rejects(() => parseTransformerSpace({ ...fashionVit, embedDims: [96, 64] }), /space\.embedDims = \[96, 64\] must be ascending/);
    rejects(() => parseTransformerSpace({ ...fashionVit, mlpRatios: [2.5], embedDims: [65] }), /2\.5 x embedDim 65 = 162\.5 hidden units is not an integer/);
    rejects(() => parseTransformerSpace({ ...fashionVit, pool: 'max' }), /space\.pool = "max" is invalid/);
    rejects(() => parseTransformerSpace({ ...fashionVit, kind: undefined }), /space\.kind is missing: expected "vit"/);
    rejects(() => parseTransformerSpace({ ...fashionVit, dropout: 0.1 }), /space has unknown field\(s\) 'dropout'/);
    rejects(() => parseTransformerSpace('{"kind": '), /space is not valid JSON/);
  });

  it('validates configs against the space', () => {
    const cfg = largestTransformer(fashionVit);
    assert.deepEqual(parseTransformerConfig(fashionVit, JSON.stringify(cfg)), cfg);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, embedDim: 100 }), /config\.embedDim = 100 is not one of the space's embedDims \[64, 96, 128\]/);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, depth: 7 }), /config\.depth = 7 is not one of the space's depths \[2, 3, 4, 5, 6\]/);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, depth: 5 }), /config\.heads has 6 entries but config\.depth is 5: give one entry per layer that runs/);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, heads: [4, 4, 3, 4, 4, 4] }), /config\.heads\[2\] = 3 is not one of the space's heads \[2, 4\]/);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, mlpRatios: [4, 4, 4, 4, 4, 8] }), /config\.mlpRatios\[5\] = 8 is not one of/);
    rejects(() => parseTransformerConfig(fashionVit, { ...cfg, kernels: [3] }), /config has unknown field\(s\) 'kernels'/);
  });

  it('largest, smallest and seeded random SubTransformers are valid; the same seed gives the same ones', () => {
    assert.deepEqual(largestTransformer(fashionVit), { kind: 'vit', embedDim: 128, depth: 6, heads: [4, 4, 4, 4, 4, 4], mlpRatios: [4, 4, 4, 4, 4, 4] });
    assert.deepEqual(smallestTransformer(fashionVit), { kind: 'vit', embedDim: 64, depth: 2, heads: [2, 2], mlpRatios: [2, 2] });
    const draw = (seed: number): TransformerConfig[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 300 }, () => sampleTransformer(fashionVit, rng));
    };
    const configs = draw(7);
    assert.deepEqual(configs, draw(7));
    assert.notDeepEqual(configs, draw(8));
    for (const cfg of configs) parseTransformerConfig(fashionVit, cfg);
    for (const depth of fashionVit.depths) assert.ok(configs.some((c) => c.depth === depth), `depth ${depth} drawn`);
    for (const d of fashionVit.embedDims) assert.ok(configs.some((c) => c.embedDim === d), `embedDim ${d} drawn`);
    assert.equal(new Set(configs.map(transformerConfigKey)).size, new Set(configs.map((c) => JSON.stringify(c))).size, 'equal keys for equal configs only');
    assert.equal(transformerConfigKey(smallestTransformer(fashionVit)), 'd64-L2-h2.2-r2.2');
  });

  it('counts every SubTransformer exactly (checked by enumerating the tiny space)', () => {
    const tiny = tinyVitSpace();
    // embedDims 2 x (depth 1: 4 + depth 2: 16)
    assert.equal(countTransformersExact(tiny), 40n);
    const seen = new Set<string>();
    const rng = new Rng(1);
    for (let i = 0; i < 2000; i++) seen.add(transformerConfigKey(sampleTransformer(tiny, rng)));
    assert.equal(seen.size, 40);
    assert.equal(countTransformersExact(fashionVit), 3n * (6n ** 2n + 6n ** 3n + 6n ** 4n + 6n ** 5n + 6n ** 6n));
  });

  it('MACs and params of a SubTransformer, counted by hand', () => {
    // tiny, cls pooling, d=16, one layer of 1 head (A=8) and ratio 2 (hidden 32); T = 16 patches + cls.
    const cfg: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 1, heads: [1], mlpRatios: [2] };
    const t = 17;
    const patch = 16 * 49 * 16;
    const layerMacs = t * (3 * 16 * 8 + 8 * 16 + 2 * 16 * 32) + 2 * t * t * 8;
    const classifier = 16 * 10;
    assert.equal(transformerCost(tinyVitSpace(), cfg).macs, patch + layerMacs + classifier);
    const params = (49 * 16 + 16) + 16 /* cls */ + t * 16 /* pos */ + 2 * 16 /* final LN */ + (16 * 10 + 10)
      + (3 * (16 * 8 + 8) + 8 * 16 + 16) + (16 * 32 + 32 + 32 * 16 + 16) + 2 * 2 * 16;
    assert.equal(transformerCost(tinyVitSpace(), cfg).params, params);
    const largest = transformerCost(fashionVit, largestTransformer(fashionVit));
    const smallest = transformerCost(fashionVit, smallestTransformer(fashionVit));
    assert.equal(largest.macs, 19_369_216);
    assert.equal(largest.params, 1_199_626);
    assert.ok(smallest.macs < largest.macs / 10 && smallest.params < largest.params / 10);
  });
});
