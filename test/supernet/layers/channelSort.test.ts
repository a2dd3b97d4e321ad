import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { sortChannelsByImportance } from '../../../supernet/layers/channelSort.js';
import { fashionHybrid, fashionMbv3, fashionPlain } from '../../../space/defaultSpace.js';
import { largestConfig, largestOfFamily } from '../../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../../space/types.js';
import { microSpace } from '../../fixtures/data.js';

function logits(net: Supernet, x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => net.forward(largestConfig(net.space), x, { kind: 'train' }).dataSync() as Float32Array);
}

function rowL1(values: Float32Array, offset: number, rows: number, cols: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.abs(values[offset + r * cols + c]);
    return s;
  });
}

describe('channel importance sorting', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  const spaces: Array<[string, () => SearchSpace]> = [['micro (with SE)', microSpace], ['fashion-mbv3', () => fashionMbv3]];
  for (const [name, make] of spaces) {
    it(`leaves the largest subnet's function unchanged and sorts importance descending (${name})`, () => {
      const space = make();
      const net = new Supernet(space, 3);
      const { height, width, channels } = space.input;
      const x = tf.randomNormal([8, height, width, channels], 0, 1, 'float32', 4) as tf.Tensor4D;
      const before = logits(net, x);
      const params = net.store.flatten();
      const velocity = params.map((v) => v * 0.5);
      const groups = sortChannelsByImportance(space, net.store.params, [params, velocity]);
      assert.equal(groups, net.blocks.length + space.stages.length);
      for (let i = 0; i < params.length; i++) assert.equal(velocity[i], params[i] * 0.5, 'optimizer slots permuted differently');
      net.store.assignFlat(params);
      const after = logits(net, x);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < before.length; i++) {
        diff = Math.max(diff, Math.abs(before[i] - after[i]));
        scale = Math.max(scale, Math.abs(before[i]));
      }
      assert.ok(diff <= 1e-5 * Math.max(1, scale), `largest subnet changed by ${diff}`);
      // Middle channels of block 0: rows of its project weight, most important first.
      const info = net.store.params.find((p) => p.name === 'blocks.0.project.weight')!;
      const l1 = rowL1(params, info.offset, info.shape[0], info.shape[1]);
      for (let i = 1; i < l1.length; i++) assert.ok(l1[i - 1] >= l1[i], `row ${i} more important than row ${i - 1}`);
      x.dispose();
      net.dispose();
    });
  }
});

describe('channel importance sorting with block families (fashion-hybrid)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("leaves every family's widest subnet unchanged, stem included", () => {
    const space = fashionHybrid;
    const net = new Supernet(space, 5);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const configs: SubnetConfig[] = (space.families ?? []).map((f) => largestOfFamily(space, f.name));
    configs.push({ ...configs[0], stemStride: 2 });
    const run = (): Float32Array[] => configs.map((cfg) => tf.tidy(() => net.forward(cfg, x, { kind: 'train' }).dataSync() as Float32Array));
    const before = run();
    const params = net.store.flatten();
    const groups = sortChannelsByImportance(space, net.store.params, [params]);
    assert.equal(groups, 9 * 3 + space.stages.length);
    net.store.assignFlat(params);
    const after = run();
    before.forEach((b, k) => {
      const diff = Math.max(...b.map((v, i) => Math.abs(v - after[k][i])));
      assert.ok(diff <= 1e-4 * Math.max(1, ...b.map(Math.abs)), `config ${k} changed by ${diff}`);
    });
    // The stem's output channels were sorted too (they are elastic in this space).
    const stem = net.store.params.find((p) => p.name === 'stem.weight')!;
    assert.deepEqual(stem.shape, [3, 3, 1, 24]);
    x.dispose();
    net.dispose();
  });
});

describe('channel importance sorting of plain blocks (fashion-plain)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('sorts the stem and each stage by importance and leaves the widest subnet unchanged', () => {
    const space = fashionPlain;
    const net = new Supernet(space, 5);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const before = logits(net, x);
    const params = net.store.flatten();
    // No middle channels: the stem (32, its own group: stage 0 is 64 wide) and the two stages.
    assert.equal(sortChannelsByImportance(space, net.store.params, [params]), 3);
    net.store.assignFlat(params);
    const after = logits(net, x);
    const diff = Math.max(...before.map((v, i) => Math.abs(v - after[i])));
    assert.ok(diff <= 1e-4 * Math.max(1, ...before.map(Math.abs)), `largest subnet changed by ${diff}`);
    // Stage 0's output channels, ranked by the L1 norm of the next convolution's filters that read them.
    const reader = net.store.params.find((p) => p.name === 'blocks.1.plain.conv.weight')!;
    assert.deepEqual(reader.shape, [3, 3, 64, 64]);
    const perChannel = new Array<number>(64).fill(0);
    for (let i = 0; i < reader.size; i++) perChannel[Math.floor(i / 64) % 64] += Math.abs(params[reader.offset + i]);
    const next = net.store.params.find((p) => p.name === 'blocks.2.plain.conv.weight')!;
    for (let i = 0; i < next.size; i++) perChannel[Math.floor(i / 128) % 64] += Math.abs(params[next.offset + i]);
    for (let c = 1; c < 64; c++) assert.ok(perChannel[c] <= perChannel[c - 1] + 1e-3, `channel ${c} ranks above channel ${c - 1}`);
    x.dispose();
    net.dispose();
  });
});
