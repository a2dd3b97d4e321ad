import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bitOps, layersOf, macs, makeDivisible, modelBytes, params,
} from '../../space/layers.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { tinySpace } from './tinySpace.js';

test('makeDivisible follows OFA: nearest multiple of 8, at least 8, at most 10% below', () => {
  assert.equal(makeDivisible(4), 8); // below the minimum
  assert.equal(makeDivisible(12), 16); // 12 + 4 = 16 -> 16
  assert.equal(makeDivisible(11.9), 8 + 8); // floor(15.9 / 8) * 8 = 8 < 0.9 * 11.9 -> +8
  assert.equal(makeDivisible(18), 24); // 16 < 0.9 * 18 = 16.2 -> 24
  assert.equal(makeDivisible(42), 40);
  assert.equal(makeDivisible(60), 64);
  assert.equal(makeDivisible(96), 96);
});

// Space `tiny`: 8x8x1 input, stem 3x3 s1 -> 8; stage 0 (16 ch, s2, SE, depths 1-2),
// stage 1 (24 ch, s2, depth 1); head 1x1 -> 32; FC -> 3.
const float: SubnetConfig = {
  depths: [2, 1],
  widths: [1, 1],
  kernels: [3, 5, 3],
  expands: [2, 4, 2],
};

test('layersOf lowers a float config with SE and a residual to the expected operators', () => {
  const layers = layersOf(tinySpace(), float);
  assert.deepEqual(
    layers.map((l) => `${l.kind} ${l.inH}x${l.inW}x${l.inC}->${l.outH}x${l.outW}x${l.outC} k${l.kernel}s${l.stride} ${l.act}`),
    [
      'conv 8x8x1->8x8x8 k3s1 relu', // stem
      'conv 8x8x8->8x8x16 k1s1 relu', // slot 0: mid = 8 * 2
      'dwconv 8x8x16->4x4x16 k3s2 relu',
      'se 4x4x16->4x4x16 k1s1 none',
      'conv 4x4x16->4x4x16 k1s1 none', // no add: stride 2
      'conv 4x4x16->4x4x64 k1s1 relu', // slot 1: mid = 16 * 4
      'dwconv 4x4x64->4x4x64 k5s1 relu',
      'se 4x4x64->4x4x64 k1s1 none',
      'conv 4x4x64->4x4x16 k1s1 none',
      'add 4x4x16->4x4x16 k1s1 none', // stride 1, 16 == 16
      'conv 4x4x16->4x4x32 k1s1 hswish', // slot 2: mid = 16 * 2
      'dwconv 4x4x32->2x2x32 k3s2 hswish',
      'conv 2x2x32->2x2x24 k1s1 none',
      'conv 2x2x24->2x2x32 k1s1 hswish', // head
      'pool 2x2x32->1x1x32 k2s1 none',
      'fc 1x1x32->1x1x3 k1s1 none',
    ],
  );
  assert.ok(layers.every((l) => l.wBits === 32 && l.aBits === 32), 'a config without bits is float everywhere');
});

test('MACs and params of the float config, counted by hand', () => {
  const expectedMacs = [
    8 * 8 * 9 * 1 * 8, // stem: 4608
    8 * 8 * 8 * 16, 4 * 4 * 16 * 9, 16 * 8 + 8 * 16, 4 * 4 * 16 * 16, // slot 0 (SE squeeze 8)
    4 * 4 * 16 * 64, 4 * 4 * 64 * 25, 64 * 16 + 16 * 64, 4 * 4 * 64 * 16, 0, // slot 1 (SE squeeze 16) + add
    4 * 4 * 16 * 32, 2 * 2 * 32 * 9, 2 * 2 * 32 * 24, // slot 2
    2 * 2 * 24 * 32, 0, 32 * 3, // head, pool, fc
  ];
  const expectedParams = [
    9 * 1 * 8 + 8, // stem weights + folded BN bias
    8 * 16 + 16, 9 * 16 + 16, 16 * 8 + 8 + 8 * 16 + 16, 16 * 16 + 16,
    16 * 64 + 64, 25 * 64 + 64, 64 * 16 + 16 + 16 * 64 + 64, 64 * 16 + 16, 0,
    16 * 32 + 32, 9 * 32 + 32, 32 * 24 + 24,
    24 * 32 + 32, 0, 32 * 3 + 3,
  ];
  const space = tinySpace();
  assert.deepEqual(layersOf(space, float).map((l) => l.macs), expectedMacs);
  assert.deepEqual(layersOf(space, float).map((l) => l.params), expectedParams);
  assert.equal(macs(space, float), 95456);
  assert.equal(params(space, float), 9411);
  assert.equal(bitOps(space, float), 95456 * 32 * 32);
  assert.equal(modelBytes(space, float), 9411 * 4);
});

