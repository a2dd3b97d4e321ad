import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { layersOf } from '../../space/layers.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { microSpace } from '../fixtures/data.js';

const space = microSpace();

describe('latencyParts', () => {
  it('splits a lowered network into stem, blocks and head with golden keys', () => {
    const cfg = largestConfig(space);
    const layers = layersOf(space, cfg);
    const parts = latencyParts(layers);
    assert.deepEqual(parts.map((p) => p.key), [
      'stem:28x28:1-8:k3s2:hswish:wf-af',
      'block:14x14:8-24-16:k5s2:relu+se:wf-af-inf',
      'block:7x7:16-48-16:k5s1:relu+se+add:wf-af-inf',
      'block:7x7:16-48-24:k5s2:hswish:wf-af-inf',
      'block:4x4:24-72-24:k5s1:hswish+add:wf-af-inf',
      'head:4x4:24-32-10:hswish:wf-af-inf',
    ]);
    assert.deepEqual(parts.map((p) => p.block), [-1, 0, 1, 2, 3, -1]);
    // Parts tile the operator list.
    assert.equal(parts[0].start, 0);
    for (let i = 1; i < parts.length; i++) assert.equal(parts[i].start, parts[i - 1].end);
    assert.equal(parts[parts.length - 1].end, layers.length);
    assert.deepEqual(parts.map((p) => p.inputElements), [28 * 28, 14 * 14 * 8, 7 * 7 * 16, 7 * 7 * 16, 4 * 4 * 24, 4 * 4 * 24]);
  });

  it('keys precision per part, with the input quantization of the part before', () => {
    const cfg = { ...largestConfig(space, { quant: 'mixed' }), wBits: [4, 32, 8, 8] as (4 | 8 | 32)[], aBits: [8, 32, 32, 8] as (8 | 32)[] };
    const keys = latencyParts(layersOf(space, cfg)).map((p) => p.key.split(':').pop());
    assert.deepEqual(keys, ['wq-aq', 'wq-aq-inq', 'wf-af-inq', 'wq-af-inf', 'wq-aq-inf', 'wq-aq-inq']);
    // 4-bit and 8-bit weights share a key; a runtime without bits sees every part as float.
    const eight = { ...cfg, wBits: [8, 32, 8, 8] as (4 | 8 | 32)[] };
    assert.deepEqual(latencyParts(layersOf(space, eight)).map((p) => p.key), latencyParts(layersOf(space, cfg)).map((p) => p.key));
    const float = latencyParts(layersOf(space, cfg), { bits: false }).map((p) => p.key);
    assert.deepEqual(float, latencyParts(layersOf(space, largestConfig(space))).map((p) => p.key));
  });

  it('distinguishes the residual, the stride and the depth', () => {
    const parts = latencyParts(layersOf(space, smallestConfig(space)));
    assert.equal(parts.length, 4);
    assert.match(parts[1].key, /^block:14x14:8-16-8:k3s2:relu\+se:/);
    assert.match(parts[2].key, /^block:7x7:8-16-16:k3s2:hswish:/);
  });

  it('refuses operator lists it cannot split, saying where', () => {
    const layers = layersOf(space, smallestConfig(space));
    const remark = (at: number, block: number) => layers.map((l, i) => (i === at ? { ...l, block } : l));
    assert.throws(() => latencyParts(layers.slice(0, -1)), /expected the head after the last block to be \[1x1 convolution,\] global pool, classifier, got conv, pool/);
    assert.throws(() => latencyParts(layers.slice(1)), /expected stem operators \(block -1\), then blocks 0, 1, \.\.\., then head operators \(block -1\), got runs of block marks \[0 x4, 1 x3, -1 x3\]/);
    assert.throws(() => latencyParts([...layers, layers[0]]), /got conv, pool, fc, conv/);
    assert.throws(() => latencyParts(layers.filter((l) => l.block === -1)), /got runs of block marks \[-1 x4\]/);
    // A stem or head mark between blocks, and a block whose operators are not consecutive.
    assert.throws(() => latencyParts(remark(4, -1)), /expected block 1's operators \(consecutive, blocks numbered in execution order\) at operators 4\.\.4, got block mark -1/);
    assert.throws(() => latencyParts(remark(2, 1)), /expected block 2's operators .* at operators 3\.\.4, got block mark 0/);
    // One precision per part: its key carries one.
    const mixed = layersOf(space, smallestConfig(space, { quant: 'mixed' }));
    assert.throws(() => latencyParts(mixed.map((l, i) => (i === 2 ? { ...l, aBits: 32 } : l))), /the operators of block 0 run at different precisions \(wq-aq, wq-af\)/);
    assert.throws(() => latencyParts(mixed.map((l, i) => (i === mixed.length - 1 ? { ...l, wBits: 32 } : l))), /the operators of the head run at different precisions/);
  });
});
