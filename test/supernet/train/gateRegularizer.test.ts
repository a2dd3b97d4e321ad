import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../supernet/backend/backend.js';
import { tf } from '../../../supernet/backend/tf.js';
import { ParamStore } from '../../../supernet/layers/ParamStore.js';
import { Rng } from '../../../space/rng.js';
import type { SubnetConfig } from '../../../space/types.js';
import { l1l2Count, type GateRegularizer } from '../../../supernet/train/gateRegularizer.js';
import { gateRegularizerLoss } from '../../../supernet/train/gateLoss.js';
import { validateTrainOptions } from '../../../supernet/train/schedule.js';
import { SupernetReplica } from '../../../supernet/train/supernetReplica.js';
import { fillBatch } from '../../../supernet/data/batches.js';
import { hybridMicroSpace } from '../../fixtures/hybridSpace.js';
import { smallFashionMnist } from '../../fixtures/data.js';

/** Hand computation: R and dR/dp for gates g = mean_p |p[c]| (c < channels). */
function handRegularizer(values: Record<string, number[]>, reg: GateRegularizer): { value: number; grads: Record<string, number[]> } {
  const grads: Record<string, number[]> = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.map(() => 0)]));
  let value = 0;
  for (const group of reg.groups) {
    const m = group.params.length;
    const g = Array.from({ length: group.channels }, (_, c) => group.params.reduce((s, p) => s + Math.abs(values[p][c]), 0) / m);
    const s = g.reduce((a, b) => a + b, 0);
    const q = g.reduce((a, b) => a + b * b, 0);
    value += reg.weight * group.costMs * (s * s) / q;
    for (const p of group.params) {
      for (let c = 0; c < group.channels; c++) {
        const dCount = (2 * s) / q - (2 * s * s * g[c]) / (q * q);
        grads[p][c] += reg.weight * group.costMs * dCount * Math.sign(values[p][c]) / m;
      }
    }
  }
  return { value, grads };
}

