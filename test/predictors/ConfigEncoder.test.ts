import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigEncoder } from '../../predictors/ConfigEncoder.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';

// microSpace: 2 stages x 2 slots, kernels [3,5], expands [2,3], widths [0.5,1],
// weight bits [4,8,32], activation bits [8,32].
const space = microSpace();

/** Stage 0 at depth 2, stage 1 at depth 1 (slot 3 skipped). */
const cfg: SubnetConfig = {
  depths: [2, 1],
  kernels: [5, 3, 5, 3],
  expands: [2, 3, 3, 2],
  widths: [1, 0.5],
  wBits: [4, 8, 32, 4],
  aBits: [8, 32, 8, 8],
};

function ones(v: Float32Array): number[] {
  return [...v.keys()].filter((i) => v[i] !== 0);
}

describe('ConfigEncoder', () => {
  it('has the documented dimensions', () => {
    const fp = ConfigEncoder.forSpace(space);
    assert.equal(fp.slots, 4);
    assert.equal(fp.archDim, 4 * (2 + 2) + 2 * 2);
    assert.equal(fp.dim, fp.archDim);
    const q = ConfigEncoder.forSpace(space, { bits: true });
    assert.equal(q.archDim, fp.archDim);
    assert.equal(q.dim, 20 + 4 * (3 + 2));
    assert.equal(ConfigEncoder.forSpace(fashionMbv3).dim, 11 * 6 + 4 * 3);
    assert.equal(ConfigEncoder.forSpace(fashionMbv3, { bits: true }).dim, 11 * 6 + 4 * 3 + 11 * 6);
    assert.equal(q.featureNames().length, q.dim);
  });

  it('encodes a config to the hand-computed one-hots, skipped slots all zero', () => {
    const q = ConfigEncoder.forSpace(space, { bits: true });
    const names = q.featureNames();
    const hot = ones(q.encode(cfg)).map((i) => names[i]);
    assert.deepEqual(hot, [
      'slot0.k5', 'slot0.e2', 'slot1.k3', 'slot1.e3', 'slot2.k5', 'slot2.e3',
      'stage0.r1', 'stage1.r0.5',
      'slot0.w4', 'slot0.a8', 'slot1.w8', 'slot1.a32', 'slot2.w32', 'slot2.a8',
    ]);
    // Indices follow the documented layout: per slot [k(2) e(2)], per stage [r(2)], per slot [w(3) a(2)].
    assert.deepEqual(ones(q.encode(cfg)), [1, 2, 4, 7, 9, 11, 17, 18, 20, 23, 26, 29, 32, 33]);
  });

  it('gives the same features to configs that differ only in skipped slots', () => {
    const q = ConfigEncoder.forSpace(space, { bits: true });
    const other = { ...cfg, kernels: [5, 3, 5, 5], expands: [2, 3, 3, 3], wBits: [4, 8, 32, 8], aBits: [8, 32, 8, 32] } as SubnetConfig;
    assert.deepEqual(q.encode(other), q.encode(cfg));
    assert.notDeepEqual(q.encode({ ...cfg, depths: [2, 2] }), q.encode(cfg));
  });

  it('encodes a float config as 32-bit for a bit-aware encoder, and keeps the architecture part', () => {
    const q = ConfigEncoder.forSpace(space, { bits: true });
    const fp = ConfigEncoder.forSpace(space);
    const float: SubnetConfig = { depths: cfg.depths, kernels: cfg.kernels, expands: cfg.expands, widths: cfg.widths };
    const names = q.featureNames();
    const bitsHot = ones(q.encode(float)).filter((i) => i >= q.archDim).map((i) => names[i]);
    assert.deepEqual(bitsHot, ['slot0.w32', 'slot0.a32', 'slot1.w32', 'slot1.a32', 'slot2.w32', 'slot2.a32']);
    assert.deepEqual(q.encode(cfg).subarray(0, q.archDim), fp.encode(float));
  });

  it('refuses quantized configs in an fp32 encoder instead of ignoring their bits', () => {
    const fp = ConfigEncoder.forSpace(space);
    assert.throws(() => fp.encode(cfg), /slot 0 is quantized \(wBits 4, aBits 8\).*quantization-aware/);
    const allFloat = { ...cfg, wBits: [32, 32, 32, 4], aBits: [32, 32, 32, 8] } as SubnetConfig;
    assert.equal(fp.encode(allFloat).length, fp.dim);
  });

  it('names a value outside the choices', () => {
    const fp = ConfigEncoder.forSpace(space);
    assert.throws(() => fp.encode({ ...cfg, wBits: undefined, aBits: undefined, kernels: [7, 3, 5, 3] }), /kernels\[0\] = 7 is not one of .*\[3, 5\]/);
  });

  it('batch-encodes rows equal to single encodings', () => {
    const q = ConfigEncoder.forSpace(fashionMbv3, { bits: true });
    const rng = new Rng(3);
    const configs = Array.from({ length: 20 }, () => sampleConfig(fashionMbv3, rng, { quant: 'mixed' }));
    const batch = q.encodeBatch(configs);
    configs.forEach((c, i) => assert.deepEqual(batch.subarray(i * q.dim, (i + 1) * q.dim), q.encode(c)));
    // Every active slot has exactly one kernel, expand, weight-bit and activation-bit one-hot.
    configs.forEach((c, i) => {
      const active = c.depths.reduce((s, d) => s + d, 0);
      const row = batch.subarray(i * q.dim, (i + 1) * q.dim);
      assert.equal(row.reduce((s, v) => s + v, 0), 4 * active + fashionMbv3.stages.length);
    });
  });

  it('lists the differences from another space', () => {
    const fp = ConfigEncoder.forSpace(space);
    assert.deepEqual(fp.problemsWith(space), []);
    const problems = fp.problemsWith(fashionMbv3);
    assert.ok(problems.some((p) => /^stageSlots \[2, 2\] differ/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^kernels \[3, 5\] differ/.test(p)), problems.join('\n'));
  });
});
