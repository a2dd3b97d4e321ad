import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fashionMbv3, kDefaultSpaceName, spaceByName } from '../../space/defaultSpace.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { countSubnets } from '../../space/count.js';
import { bitOps, layersOf, macs, modelBytes, params } from '../../space/layers.js';
import { parseSearchSpace } from '../../space/schema.js';

test('fashion-mbv3 passes its own validation and is frozen', () => {
  assert.doesNotThrow(() => parseSearchSpace(fashionMbv3));
  assert.ok(Object.isFrozen(fashionMbv3.stages[0].depths));
  assert.equal(spaceByName(kDefaultSpaceName), fashionMbv3);
  assert.throws(() => spaceByName('imagenet'), /unknown search space 'imagenet': use one of fashion-mbv3/);
});

test('fashion-mbv3 figures stay within the training budget', () => {
  const big = largestConfig(fashionMbv3);
  const small = smallestConfig(fashionMbv3);
  assert.equal(macs(fashionMbv3, big), 12543552);
  assert.ok(macs(fashionMbv3, big) >= 10e6 && macs(fashionMbv3, big) <= 13e6);
  assert.equal(macs(fashionMbv3, small), 775520);
  assert.ok(macs(fashionMbv3, small) < 2e6);
  assert.equal(params(fashionMbv3, big), 473098);
  assert.equal(params(fashionMbv3, small), 30642);
  assert.equal(countSubnets(fashionMbv3), 4004785258110);
  assert.ok(countSubnets(fashionMbv3) > 1e6);
  assert.ok(countSubnets(fashionMbv3, { quant: 'mixed' }) > 2e22);
});

test('fashion-mbv3 ends at 4x4 and 10 classes; SE is off', () => {
  const layers = layersOf(fashionMbv3, largestConfig(fashionMbv3));
  const pool = layers.find((l) => l.kind === 'pool')!;
  assert.deepEqual([pool.inH, pool.inW, pool.inC], [4, 4, 256]);
  assert.equal(layers[layers.length - 1].outC, 10);
  assert.equal(layers.filter((l) => l.kind === 'se').length, 0);
});

test('fashion-mbv3 smallest at 4-bit weights and 8-bit activations', () => {
  const small = smallestConfig(fashionMbv3, { quant: 'mixed' });
  const float = smallestConfig(fashionMbv3);
  assert.ok(bitOps(fashionMbv3, small) < bitOps(fashionMbv3, float) / 16);
  assert.ok(modelBytes(fashionMbv3, small) < modelBytes(fashionMbv3, float) / 4);
});
