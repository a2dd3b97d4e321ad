import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { transformerCost } from '../../../space/transformer/cost.js';
import { largestTransformer, smallestTransformer } from '../../../space/transformer/configs.js';
import { fashionVit } from '../../../space/transformer/fashionVit.js';
import type { TransformerConfig } from '../../../space/transformer/types.js';
import { tinyVitSpace } from '../../fixtures/vit.js';

const cfg: TransformerConfig = { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [2, 1] };

describe('SuperTransformer', () => {
  before(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('holds the largest SubTransformer\'s params exactly', () => {
    for (const space of [fashionVit, tinyVitSpace('cls'), tinyVitSpace('mean')]) {
      const net = new SuperTransformer(space, 1);
      assert.equal(net.store.size, transformerCost(space, largestTransformer(space)).params, space.name);
      net.dispose();
    }
  });

  it('runs a SubTransformer on front slices only: the weights past them change nothing and get no gradient', () => {
    const net = new SuperTransformer(tinyVitSpace('cls'), 3);
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([1, 2, 3], 'int32'), 10);
    const before = net.forward(cfg, x).dataSync();
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(cfg, x)) as tf.Scalar);
    const flat = net.store.flatten();
    const g = new Float32Array(net.store.size);
    net.store.accumulate(grads, g);
    // Which entries the SubTransformer reads: rows/cols within its widths, layers within its depth.
    const used = (name: string, shape: number[], i: number): boolean => {
      const layer = /^layers\.(\d+)\./.exec(name);
      if (layer && Number(layer[1]) >= cfg.depth) return false;
      const l = layer ? Number(layer[1]) : 0;
      const a = cfg.heads[l] * 8;
      const hidden = 16 * cfg.mlpRatios[l];
      const part = name.split('.').slice(-2).join('.');
      const limits: Record<string, number[]> = {
        'patch.weight': [49, 16], 'patch.bias': [16], cls: [16], pos: [17, 16], 'q.weight': [16, a], 'k.weight': [16, a], 'v.weight': [16, a],
        'q.bias': [a], 'k.bias': [a], 'v.bias': [a], 'proj.weight': [a, 16], 'proj.bias': [16], 'fc1.weight': [16, hidden], 'fc1.bias': [hidden],
        'fc2.weight': [hidden, 16], 'fc2.bias': [16], 'classifier.weight': [16, 10], 'classifier.bias': [10],
      };
      const limit = limits[part] ?? limits[name] ?? [16];
      const index = shape.length === 2 ? [Math.floor(i / shape[1]), i % shape[1]] : [i];
      return index.every((v, k) => v < limit[k]);
    };
    let outside = 0;
    let inside = 0;
    for (const p of net.store.params) {
      for (let i = 0; i < p.size; i++) {
        if (used(p.name, p.shape, i)) {
          if (g[p.offset + i] !== 0) inside++;
          continue;
        }
        assert.equal(g[p.offset + i], 0, `${p.name}[${i}] is outside the slice but has a gradient`);
        flat[p.offset + i] += 1;
        outside++;
      }
    }
    assert.ok(outside > 1000 && inside > 1000, `${outside} weights outside, ${inside} inside with gradients`);
    net.store.assignFlat(flat);
    assert.deepEqual(net.forward(cfg, x).dataSync(), before, 'changing weights outside the slices changed the logits');
    tf.dispose([x, labels, ...Object.values(grads)]);
    net.dispose();
  });

  it('gradients match central finite differences (cpu, the largest weight of every tensor)', () => {
    const net = new SuperTransformer(tinyVitSpace('cls'), 2);
    // Weights of a trained net's size, so every gradient is well above float32 noise.
    const flat = net.store.flatten().map((v) => v * 10);
    for (const p of net.store.params) if (p.name.endsWith('gamma')) flat.fill(1, p.offset, p.offset + p.size);
    net.store.assignFlat(flat);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 3], 'int32'), 10);
    const lossOf = (): number => tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, net.forward(cfg, x)).dataSync()[0]);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(cfg, x)) as tf.Scalar);
    const g = new Float32Array(net.store.size);
    net.store.accumulate(grads, g);
    let checked = 0;
    for (const p of net.store.params) {
      let at = p.offset;
      for (let i = p.offset; i < p.offset + p.size; i++) if (Math.abs(g[i]) > Math.abs(g[at])) at = i;
      if (Math.abs(g[at]) < 1e-3) continue; // the key bias: 0 in exact arithmetic
      const eps = 1e-3;
      const w = flat.slice();
      w[at] += eps;
      net.store.assignFlat(w);
      const up = lossOf();
      w[at] -= 2 * eps;
      net.store.assignFlat(w);
      const down = lossOf();
      const fd = (up - down) / (2 * eps);
      assert.ok(Math.abs(fd - g[at]) <= 0.02 * Math.abs(g[at]) + 1e-3, `${p.name}: gradient ${g[at]}, finite difference ${fd}`);
      checked++;
    }
    net.store.assignFlat(flat);
    assert.ok(checked >= 30, `${checked} tensors checked`);
    tf.dispose([x, labels, ...Object.values(grads)]);
    net.dispose();
  });

  it('keeps no tensors after a forward pass inside tidy, for the largest and the smallest', () => {
    const net = new SuperTransformer(fashionVit, 0);
    const start = tf.memory().numTensors;
    for (const c of [largestTransformer(fashionVit), smallestTransformer(fashionVit)]) {
      const shape = tf.tidy(() => net.forward(c, tf.zeros([2, 28, 28, 1]) as tf.Tensor4D).shape);
      assert.deepEqual(shape, [2, 10]);
    }
    assert.equal(tf.memory().numTensors, start);
    net.dispose();
  });
});
