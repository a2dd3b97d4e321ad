import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kLatencyFeatures, latencyFeatures, linearLatency } from '../../latency/latencyFeatures.js';
import { layersOf } from '../../space/layers.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import type { BlockFamily } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';

const space = microSpace();
const at = (x: Float64Array, name: string): number => x[kLatencyFeatures.indexOf(name)];

describe('latencyFeatures', () => {
  it('count a float network\'s operators, MACs and elements under ff, with no conversions', () => {
    const layers = layersOf(space, largestConfig(space));
    const x = latencyFeatures(layers, true, 0.25);
    assert.equal(x.length, kLatencyFeatures.length);
    assert.equal(at(x, 'intercept'), 1);
    assert.equal(at(x, 'table'), 0.25);
    assert.equal(at(x, 'ops:ff'), layers.length);
    const macs = kLatencyFeatures.filter((f) => /^mMacs:(stem|pw|dw|se|pool|fc|add):ff$/.test(f)).reduce((s, f) => s + at(x, f), 0);
    assert.ok(Math.abs(macs - layers.reduce((s, l) => s + l.macs, 0) / 1e6) < 1e-12);
    const dw = layers.filter((l) => l.kind === 'dwconv').reduce((s, l) => s + l.macs, 0) / 1e6;
    assert.ok(Math.abs(at(x, 'mMacs:dw:ff') - dw) < 1e-12);
    const hswish = layers.filter((l) => l.act === 'hswish').reduce((s, l) => s + (l.outH * l.outW * l.outC) / 1000, 0);
    assert.ok(hswish > 0 && Math.abs(at(x, 'kAct:hswish:f') - hswish) < 1e-12);
    for (const f of kLatencyFeatures.filter((n) => /:(fq|qf|qq|q)$/.test(n) || n.startsWith('convert'))) assert.equal(at(x, f), 0, f);
  });

  it('split a mixed network by weight and activation precision and count the precision changes', () => {
    const cfg = smallestConfig(space, { quant: 'mixed' });
    const n = cfg.wBits!.length;
    // Every block at 8/8 except the first, which runs float: one change to float and one back.
    cfg.wBits = cfg.wBits!.map((_, i) => (i === 0 ? 32 : 8)) as typeof cfg.wBits;
    cfg.aBits = new Array(n).fill(8).map((b, i) => (i === 0 ? 32 : b)) as typeof cfg.aBits;
    const layers = layersOf(space, cfg);
    const x = latencyFeatures(layers, true, 0);
    const float = layers.filter((l) => l.wBits === 32 && l.aBits === 32).length;
    const quant = layers.filter((l) => l.wBits < 32 && l.aBits < 32).length;
    assert.ok(float > 0 && quant > 0);
    assert.equal(at(x, 'ops:ff'), float);
    assert.equal(at(x, 'ops:qq'), quant);
    assert.equal(at(x, 'converts:qf') + at(x, 'converts:fq'), [...layers.keys()].slice(1).filter((i) => (layers[i].aBits < 32) !== (layers[i - 1].aBits < 32)).length);
    assert.ok(at(x, 'converts:qf') >= 1 && at(x, 'converts:fq') >= 1);
    // A runtime without bits runs it all as float.
    const asFloat = latencyFeatures(layers, false, 0);
    assert.equal(at(asFloat, 'ops:ff'), layers.length);
    assert.equal(at(asFloat, 'converts:fq'), 0);
  });

  it('count dense kxk convolutions inside blocks as the stem kind, a resnet shortcut as 1x1, and the ReLU after a resnet sum', () => {
    const nine = (v: number) => new Array<number>(9).fill(v);
    // One fused block (3x3 expand, 1x1 project, add) and one resnet block with its projection shortcut.
    const cfg = { depths: [1, 1, 1], kernels: nine(3), expands: nine(1), widths: [1, 1, 1], families: ['fused', 'resnet', 'resnet'] as BlockFamily[], stemStride: 2 as const };
    const layers = layersOf(fashionHybrid, cfg);
    const x = latencyFeatures(layers, false, 0);
    const mMacs = (keep: (l: (typeof layers)[number]) => boolean) => layers.filter(keep).reduce((s, l) => s + l.macs, 0) / 1e6;
    const dense = mMacs((l) => l.kind === 'conv' && l.kernel > 1);
    assert.ok(dense > mMacs((l) => l.block === -1 && l.kind === 'conv'), 'more than the stem');
    assert.ok(Math.abs(at(x, 'mMacs:stem:ff') - dense) < 1e-12);
    assert.ok(Math.abs(at(x, 'mMacs:pw:ff') - mMacs((l) => l.kind === 'conv' && l.kernel === 1)) < 1e-12);
    assert.equal(layers.filter((l) => l.kind === 'conv' && l.kernel === 1 && l.stride === 2).length, 2, 'two shortcuts');
    const reluK = layers.filter((l) => l.act === 'relu').reduce((s, l) => s + (l.outH * l.outW * l.outC) / 1000, 0);
    assert.ok(layers.some((l) => l.kind === 'add' && l.act === 'relu'));
    assert.ok(Math.abs(at(x, 'kAct:relu:f') - reluK) < 1e-12);
    assert.equal(at(x, 'ops:ff'), layers.length);
  });

  it('take the dot product with the weights', () => {
    const x = latencyFeatures(layersOf(space, smallestConfig(space)), true, 0.5);
    const w = kLatencyFeatures.map((f) => (f === 'intercept' ? 0.01 : f === 'table' ? 2 : f === 'ops:ff' ? 0.001 : 0));
    assert.ok(Math.abs(linearLatency(w, x) - (0.01 + 1 + 0.001 * at(x, 'ops:ff'))) < 1e-12);
  });
});