describe('the l1/l2 gate regulariser', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('(||g||1/||g||2)^2 is n for equal gates and 1 for one non-zero gate, in numbers and in tensors', () => {
    assert.ok(Math.abs(l1l2Count([0.7, 0.7, 0.7, 0.7, 0.7]) - 5) < 1e-9);
    assert.ok(Math.abs(l1l2Count([0, 0, -2.5, 0]) - 1) < 1e-9);
    const store = new ParamStore();
    store.add('eq.gamma', [6], new Float32Array(6).fill(-0.3), false);
    store.add('one.gamma', [6], Float32Array.from([0, 0, 0, 4, 0, 0]), false);
    const count = (name: string): number => tf.tidy(() => gateRegularizerLoss(store, { weight: 1, groups: [{ params: [name], channels: 6, costMs: 1 }] }).dataSync()[0]);
    assert.ok(Math.abs(count('eq.gamma') - 6) < 1e-4, `equal gates: ${count('eq.gamma')}`);
    assert.ok(Math.abs(count('one.gamma') - 1) < 1e-4, `one gate: ${count('one.gamma')}`);
    store.dispose();
  });

  it('matches a hand computation of its value and its gradient, only on the active channels', () => {
    const values = { 'a.gamma': [1, -2, 0.5, 3], 'b.gamma': [2, 1, 1, -1] };
    const reg: GateRegularizer = { weight: 0.1, groups: [{ params: ['a.gamma', 'b.gamma'], channels: 3, costMs: 0.5 }, { params: ['b.gamma'], channels: 4, costMs: 2 }] };
    const store = new ParamStore();
    for (const [name, v] of Object.entries(values)) store.add(name, [4], Float32Array.from(v), false);
    const { value, grads } = tf.variableGrads(() => gateRegularizerLoss(store, reg), store.variables());
    const hand = handRegularizer(values, reg);
    // g1 = [1.5, 1.5, 0.75]: 3.75^2 / 5.0625; g2 = [2, 1, 1, 1]: 25 / 7.
    assert.ok(Math.abs(hand.value - 0.1 * (0.5 * (3.75 ** 2 / 5.0625) + 2 * (25 / 7))) < 1e-12);
    assert.ok(Math.abs(value.dataSync()[0] - hand.value) < 1e-5, `value ${value.dataSync()[0]} vs ${hand.value}`);
    for (const name of Object.keys(values)) {
      const got = grads[`${store.prefix}${name}`].dataSync();
      hand.grads[name].forEach((h, c) => assert.ok(Math.abs(got[c] - h) < 1e-5, `d/d${name}[${c}]: ${got[c]} vs ${h}`));
    }
    assert.equal(grads[`${store.prefix}a.gamma`].dataSync()[3], 0, 'a channel past `channels` takes no gradient');
    tf.dispose([value, ...Object.values(grads)]);
    store.dispose();
  });

  it('is added by the supernet replica to the loss of a step, with its gradient on the gates', () => {
    const space = hybridMicroSpace();
    const cfg: SubnetConfig = { depths: [1, 1], kernels: [3, 3, 3, 3], expands: [1, 1, 1, 1], widths: [1, 1], families: ['resnet', 'resnet'], stemStride: 2 };
    const replica = new SupernetReplica({ space, seed: 5, hyper: { momentum: 0.9, weightDecay: 0, labelSmoothing: 0, kdWeight: 1 } });
    const [params] = replica.getState();
    const rng = new Rng(2);
    const gamma = replica.net.store.params.find((p) => p.name === 'blocks.0.resnet.bn1.gamma')!;
    for (let i = 0; i < gamma.size; i++) params[gamma.offset + i] = 0.1 + rng.next();
    replica.setState([params, new Float32Array(params.length)]);
    const data = smallFashionMnist(8, 8, 8);
    const x = new Float32Array(8 * 28 * 28);
    fillBatch(data.train, [0, 1, 2, 3, 4, 5, 6, 7], x, { augment: false });
    const task = { x, y: Int32Array.from(data.train.labels.subarray(0, 8)), n: 8, configs: [cfg], distill: false };
    const reg: GateRegularizer = { weight: 0.5, groups: [{ params: [gamma.name], channels: 12, costMs: 3 }] };
    const plain = replica.computeGradients(task);
    const tensors = tf.memory().numTensors;
    const regularised = replica.computeGradients({ ...task, gateRegularizer: reg });
    assert.equal(tf.memory().numTensors, tensors, 'tensors left behind by a regularised step');
    const hand = handRegularizer({ [gamma.name]: Array.from(params.subarray(gamma.offset, gamma.offset + gamma.size)) }, reg);
    assert.ok(Math.abs(regularised.loss - plain.loss - hand.value) < 1e-4, `loss ${plain.loss} + ${hand.value} vs ${regularised.loss}`);
    for (let c = 0; c < gamma.size; c++) {
      const d = regularised.grads[gamma.offset + c] - plain.grads[gamma.offset + c];
      assert.ok(Math.abs(d - hand.grads[gamma.name][c]) < 1e-4, `gate ${c}: ${d} vs ${hand.grads[gamma.name][c]}`);
    }
    let other = 0;
    for (let i = 0; i < params.length; i++) if (i < gamma.offset || i >= gamma.offset + gamma.size) other = Math.max(other, Math.abs(regularised.grads[i] - plain.grads[i]));
    assert.equal(other, 0, 'only the gates take the regulariser\'s gradient');
    replica.dispose();
  });

  it('is refused outside a one-config phase and with bad fields, naming them', () => {
    const groups = [{ params: ['x.gamma'], channels: 4, costMs: 1 }];
    const phase = { name: 'p', epochs: 1, lr: 0.1, warmupEpochs: 0, sandwich: false, randomSubnets: 0 };
    assert.throws(() => validateTrainOptions({ phases: [{ ...phase, gateRegularizer: { weight: 1, groups } }] }), /gateRegularizer needs options\.phases\[0\]\.config/);
    const config = { depths: [1], kernels: [3], expands: [1], widths: [1] };
    assert.throws(() => validateTrainOptions({ phases: [{ ...phase, config, gateRegularizer: { weight: -1, groups } }] }), /gateRegularizer\.weight must be a finite number >= 0/);
    assert.throws(() => validateTrainOptions({ phases: [{ ...phase, config, gateRegularizer: { weight: 1, groups: [{ ...groups[0], channels: 0 }] } }] }), /groups\[0\]\.channels must be a positive integer/);
  });
});
