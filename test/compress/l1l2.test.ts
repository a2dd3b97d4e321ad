import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../supernet/backend/backend.js';
import { tf } from '../../supernet/backend/tf.js';
import { Supernet } from '../../supernet/Supernet.js';
import { Rng } from '../../space/rng.js';
import { macs } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';
import { validateTrainOptions } from '../../supernet/train/schedule.js';
import { l1l2Count } from '../../supernet/train/gateRegularizer.js';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../../supernet/train/checkpoint.js';
import type { Dataset } from '../../supernet/data/types.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import { loadCompressible, type CompressibleNetwork } from '../../compress/network.js';
import { TrainedNetworkProblem } from '../../compress/problem.js';
import { L1L2Method, kL1L2Checkpoint } from '../../compress/l1l2.js';
import { gateValues, layerGates } from '../../compress/l1l2Gates.js';
import { buildRegularizer, firstWithinBudget, layerCosts, policyAt, thresholdPath } from '../../compress/l1l2Path.js';
import { syntheticProblem } from '../fixtures/syntheticProblem.js';
import { hybridMicroSpace } from '../fixtures/hybridSpace.js';
import { smallFashionMnist } from '../fixtures/data.js';

const root = mkdtempSync(join(tmpdir(), 'hwnas-l1l2-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('l1/l2 latency surrogate', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('prices each channel by the latency model and walks the threshold path down to the budget', () => {
    const problem = syntheticProblem();
    // stage0.out at keep 0.5: its own term 2e6 * 0.5e-7 and block0.mid's 4e6 * (1 - sqrt(0.5)) * 1e-7, over 16 - 8 channels.
    assert.ok(Math.abs(layerCosts(problem)[0] - (0.1 + 0.4 * (1 - Math.SQRT1_2)) / 8) < 1e-12);
    const gates = [
      Float64Array.from({ length: 16 }, (_, c) => (c < 9 ? 1 : 0.01)),
      undefined,
      Float64Array.from({ length: 32 }, (_, c) => (c < 10 ? 2 : 0.4)),
      new Float64Array(32).fill(0.3),
      Float64Array.from({ length: 64 }, (_, c) => (64 - c) / 64),
    ];
    // tau 0.5 keeps 9 (-> 16), all, 10 (-> 16), 32, and 31 (-> 32) channels.
    assert.deepEqual(policyAt(problem, gates, 0.5).keep, [1, 1, 0.5, 1, 0.5]);
    const path = thresholdPath(problem, gates);
    assert.equal(path[0].tau, 0);
    assert.deepEqual(path[0].policy.keep, [1, 1, 1, 1, 1]);
    assert.deepEqual(path[path.length - 1].policy.keep, [0.5, 1, 0.25, 0.25, 0.125]);
    for (let i = 1; i < path.length; i++) {
      assert.ok(path[i].tau > path[i - 1].tau && path[i].policy.keep.every((k, l) => k <= path[i - 1].policy.keep[l]), `path point ${i}`);
    }
    for (const budget of [0.3, 0.6, 1.2, 10]) {
      const linear = path.findIndex((p) => problem.latencyMs(p.policy) <= budget);
      assert.equal(firstWithinBudget(problem, path, budget), linear < 0 ? path.length : linear, `budget ${budget}`);
    }
  });

  it('trains the gates of a ResNet with the task loss: fewer effective channels, and a policy within the budget; resumes a killed run', async () => {
    const dir = mkdtempSync(join(root, 'a-'));
    const data = smallFashionMnist(256, 64, 64); // 16 steps per epoch at batch 16
    const { network, problem } = await openMicroResnet(join(dir, 'net.ckpt'), data);
    const layout = network.net.store.params;
    const gates = layerGates(network.policies, layout);
    assert.deepEqual(gates.map((g) => g?.params), [
      ['stem.bn.gamma', 'blocks.0.resnet.bn2.gamma'], ['blocks.0.resnet.bn1.gamma'],
      ['blocks.1.resnet.bn2.gamma', 'blocks.1.resnet.bnS.gamma'], ['blocks.1.resnet.bn1.gamma'],
    ]);
    const reg = buildRegularizer(gates, layerCosts(problem), 1);
    const surrogate = (flat: Float32Array): number => reg.groups.reduce((s, g, i) => s + g.costMs * l1l2Count(gateValues(flat, layout, gates[i]!)), 0);
    const before = surrogate(network.params);

    const budget = 0.7 * problem.original.latencyMs;
    const run = { maxLatencyMs: budget, evaluations: 6, seed: 1 };
    const settings = { epochs: 2, lambda: 20, lr: 0.05, candidates: 4 };
    const context = { network, data, workers: 2, out: dir };
    const outcome = await new L1L2Method(context, settings).run(problem, run);
    const after = surrogate(network.params);
    assert.ok(after < 0.9 * before, `surrogate latency ${before.toFixed(4)} -> ${after.toFixed(4)} ms`);
    assert.equal(readCheckpointMeta<TrainMeta>(join(dir, kL1L2Checkpoint)).step, 32);
    assert.ok(outcome.best !== undefined && outcome.best.latencyMs <= budget, `best ${JSON.stringify(outcome.best)} within ${budget}`);
    assert.ok(outcome.history.length >= 1 && outcome.history.length <= 4 && outcome.history.every((r) => r.latencyMs <= budget));
    // The net runs the trained weights, each layer's channels by descending gate.
    assert.deepEqual(network.net.store.flatten(), network.params);
    for (const gate of gates) {
      const g = gateValues(network.params, layout, gate!);
      for (let c = 1; c < g.length; c++) assert.ok(g[c] <= g[c - 1], `${gate!.params[0]}: gates not sorted at ${c}`);
    }
    // Sorting by gate permutes channels only: the network computes what the trained weights did.
    const unsorted = new Supernet(network.policies.space, 0);
    unsorted.store.assignFlat(loadCheckpoint(join(dir, kL1L2Checkpoint)).arrays.params);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const identity = network.policies.toConfig(network.policies.identity());
    const [a, b] = [unsorted, network.net].map((net) => tf.tidy(() => Array.from(net.forward(identity, x, { kind: 'train' }).dataSync())));
    assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-4), `logits changed by the gate sort: ${a.slice(0, 3)} vs ${b.slice(0, 3)}`);
    tf.dispose(x);
    unsorted.dispose();
    // Finished training is not repeated: a second run answers the same policies; other settings are refused.
    const again = await new L1L2Method(context, settings).run(problem, run);
    assert.deepEqual(again.history.map((r) => r.policy), outcome.history.map((r) => r.policy));
    await assert.rejects(new L1L2Method(context, { ...settings, epochs: 3 }).run(problem, run), /l1l2\.ckpt was trained with other phases/);
    problem.close();
    network.net.dispose();

    // Killed at step 20 (last saved at the epoch end, step 16), then run again: the weights of the uninterrupted run.
    const dir2 = mkdtempSync(join(root, 'b-'));
    const second = await openMicroResnet(join(dir2, 'net.ckpt'), data);
    const context2 = { network: second.network, data, workers: 2, out: dir2 };
    const kill = (step: number): void => {
      if (step === 20) throw new Error('killed');
    };
    await assert.rejects(new L1L2Method(context2, { ...settings, onTrainStep: kill }).run(second.problem, run), /killed/);
    assert.equal(readCheckpointMeta<TrainMeta>(join(dir2, kL1L2Checkpoint)).step, 16);
    const resumed = await new L1L2Method(context2, settings).run(second.problem, run);
    assert.deepEqual(loadCheckpoint(join(dir2, kL1L2Checkpoint)).arrays.params, loadCheckpoint(join(dir, kL1L2Checkpoint)).arrays.params);
    assert.deepEqual(resumed.history.map((r) => [r.policy, r.accuracy]), outcome.history.map((r) => [r.policy, r.accuracy]));
    second.problem.close();
    second.network.net.dispose();
  });
});

