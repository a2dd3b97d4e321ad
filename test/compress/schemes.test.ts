import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compose, kSchemeNames, kSchemes, prune, quantize, schemeByName, schemeGrid, schemePolicy } from '../../compress/schemes.js';
import { policySpace } from '../../compress/policySpace.js';
import type { CompressProblem } from '../../compress/types.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { parseConfig } from '../../space/schema.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';

const problem = syntheticProblem();
const isMid = problem.layers.map((l) => l.kind === 'mid');

describe('compression schemes', () => {
  it('have the dimension their operators give, and every built-in one is registered by its name', () => {
    const dims = Object.fromEntries(kSchemeNames.map((n) => [n, kSchemes[n].params.length]));
    assert.deepEqual(dims, { pruneAll: 1, pruneMidOnly: 1, pruneStageMid: 2, quantizeAll: 0, pruneThenQuantize: 1, depthAndWidth: 2, depthAndWidthInt8: 2 });
    assert.deepEqual(kSchemes.pruneStageMid.params, ['keep(stage)', 'keep(mid)']);
    for (const n of kSchemeNames) assert.equal(schemeByName(n).name, n);
  });

  it('map parameters to snapped policies of the problem', () => {
    const all = schemePolicy(kSchemes.pruneAll, [0.6], problem);
    // 16 channels keep {0.5, 1}, 32 channels {0.25 .. 1}, 64 channels {0.125 .. 1}: each snaps to its nearest
    assert.deepEqual(all.keep, [0.5, 0.5, 0.5, 0.5, 0.625]);
    assert.deepEqual(all.wBits, [32, 32, 32]);
    assert.deepEqual(schemePolicy(kSchemes.pruneAll, [1], problem), problem.identity());
    const mid = schemePolicy(kSchemes.pruneMidOnly, [0.3], problem);
    mid.keep.forEach((k, i) => (isMid[i] ? assert.ok(k < 1) : assert.equal(k, 1)));
    const both = schemePolicy(kSchemes.pruneStageMid, [0.8, 0.25], problem);
    assert.deepEqual(both.keep, [1, 0.5, 0.75, 0.25, 0.25]);
    assert.deepEqual(problem.snap(both), both);
  });

  it('compose: quantizeAll has one policy, and pruneThenQuantize prunes as pruneAll and quantizes every block', () => {
    const q = schemePolicy(kSchemes.quantizeAll, [], problem);
    assert.deepEqual(q, { ...problem.identity(), wBits: [8, 8, 8], aBits: [8, 8, 8] });
    const pq = schemePolicy(kSchemes.pruneThenQuantize, [0.4], problem);
    assert.deepEqual(pq, { ...schemePolicy(kSchemes.pruneAll, [0.4], problem), wBits: [8, 8, 8], aBits: [8, 8, 8] });
    const own = compose(prune((l) => l.stage >= 1), quantize((b) => b === 2), 'late');
    assert.deepEqual(own.params, ['keep(custom)']);
    const p = schemePolicy(own, [0.5], problem);
    assert.deepEqual(p.keep, [1, 1, 0.5, 0.5, 0.5]);
    assert.deepEqual(p.wBits, [32, 32, 8]);
    assert.deepEqual(schemePolicy(compose(prune('stage', 0.5), prune('mid')), [1], problem).keep, [0.5, 1, 0.5, 1, 1]);
  });

  it('grid: the distinct policies of the grid, each at the mean of its grid points', () => {
    const grid = schemeGrid(kSchemes.pruneAll, problem, 33);
    const keys = grid.map((g) => JSON.stringify(g.policy));
    assert.equal(new Set(keys).size, grid.length);
    assert.ok(grid.length >= 8 && grid.length <= 33, `${grid.length} policies`);
    for (const g of grid) assert.deepEqual(schemePolicy(kSchemes.pruneAll, g.x, problem), g.policy);
    assert.equal(schemeGrid(kSchemes.quantizeAll, problem, 33).length, 1);
    const two = schemeGrid(kSchemes.pruneStageMid, problem, 17);
    assert.ok(two.every((g) => g.x.length === 2));
  });

  it('errors name the problem and the fix', () => {
    assert.throws(() => schemeByName('pruneEverything'), /unknown compression scheme 'pruneEverything': expected one of pruneAll, pruneMidOnly, pruneStageMid, quantizeAll, pruneThenQuantize/);
    assert.throws(() => schemePolicy(kSchemes.pruneStageMid, [0.5], problem), /takes 2 parameters \[keep\(stage\), keep\(mid\)\] \(got 1\)/);
    assert.throws(() => schemePolicy(kSchemes.pruneAll, [1.5], problem), /must lie in \[0, 1\]/);
    assert.throws(() => schemePolicy(quantize('all', 32 as never), [], { ...problem, weightBits: [8] } as never), /offers weight bits \[8\]/);
    assert.throws(() => schemePolicy(prune((l) => l.stage > 9), [0.5], problem), /selects none of the problem's 5 prunable layers/);
    assert.throws(() => prune('all', 0), /keep must be in \(0, 1\]/);
    assert.throws(() => schemePolicy(kSchemes.depthAndWidth, [0.5, 0.5], problem), /prune\(depth\): selects none of the problem's 5 prunable layers \(no stage has two or more blocks, or depth is off: choose a scheme without depth\)/);
    assert.throws(() => schemeGrid(compose(kSchemes.pruneStageMid, kSchemes.pruneStageMid), problem, 33), /33\^4 = 1185921 grid points exceed 100000; lower the grid size/);
  });

  it('depth: prune(depth) sets the share of blocks kept in every stage, and the channel selections leave depth alone', () => {
    const hybrid = spaceByName('fashion-hybrid');
    const r14 = parseConfig(hybrid, { depths: [2, 2, 2], kernels: new Array(9).fill(3), expands: new Array(9).fill(1), widths: [0.67, 0.67, 0.67], families: ['resnet', 'resnet', 'resnet'], stemStride: 1 });
    const ps = policySpace(hybrid, r14);
    const near = (xs: readonly number[], x: number): number => xs.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
    const dp = {
      layers: ps.layers, blocks: ps.blocks, weightBits: ps.weightBits, actBits: ps.actBits, identity: ps.identity,
      snap: (p: ReturnType<typeof ps.identity>) => ({ ...p, keep: p.keep.map((k, i) => near(ps.layers[i].keeps, k)) }),
    } as unknown as CompressProblem;
    const isDepth = ps.layers.map((l) => l.kind === 'depth');
    assert.equal(isDepth.filter(Boolean).length, 3);
    const shallow = schemePolicy(kSchemes.depthAndWidth, [0, 1], dp);
    shallow.keep.forEach((k, i) => assert.equal(k, isDepth[i] ? 0.5 : 1));
    assert.deepEqual(ps.toConfig(shallow).depths, [1, 1, 1]);
    const narrow = schemePolicy(kSchemes.pruneAll, [0.5], dp);
    narrow.keep.forEach((k, i) => (isDepth[i] ? assert.equal(k, 1) : assert.ok(k < 1)));
    assert.deepEqual(ps.toConfig(narrow).depths, [2, 2, 2]);
    const int8 = schemePolicy(kSchemes.depthAndWidthInt8, [0, 1], dp);
    assert.deepEqual(int8.keep, shallow.keep);
    assert.deepEqual([...new Set([...int8.wBits, ...int8.aBits])], [8]);
  });
});
