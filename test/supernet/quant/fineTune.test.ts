import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import { largestConfig } from '../../../space/searchSpace.js';
import { actQuantParams, quantizeWeight } from '../../../supernet/quant/fakeQuant.js';
import { fakeQuantSte, fakeQuantWeightSte } from '../../../supernet/quant/ste.js';
import { quantizeSubnet } from '../../../supernet/quant/QuantizedSubnet.js';
import { fineTuneQuantized } from '../../../supernet/quant/fineTune.js';
import { quantSites } from '../../../supernet/quant/deployGraph.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';

describe('straight-through fine-tuning', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('activation STE: exact fake quantization forward, gradient 1 inside the range and 0 where clipped', () => {
    const qp = actQuantParams(-1, 1);
    const x = tf.tensor1d([-3, -0.5, 0.2, 0.9, 2]);
    const y = tf.tidy(() => fakeQuantSte(x, qp).dataSync());
    assert.ok(Math.abs(y[0] + 1) < 0.01 && Math.abs(y[4] - 1) < 0.01);
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(fakeQuantSte(t, qp)))(x).dataSync());
    assert.deepEqual([...g], [0, 1, 1, 1, 0]);
    x.dispose();
  });

  it('weight STE: the deployed per-channel grid forward, identity gradient', () => {
    const values = Float32Array.from([0.3, -1.2, 0.05, 0.8, 0.41, -0.02]);
    const w = tf.tensor2d(values, [2, 3]);
    const y = tf.tidy(() => fakeQuantWeightSte(w, 1, 4).dataSync());
    const { dequantized } = quantizeWeight(values, [2, 3], 1, 4);
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(y[i] - dequantized[i]) < 1e-6, `[${i}] ${y[i]} vs ${dequantized[i]}`);
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeQuantWeightSte(t, 1, 4), 2)))(w).dataSync());
    assert.deepEqual([...g], [2, 2, 2, 2, 2, 2]);
    w.dispose();
  });

  it('lowers the training loss, returns a re-quantized model and leaks nothing', () => {
    const space = microSpace();
    const data = smallFashionMnist(512, 10, 10);
    const net = new Supernet(space, 5);
    const subnet = extract(net, { ...largestConfig(space), wBits: [4, 4, 4, 4], aBits: [8, 8, 8, 8] }, data.train, { images: 512 });
    const q = quantizeSubnet(subnet, data.train, { images: 256 });
    const before = tf.memory().numTensors;
    const { model, losses } = fineTuneQuantized(q, data.train, data.train, { steps: 24, batchSize: 32, lr: 0.1, augment: false, ranges: { images: 256 } });
    assert.equal(losses.length, 24);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-8)) < mean(losses.slice(0, 8)), `loss ${mean(losses.slice(0, 8))} -> ${mean(losses.slice(-8))}`);
    assert.deepEqual(quantSites(model.graph), quantSites(q.graph));
    const convs = model.graph.ops.filter((op) => op.op === 'conv');
    const old = q.graph.ops.filter((op) => op.op === 'conv');
    assert.ok(convs.every((op) => op.op !== 'conv' || op.w.quant!.bits === (op.name.startsWith('block') ? 4 : 8)));
    assert.ok(convs.some((op, i) => op.op === 'conv' && old[i].op === 'conv' && op.w.values.some((v, j) => v !== (old[i] as typeof op).w.values[j])), 'weights changed');
    model.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    q.dispose();
    subnet.dispose();
    net.dispose();
    assert.throws(() => fineTuneQuantized(q, data.train, data.train, { steps: 0 }), /options.steps must be a positive integer \(got 0\)/);
  });
});
