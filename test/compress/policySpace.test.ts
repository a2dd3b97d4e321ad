import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { policySpace } from '../../compress/policySpace.js';
import { configSpace } from '../../space/configSpace.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { layersOf, macs } from '../../space/layers.js';
import { parseConfig, parseSearchSpace } from '../../space/schema.js';
import { largestConfig } from '../../space/searchSpace.js';
import { Supernet } from '../../supernet/Supernet.js';
import { findPackageRoot } from '../../util/packageRoot.js';

const hybrid = spaceByName('fashion-hybrid');
const baseline = (name: string) => parseConfig(hybrid, JSON.parse(readFileSync(`${findPackageRoot()}/models/baselines/${name}.json`, 'utf8')));

describe('policySpace', () => {
  it('lays out ResNet-14 (without depth) as 3 stage and 6 middle layers on grids of multiples of 8 from 20% up', () => {
    const ps = policySpace(hybrid, baseline('resnet14'), undefined, { depth: false });
    assert.deepEqual(ps.layers.map((l) => l.name), ['stage0.out', 'block0.mid', 'block1.mid', 'stage1.out', 'block2.mid', 'block3.mid', 'stage2.out', 'block4.mid', 'block5.mid']);
    assert.equal(ps.blocks, 6);
    assert.deepEqual(ps.layers[0].channels, [8, 16]);
    assert.deepEqual(ps.layers[3].channels, [8, 16, 24, 32]);
    assert.deepEqual(ps.layers[6].channels, [16, 24, 32, 40, 48, 56, 64]);
    assert.deepEqual(ps.layers[6].keeps, [0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    assert.deepEqual(ps.weightBits, [8, 32]);
    assert.deepEqual(ps.space.stages.map((st) => st.depths), [[2], [2], [2]]);
    // Stage 2's output channels feed block 4's second conv, block 5's two convs, the shortcut and the classifier.
    assert.ok(ps.layers[6].macs > ps.layers[7].macs);
  });

  it('gives each stage of two or more blocks a depth layer that removes its last blocks, costed by their MACs', () => {
    const cfg = baseline('resnet14');
    const ps = policySpace(hybrid, cfg);
    assert.deepEqual(ps.layers.map((l) => l.name), [
      'stage0.out', 'stage0.depth', 'block0.mid', 'block1.mid', 'stage1.out', 'stage1.depth', 'block2.mid', 'block3.mid', 'stage2.out', 'stage2.depth', 'block4.mid', 'block5.mid',
    ]);
    const depth = ps.layers[5];
    assert.equal(depth.kind, 'depth');
    assert.deepEqual(depth.keeps, [0.5, 1]);
    assert.deepEqual(depth.channels, [1, 2]);
    const derived = parseSearchSpace(JSON.parse(JSON.stringify(ps.space)));
    assert.deepEqual(derived.stages.map((st) => st.depths), [[1, 2], [1, 2], [1, 2]]);
    assert.equal(macs(derived, ps.toConfig(ps.identity())), macs(hybrid, cfg));
    // Stage 1 at one block: block 3 (two 3x3 convs of 32 channels at 14x14) is gone, the others unchanged.
    const p = ps.identity();
    p.keep[5] = 0.5;
    const shallow = parseConfig(derived, ps.toConfig(p));
    assert.deepEqual(shallow.depths, [2, 1, 2]);
    assert.equal(macs(derived, ps.toConfig(ps.identity())) - macs(derived, shallow), depth.macs);
    assert.ok(Math.abs(depth.macs - 2 * 9 * 32 * 32 * 14 * 14) < 0.01 * depth.macs, `${depth.macs} MACs`);
    // Every block at depth 1 is ResNet-8's architecture.
    const r8 = ps.identity();
    ps.layers.forEach((l, i) => (r8.keep[i] = l.kind === 'depth' ? 0.5 : 1));
    assert.equal(macs(derived, ps.toConfig(r8)), macs(hybrid, baseline('resnet8')));
    // A network with one block per stage has nothing to remove.
    assert.ok(policySpace(hybrid, baseline('resnet8')).layers.every((l) => l.kind !== 'depth'));
  });

  it('has the network as its identity policy, and every policy is a valid config of the derived space', () => {
    const cfg = baseline('resnet8');
    const ps = policySpace(hybrid, cfg);
    const derived = parseSearchSpace(JSON.parse(JSON.stringify(ps.space)));
    assert.equal(macs(derived, ps.toConfig(ps.identity())), macs(hybrid, cfg));
    assert.deepEqual(layersOf(derived, ps.toConfig(ps.identity())), layersOf(hybrid, cfg));
    const small = ps.identity();
    small.keep = ps.layers.map((l) => l.keeps[0]);
    small.wBits = small.wBits.map(() => 8);
    small.aBits = small.aBits.map(() => 8);
    const smallCfg = parseConfig(derived, ps.toConfig(small));
    const convOut = layersOf(derived, smallCfg).filter((l) => l.kind === 'conv').map((l) => l.outC);
    // Middle keeps are relative to the pruned output: block 2 keeps 25% of 16, rounded up to 8.
    assert.deepEqual(convOut, [8, 8, 8, 8, 8, 8, 8, 16, 16]);
    assert.ok(macs(derived, smallCfg) < macs(hybrid, cfg) / 5);
  });

  it('holds the weights of the network trained on its own: same parameters, no larger (only the stem, allocated at the stage-0 width ratio 1 there, shrinks)', () => {
    const cfg = baseline('resnet8');
    const own = configSpace(hybrid, cfg).space;
    const ps = policySpace(hybrid, cfg);
    const a = new Supernet(own, 0);
    const b = new Supernet(ps.space, 0);
    try {
      assert.deepEqual(b.store.params.map((p) => p.name), a.store.params.map((p) => p.name));
      const differ = b.store.params.filter((p, i) => JSON.stringify(p.shape) !== JSON.stringify(a.store.params[i].shape));
      assert.deepEqual(differ.map((p) => p.name), ['stem.weight', 'stem.bn.gamma', 'stem.bn.beta', 'blocks.0.resnet.conv1.weight']);
      for (const [i, p] of b.store.params.entries()) assert.ok(p.shape.every((n, k) => n <= a.store.params[i].shape[k]), p.name);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('derives the same space from the network and from its own reduced space', () => {
    const cfg = baseline('resnet8');
    const own = configSpace(hybrid, cfg);
    assert.deepEqual(policySpace(own.space, largestConfig(own.space), 'x').layers, policySpace(hybrid, cfg, 'x').layers);
  });
});
