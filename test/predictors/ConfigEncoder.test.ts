import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConfigEncoder } from '../../predictors/ConfigEncoder.js';
import { fashionHybrid, fashionMbv3, fashionPlain } from '../../space/defaultSpace.js';
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

describe('ConfigEncoder on fashion-mbv3 (no family genes)', () => {
  it('gives the features and names of the encoder before block families (golden hashes)', () => {
    const q = ConfigEncoder.forSpace(fashionMbv3, { bits: true });
    assert.deepEqual(Object.keys(q.spec), ['stageSlots', 'kernels', 'expands', 'widthRatios', 'bits']);
    const rng = new Rng(5);
    const features = q.encodeBatch(Array.from({ length: 20 }, () => sampleConfig(fashionMbv3, rng, { quant: 'mixed' })));
    const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
    assert.equal(hash(Buffer.from(features.buffer).toString('hex')), '702b470623a1aa54');
    assert.equal(hash(JSON.stringify(q.featureNames())), '57d99d53aeb2e455');
  });
});

describe('ConfigEncoder on fashion-hybrid (block families, elastic stem stride)', () => {
  const hybrid = fashionHybrid;
  /** Stage 0 a single resnet block, stage 1 two mbconv blocks, stage 2 one fused block, stem stride 1. */
  const mixedFamilies: SubnetConfig = {
    depths: [1, 2, 1],
    kernels: new Array<number>(9).fill(3),
    expands: [0.75, 0.5, 0.5, 4, 2, 2, 3, 1, 1],
    widths: [0.34, 1, 0.67],
    families: ['resnet', 'mbconv', 'fused'],
    stemStride: 1,
  };

  it('has the documented dimensions: kernel and expand one-hots per family, family per stage, stem stride', () => {
    const fp = ConfigEncoder.forSpace(hybrid);
    assert.equal(fp.slots, 9);
    assert.equal(fp.archDim, 9 * 3 * (1 + 3) + 3 * 3 + 3 * 3 + 2);
    assert.equal(fp.dim, fp.archDim);
    const q = ConfigEncoder.forSpace(hybrid, { bits: true });
    assert.equal(q.archDim, fp.archDim);
    assert.equal(q.dim, fp.archDim + 9 * (4 + 2));
    assert.equal(q.featureNames().length, q.dim);
    assert.deepEqual(q.spec.families?.map((f) => f.name), ['mbconv', 'fused', 'resnet']);
    assert.deepEqual(q.spec.stem, { strides: [1, 2], stride: 1 });
  });

  it('encodes a config to the hand-computed one-hots, each expand index in its stage\'s family', () => {
    const fp = ConfigEncoder.forSpace(hybrid);
    const names = fp.featureNames();
    const hot = ones(fp.encode(mixedFamilies));
    assert.deepEqual(hot.map((i) => names[i]), [
      'slot0.resnet.k3', 'slot0.resnet.e0.75', 'slot3.mbconv.k3', 'slot3.mbconv.e4', 'slot4.mbconv.k3', 'slot4.mbconv.e2',
      'slot6.fused.k3', 'slot6.fused.e3', 'stage0.r0.34', 'stage1.r1', 'stage2.r0.67',
      'stage0.resnet', 'stage1.mbconv', 'stage2.fused', 'stem.s1',
    ]);
    // Per slot 3 families x [k(1) e(3)] = 12, then widths at 108, families at 117, stem at 126.
    assert.deepEqual(hot, [8, 10, 36, 39, 48, 49, 76, 79, 108, 113, 115, 119, 120, 124, 126]);
  });

  it('tells families apart at the same expand index, and reads a config without families as the first family, default stride', () => {
    const fp = ConfigEncoder.forSpace(hybrid);
    const fused = { ...mixedFamilies, families: ['fused', 'mbconv', 'fused'] as SubnetConfig['families'], expands: [2, 0.5, 0.5, 4, 2, 2, 3, 1, 1] };
    assert.notDeepEqual(fp.encode(fused), fp.encode(mixedFamilies));
    const { families: _f, stemStride: _s, ...bare } = mixedFamilies;
    const asMbconv = { ...bare, expands: [3, 0.5, 0.5, 4, 2, 2, 4, 1, 1] };
    assert.deepEqual(fp.encode(asMbconv), fp.encode({ ...asMbconv, families: ['mbconv', 'mbconv', 'mbconv'], stemStride: 1 }));
    assert.notDeepEqual(fp.encode({ ...asMbconv, stemStride: 2 }), fp.encode(asMbconv));
  });

  it('names an expand ratio outside the stage\'s family, and a family it does not know', () => {
    const fp = ConfigEncoder.forSpace(hybrid);
    assert.throws(() => fp.encode({ ...mixedFamilies, expands: [4, ...mixedFamilies.expands.slice(1)] }), /expands\[0\] = 4 is not one of the encoder's choices \[0.5, 0.75, 1\]/);
    assert.throws(() => fp.encode({ ...mixedFamilies, families: ['resnet', 'ghost' as 'fused', 'fused'] }), /families\[1\] = 'ghost' is not one of the encoder's families \[mbconv, fused, resnet\]/);
    assert.throws(() => ConfigEncoder.forSpace(fashionMbv3).encode({ ...sampleConfig(fashionMbv3, new Rng(1)), families: ['fused', 'mbconv', 'mbconv', 'mbconv'] }), /encodes no block families/);
  });

  it('lists block families and stem strides among the differences from another space', () => {
    const fp = ConfigEncoder.forSpace(hybrid);
    assert.deepEqual(fp.problemsWith(hybrid), []);
    const { families: _f, stem: _s, ...old } = fp.spec;
    const problems = new ConfigEncoder(old).problemsWith(hybrid);
    assert.ok(problems.some((p) => /^block families \(none\) differ from space 'fashion-hybrid' \(mbconv \[2, 3, 4\], fused \[1, 2, 3\], resnet \[0.5, 0.75, 1\]\)/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^stem strides \(not encoded\) differ/.test(p)), problems.join('\n'));
    assert.ok(ConfigEncoder.forSpace(fashionMbv3).problemsWith(hybrid).length > 0);
    assert.throws(() => new ConfigEncoder({ ...fp.spec, families: [{ name: 'mbconv', expands: [2, 3] }] }), /family mbconv has 2 expand choices but the encoder 3/);
    assert.throws(() => new ConfigEncoder({ ...fp.spec, stem: undefined }), /block families and stem strides together/);
  });
});

describe('ConfigEncoder on fashion-plain (one block family, fixed stem)', () => {
  it('encodes VGG-4 to its kernel, expand, width and family one-hots', () => {
    const fp = ConfigEncoder.forSpace(fashionPlain);
    // 5 slots x 1 family x [k(1) e(1)] = 10, then widths 2 x 3, families 2 x 1, stem stride 1.
    assert.equal(fp.dim, 5 * 2 + 2 * 3 + 2 + 1);
    const names = fp.featureNames();
    const vgg4: SubnetConfig = { depths: [1, 2], kernels: [3, 3, 3, 3, 3], expands: [1, 1, 1, 1, 1], widths: [1, 1], families: ['plain', 'plain'] };
    assert.deepEqual(ones(fp.encode(vgg4)).map((i) => names[i]), [
      'slot0.plain.k3', 'slot0.plain.e1', 'slot2.plain.k3', 'slot2.plain.e1', 'slot3.plain.k3', 'slot3.plain.e1',
      'stage0.r1', 'stage1.r1', 'stage0.plain', 'stage1.plain', 'stem.s1',
    ]);
    assert.throws(() => fp.encode({ ...vgg4, families: ['plain', 'resnet'] }), /families\[1\] = 'resnet' is not one of the encoder's families \[plain\]/);
  });
});