// Stage 0 at width 0.5 (8 ch) and depth 1; slot 1 is skipped, its values ignored.
const mixed: SubnetConfig = {
  depths: [1, 1],
  widths: [0.5, 1],
  kernels: [5, 7, 3],
  expands: [4, 99, 4],
  wBits: [4, 6, 8],
  aBits: [8, 8, 32],
};

test('bitOps and bytes of a mixed-precision config', () => {
  const space = tinySpace();
  const layers = layersOf(space, mixed);
  assert.deepEqual(
    layers.map((l) => `${l.kind}:${l.outC}:${l.wBits}/${l.aBits}`),
    [
      'conv:8:8/8', // stem at the space's stem bits
      'conv:32:4/8', 'dwconv:32:4/8', 'se:32:4/8', 'conv:8:4/8', // slot 0: mid = 8 * 4
      'conv:32:8/32', 'dwconv:32:8/32', 'conv:24:8/32', // slot 2: mid = 8 * 4
      'conv:32:8/8', 'pool:32:8/8', 'fc:3:8/8', // head conv, pool, fc at classifier bits
    ],
  );
  const stem = 8 * 8 * 9 * 8; // 4608
  const slot0 = 8 * 8 * 8 * 32 + 4 * 4 * 32 * 25 + 2 * 32 * 8 + 4 * 4 * 32 * 8; // 33792
  const slot2 = 4 * 4 * 8 * 32 + 2 * 2 * 32 * 9 + 2 * 2 * 32 * 24; // 8320
  const tail = 2 * 2 * 24 * 32 + 32 * 3; // 3168
  assert.equal(macs(space, mixed), stem + slot0 + slot2 + tail);
  assert.equal(bitOps(space, mixed), stem * 8 * 8 + slot0 * 4 * 8 + slot2 * 8 * 32 + tail * 8 * 8);
  assert.equal(bitOps(space, mixed), 3708928);

  const stemP = 9 * 8 + 8;
  const slot0P = (8 * 32 + 32) + (25 * 32 + 32) + (32 * 8 + 8 + 8 * 32 + 32) + (32 * 8 + 8); // 1936
  const slot2P = (8 * 32 + 32) + (9 * 32 + 32) + (32 * 24 + 24); // 1400
  const tailP = (24 * 32 + 32) + (32 * 3 + 3); // 899
  assert.equal(params(space, mixed), stemP + slot0P + slot2P + tailP);
  assert.equal(modelBytes(space, mixed), stemP + slot0P * 0.5 + slot2P + tailP);
  assert.equal(modelBytes(space, mixed), 3347);
});

test('the first block of a stride-1 stage adds the residual only when channel counts match', () => {
  const space: SearchSpace = {
    ...tinySpace(),
    stages: [
      { width: 16, stride: 2, depths: [1], se: false, hswish: false },
      { width: 16, stride: 1, depths: [1], se: false, hswish: false },
    ],
  };
  const cfg = (widths: number[]): SubnetConfig => ({ depths: [1, 1], widths, kernels: [3, 3], expands: [2, 2] });
  const adds = (widths: number[]): number => layersOf(space, cfg(widths)).filter((l) => l.kind === 'add').length;
  assert.equal(adds([1, 1]), 1);
  assert.equal(adds([0.5, 0.5]), 1);
  assert.equal(adds([0.5, 1]), 0);
  assert.equal(adds([1, 0.5]), 0);
});

test('stride 2 with same padding rounds the output size up', () => {
  const space: SearchSpace = { ...tinySpace(), input: { height: 7, width: 5, channels: 1, classes: 3 } };
  const layers = layersOf(space, float);
  const dw = layers.filter((l) => l.kind === 'dwconv');
  assert.deepEqual(dw.map((l) => [l.outH, l.outW]), [[4, 3], [4, 3], [2, 2]]);
  assert.equal(layers[0].macs, 7 * 5 * 9 * 8);
});