/**
 * A "trained" ResNet of the micro space (two stages of one basic block, 16 and 24 channels) as a
 * finished checkpoint at `path`: random weights with BatchNorm scales spread as a trained
 * network's are (equal scales are the surrogate's stationary point). Opened with a latency
 * model of 1 ms per million MACs.
 */
async function openMicroResnet(path: string, data: Dataset): Promise<{ network: CompressibleNetwork; problem: TrainedNetworkProblem }> {
  const space = hybridMicroSpace();
  const config: SubnetConfig = { depths: [1, 1], kernels: [5, 5, 5, 5], expands: [1, 1, 1, 1], widths: [1, 1], families: ['resnet', 'resnet'], stemStride: 2 };
  const source = new Supernet(space, 3);
  const params = source.store.flatten();
  const rng = new Rng(11);
  for (const p of source.store.params) if (p.name.endsWith('.gamma')) for (let i = 0; i < p.size; i++) params[p.offset + i] = 0.2 + 1.6 * rng.next();
  source.dispose();
  const options = validateTrainOptions({ batchSize: 16, seed: 0, hyper: { momentum: 0.9, weightDecay: 5e-4, labelSmoothing: 0.1, kdWeight: 1 } });
  const meta: TrainMeta = { kind: 'hwnas-supernet', space, options, step: 1, totalSteps: 1, stepsPerEpoch: 1, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [] };
  saveCheckpoint(path, meta, { params, velocity: new Float32Array(params.length) });
  const network = loadCompressible(path, config);
  const latency = { target: 'fake-macs', predict: (cfgs: SubnetConfig[]) => Float64Array.from(cfgs, (c) => macs(network.policies.space, c) / 1e6) };
  const problem = await TrainedNetworkProblem.open(network, latency, { calibration: calibrationSet(data.train, 64), val: data.val });
  return { network, problem };
}
