import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fashionHybrid, fashionPlain, spaceByName } from '../../space/defaultSpace.js';
import { layersOf, macs, params } from '../../space/layers.js';
import { subnetPlan } from '../../space/plan.js';
import { parseConfig, parseSearchSpace, SpaceValidationError } from '../../space/schema.js';
import { canonicalConfig, largestConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';
import { decodeConfigs, encodeConfigs, geneLayout } from '../../space/genome.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig } from '../../space/types.js';
import { findPackageRoot } from '../../util/packageRoot.js';
import { hybridMicroSpace } from '../fixtures/hybridSpace.js';

/** A conv's [MACs, params] by hand: output pixels x k x k x in x out, and weights + one bias per output channel. */
function convCost(outHW: number, k: number, inC: number, outC: number): [number, number] {
  return [outHW * outHW * k * k * inC * outC, k * k * inC * outC + outC];
}

function rejects(space: unknown, pattern: RegExp): void {
  assert.throws(() => parseSearchSpace(space), (err: unknown) => {
    assert.ok(err instanceof SpaceValidationError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

describe('the plain block family and fashion-plain', () => {
  it('fashion-plain is built in, valid and frozen; fashion-hybrid does not change', () => {
    assert.equal(spaceByName('fashion-plain'), fashionPlain);
    assert.deepEqual(parseSearchSpace(JSON.parse(JSON.stringify(fashionPlain))), fashionPlain);
    assert.ok(Object.isFrozen(fashionPlain.families![0].expands));
    assert.deepEqual(fashionHybrid.families!.map((f) => f.name), ['mbconv', 'fused', 'resnet']);
  });

  it('VGG-4 (models/baselines/vgg4.json) lowers to four 3x3 convolutions, pool and classifier, counted by hand', () => {
    const file = join(findPackageRoot(import.meta.url), 'models', 'baselines', 'vgg4.json');
    const cfg = parseConfig(fashionPlain, JSON.parse(readFileSync(file, 'utf8')));
    const layers = layersOf(fashionPlain, cfg);
    assert.deepEqual(layers.map((l) => [l.kind, l.inH, l.inC, l.outH, l.outC, l.kernel, l.stride, l.act]), [
      ['conv', 28, 1, 28, 32, 3, 1, 'relu'],
      ['conv', 28, 32, 14, 64, 3, 2, 'relu'],
      ['conv', 14, 64, 7, 128, 3, 2, 'relu'],
      ['conv', 7, 128, 7, 128, 3, 1, 'relu'],
      ['pool', 7, 128, 1, 128, 7, 1, 'none'],
      ['fc', 1, 128, 1, 10, 1, 1, 'none'],
    ]);
    const hand = [convCost(28, 3, 1, 32), convCost(14, 3, 32, 64), convCost(7, 3, 64, 128), convCost(7, 3, 128, 128), [0, 0], [128 * 10, 128 * 10 + 10]];
    assert.deepEqual(layers.map((l) => [l.macs, l.params]), hand);
    assert.equal(macs(fashionPlain, cfg), 14_677_760);
    assert.equal(params(fashionPlain, cfg), 241_546);
  });

  it('the largest and smallest members: depths 2/3 at full width, and 1/1 at half width', () => {
    const big = [convCost(28, 3, 1, 32), convCost(14, 3, 32, 64), convCost(14, 3, 64, 64), convCost(7, 3, 64, 128), convCost(7, 3, 128, 128), convCost(7, 3, 128, 128)];
    assert.equal(macs(fashionPlain, largestConfig(fashionPlain)), big.reduce((s, [m]) => s + m, 0) + 1280);
    const small = [convCost(28, 3, 1, 16), convCost(14, 3, 16, 32), convCost(7, 3, 32, 64)];
    assert.equal(macs(fashionPlain, smallestConfig(fashionPlain)), small.reduce((s, [m]) => s + m, 0) + 640);
  });

  it('plans no residual, not even where the shape stays, and no middle channels beyond the output', () => {
    const plan = subnetPlan(fashionPlain, largestConfig(fashionPlain));
    assert.deepEqual(plan.blocks.map((b) => [b.inC, b.midC, b.outC, b.stride, b.residual, b.shortcut]), [
      [32, 64, 64, 2, false, false], [64, 64, 64, 1, false, false],
      [64, 128, 128, 2, false, false], [128, 128, 128, 1, false, false], [128, 128, 128, 1, false, false],
    ]);
  });

  it('round-trips through the genome: sampled fashion-plain configs and a mixed space\'s plain stages', () => {
    const rng = new Rng(4);
    for (const space of [fashionPlain, hybridMicroSpace()]) {
      const layout = geneLayout(space, 'mixed');
      const configs = Array.from({ length: 30 }, () => canonicalConfig(space, sampleConfig(space, rng, { quant: 'mixed' })));
      assert.deepEqual(decodeConfigs(layout, encodeConfigs(layout, configs)), configs);
    }
    const micro = hybridMicroSpace();
    const cfg = { depths: [1, 2], kernels: [3, 3, 5, 3], expands: [3, 2, 1, 1], widths: [0.5, 1], families: ['mbconv', 'plain'] as SubnetConfig['families'], stemStride: 2 as const };
    const layout = geneLayout(micro, 'fp32');
    assert.deepEqual(decodeConfigs(layout, encodeConfigs(layout, [cfg])), [cfg]);
  });

  it('takes 1s as the expand ratios of plain, after a family with ratios', () => {
    assert.deepEqual(hybridMicroSpace().families!.map((f) => [f.name, f.expands]).at(-1), ['plain', [1, 1]]);
    const json = (): Record<string, any> => JSON.parse(JSON.stringify(fashionPlain));
    const ratios = json();
    ratios.families[0].expands = [2];
    ratios.expands = [2];
    rejects(ratios, /space\.families\[0\]\.expands = \[2\]: the plain family has no middle channels to expand, so list 1s/);
    const first: Record<string, unknown> = { ...json(), expands: [1, 1], families: [{ name: 'plain', expands: [1, 1] }, { name: 'resnet', expands: [0.5, 1] }] };
    rejects(first, /space\.families\[0\] is 'plain', whose expand ratios carry no meaning, .*list a family with expand ratios first/);
  });
});
