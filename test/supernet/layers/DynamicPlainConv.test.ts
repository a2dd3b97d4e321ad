import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor4D } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { ParamStore } from '../../../supernet/layers/ParamStore.js';
import { DynamicPlainConv } from '../../../supernet/layers/DynamicPlainConv.js';
import { kDefaultBatchNormEpsilon } from '../../../supernet/ops/batchNorm.js';
import { Rng } from '../../../space/rng.js';
import type { BlockPlan } from '../../../space/plan.js';

/** A plain block reading 8 of 16 channels, writing 16 of 24, kernel 3 of 5, stride 2. */
const kPlan: BlockPlan = {
  slot: 0, stage: 0, family: 'plain', inC: 8, midC: 16, seC: 0, outC: 16, kernel: 3, stride: 2,
  act: 'relu', residual: false, shortcut: false, wBits: 32, aBits: 32,
};

describe('DynamicPlainConv', () => {
  let store: ParamStore;
  let layer: DynamicPlainConv;
  let x: Tensor4D;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    store = new ParamStore();
    layer = new DynamicPlainConv(store, 'blocks.0.plain', { maxIn: 16, maxOut: 24, maxKernel: 5 }, new Rng(3));
    // Non-trivial BatchNorm parameters, so the slices of gamma and beta matter.
    store.get('blocks.0.plain.bn.gamma').assign(tf.randomUniform([24], 0.5, 1.5, 'float32', 4));
    store.get('blocks.0.plain.bn.beta').assign(tf.randomUniform([24], -0.5, 0.5, 'float32', 5));
    x = tf.randomNormal([2, 10, 10, 8], 0, 1, 'float32', 6) as Tensor4D;
  });

  after(() => {
    x.dispose();
    store.dispose();
  });

  it('holds one dense filter at the largest widths and kernel and one BatchNorm', () => {
    assert.deepEqual(store.params.map((p) => [p.name, p.shape, p.decay]), [
      ['blocks.0.plain.conv.weight', [5, 5, 16, 24], true],
      ['blocks.0.plain.bn.gamma', [24], false],
      ['blocks.0.plain.bn.beta', [24], false],
    ]);
  });

  it('is conv (the centre 3x3 of the first channels, stride 2) + batch-statistics BatchNorm + ReLU, without residual', () => {
    const before = tf.memory().numTensors;
    const [got, ref, shape] = tf.tidy(() => {
      const y = layer.forward(x, kPlan, { kind: 'train' });
      const w = tf.slice(store.get('blocks.0.plain.conv.weight'), [1, 1, 0, 0], [3, 3, 8, 16]) as Tensor4D;
      const h = tf.conv2d(x, w, 2, 'same');
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      const gamma = tf.slice(store.get('blocks.0.plain.bn.gamma'), 0, 16);
      const beta = tf.slice(store.get('blocks.0.plain.bn.beta'), 0, 16);
      const bn = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, kDefaultBatchNormEpsilon))), gamma), beta);
      return [y.dataSync(), tf.relu(bn).dataSync(), y.shape];
    }) as unknown as [Float32Array, Float32Array, number[]];
    assert.deepEqual(shape, [2, 5, 5, 16]);
    const diff = Math.max(...got.map((v, i) => Math.abs(v - ref[i])));
    assert.ok(diff < 1e-4, `max abs difference ${diff} from the reference`);
    assert.ok(got.some((v) => v === 0) && got.some((v) => v > 0.5), 'ReLU output: some zeros, some large values');
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('passes gradients to the used slices only: the kernel centre, the first channels', () => {
    const before = tf.memory().numTensors;
    const r = tf.randomNormal([2, 5, 5, 16], 0, 1, 'float32', 7);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.forward(x, kPlan, { kind: 'train' }), r)) as tf.Scalar, store.variables());
    const names = store.params.map((p) => p.name);
    const byName = new Map(store.variables().map((v, i) => [names[i], grads[v.name]]));
    const gw = byName.get('blocks.0.plain.conv.weight')!;
    const gGamma = byName.get('blocks.0.plain.bn.gamma')!;
    assert.deepEqual(gw.shape, [5, 5, 16, 24]);
    assert.deepEqual(gGamma.shape, [24]);
    const w = gw.arraySync() as number[][][][];
    let inside = 0;
    let outside = 0;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        for (let c = 0; c < 16; c++) {
          for (let o = 0; o < 24; o++) {
            const used = i >= 1 && i <= 3 && j >= 1 && j <= 3 && c < 8 && o < 16;
            if (used) inside += Math.abs(w[i][j][c][o]);
            else outside += Math.abs(w[i][j][c][o]);
          }
        }
      }
    }
    assert.ok(inside > 0, 'the used slice has gradients');
    assert.equal(outside, 0, 'unused weights get no gradient');
    const g = gGamma.dataSync();
    assert.ok(g.subarray(0, 16).some((v) => v !== 0));
    assert.deepEqual([...g.subarray(16)], new Array(8).fill(0));
    tf.dispose([value, r, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });
});
