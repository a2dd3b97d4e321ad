import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { DdpgAgent } from '../../compress/ddpg.js';
import { ReplayBuffer } from '../../compress/replayBuffer.js';
import { Rng } from '../../space/rng.js';

/** One-step episodes with reward -(a - 0.7)^2: the actor should learn a = 0.7. */
function trainBandit(seed: number, updates: number): { agent: DdpgAgent; action: number } {
  const agent = new DdpgAgent(2, 1, seed);
  const rng = new Rng(seed + 1);
  const state = [1, 0.5];
  for (let u = 0; u < updates; u++) {
    // Half random exploration, half the actor's action with noise, as the methods explore.
    const mu = u % 2 === 0 ? rng.next() : Math.min(1, Math.max(0, agent.act(state)[0] + 0.1 * rng.normal()));
    agent.observe({ state, action: [mu], reward: -((mu - 0.7) ** 2), nextState: state, terminal: true });
    agent.update();
  }
  return { agent, action: agent.act(state)[0] };
}

describe('DdpgAgent', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('learns the maximum of a one-step quadratic reward (0.7) within 0.05 in 250 updates', () => {
    const { agent, action } = trainBandit(3, 250);
    try {
      assert.ok(Math.abs(action - 0.7) < 0.05, `actor's action ${action}`);
      // The critic ranks the optimum above a distant action.
      assert.ok(agent.value([1, 0.5], [0.7]) > agent.value([1, 0.5], [0.1]));
    } finally {
      agent.dispose();
    }
  });

  it('gives identical actions for the same seed and transitions, different ones for another seed', () => {
    const a = trainBandit(5, 15);
    const b = trainBandit(5, 15);
    const c = trainBandit(6, 15);
    try {
      assert.equal(a.action, b.action);
      assert.notEqual(a.action, c.action);
    } finally {
      for (const r of [a, b, c]) r.agent.dispose();
    }
  });

  it('holds no tensors after dispose, however many updates ran', () => {
    const start = tf.memory().numTensors;
    const { agent } = trainBandit(7, 20);
    assert.ok(tf.memory().numTensors > start);
    agent.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('names the bad option and the bad transition', () => {
    assert.throws(() => new DdpgAgent(2, 1, 0, { tau: 0 }), /options\.tau must be in \(0, 1\]/);
    assert.throws(() => new DdpgAgent(2, 1, 0, { hidden: [300, 0] }), /options\.hidden\[1\] must be a positive integer/);
    const buffer = new ReplayBuffer(4, 2, 1);
    assert.throws(() => buffer.push({ state: [1], action: [0], reward: 0, nextState: [1, 2], terminal: true }), /state 1\/2 and action 1 values; the buffer holds 2 and 1/);
    assert.throws(() => buffer.sample(2, new Rng(0)), /empty buffer/);
  });

  it('the replay buffer overwrites its oldest transition when full', () => {
    const buffer = new ReplayBuffer(3, 1, 1);
    for (let i = 0; i < 5; i++) buffer.push({ state: [i], action: [0], reward: i, nextState: [i], terminal: i % 2 === 0 });
    assert.equal(buffer.size, 3);
    const batch = buffer.sample(60, new Rng(1));
    assert.deepEqual([...new Set(batch.rewards)].sort(), [2, 3, 4]);
    batch.rewards.forEach((r, i) => assert.equal(batch.continues[i], r % 2 === 0 ? 0 : 1));
  });
});
