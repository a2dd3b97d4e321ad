import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { loadCompressible } from '../../compress/network.js';
import { TrainedNetworkProblem } from '../../compress/problem.js';
import { WeightReconstruction } from '../../compress/reconstruct.js';
import { configSpace } from '../../space/configSpace.js';
import { macs } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';
import { Supernet } from '../../supernet/Supernet.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { kDefaultTrainOptions } from '../../supernet/train/schedule.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { evaluateSample } from '../../predictors/evaluateSample.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-problem-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A checkpoint of one network of the micro space trained on its own (random weights: the tests compare functions, not accuracy). */
function standaloneCheckpoint(cfg: SubnetConfig, seed: number): string {
  const own = configSpace(hybridMicroSpace(), cfg).space;
  const net = new Supernet(own, seed);
  const path = join(dir, `net-${seed}.ckpt`);
  const phases = [{ name: 'standalone', epochs: 1, lr: 0.1, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: configSpace(hybridMicroSpace(), cfg).config }];
  const meta: TrainMeta = {
    kind: 'hwnas-supernet', space: own, options: { ...kDefaultTrainOptions, phases }, step: 1, totalSteps: 1, stepsPerEpoch: 1,
    epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [],
  };
  saveCheckpoint(path, meta, { params: net.store.flatten() });
  net.dispose();
  return path;
}

const data = smallFashionMnist(300, 200, 100);
const calibration = calibrationSet(data.train, 200);
const cfg = kHybridCases[0].config;

describe('TrainedNetworkProblem', () => {
  it('computes the network itself for the identity policy (channel sort and loading preserve its function)', async () => {
    const path = standaloneCheckpoint(cfg, 3);
    const network = loadCompressible(path);
    const own = configSpace(hybridMicroSpace(), cfg).space;
    const original = new Supernet(own, 0);
    try {
      original.store.assignFlat(network.meta === undefined ? new Float32Array() : (await import('../../supernet/train/checkpoint.js')).loadCheckpoint<TrainMeta>(path).arrays.params);
      const direct = await evaluateSample(original, configSpace(hybridMicroSpace(), cfg).config, calibration, data.val);
      const viaPolicy = await evaluateSample(network.net, network.policies.toConfig(network.policies.identity()), calibration, data.val);
      assert.ok(Math.abs(direct.loss - viaPolicy.loss) < 1e-4, `loss ${direct.loss} vs ${viaPolicy.loss}`);
      assert.equal(direct.accuracy, viaPolicy.accuracy);
    } finally {
      original.dispose();
      network.net.dispose();
    }
  });

  it('journals evaluations, answers them from the journal after a restart, and cuts a torn last line', async () => {
    const path = standaloneCheckpoint(cfg, 4);
    const journal = join(dir, 'journal.jsonl');
    const latency = (space: Parameters<typeof macs>[0]) => ({ target: 'macs', predict: (cs: SubnetConfig[]) => Float64Array.from(cs.map((c) => macs(space, c) / 1e6)) });
    const network = loadCompressible(path);
    try {
      const problem = await TrainedNetworkProblem.open(network, latency(network.policies.space), { calibration, val: data.val }, journal);
      const half = problem.snap({ ...problem.identity(), keep: problem.layers.map(() => 0.5) });
      const first = await problem.evaluate(half);
      assert.equal(problem.evaluations, 2);
      assert.ok(first.macs < problem.original.macs && first.latencyMs < problem.original.latencyMs);
      await assert.rejects(problem.evaluate({ ...half, keep: half.keep.map(() => 0.7) }), /not on the layers' grids/);
      problem.close();
      appendFileSync(journal, '{"key":"{\\"keep\\":[1');
      const again = await TrainedNetworkProblem.open(network, latency(network.policies.space), { calibration, val: data.val }, journal);
      assert.equal(again.evaluations, 2);
      assert.deepEqual(await again.evaluate(half), first);
      assert.equal(readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '').length, 2);
      again.close();
    } finally {
      network.net.dispose();
    }
  });

  it('scores pruned policies on reconstructed weights, the identity on the network\'s own, and leaves the supernet holding the network\'s weights', async () => {
    const path = standaloneCheckpoint(cfg, 5);
    const latency = (space: Parameters<typeof macs>[0]) => ({ target: 'macs', predict: (cs: SubnetConfig[]) => Float64Array.from(cs.map((c) => macs(space, c) / 1e6)) });
    const network = loadCompressible(path);
    try {
      const on = await TrainedNetworkProblem.open(network, latency(network.policies.space), { calibration, val: data.val });
      const off = await TrainedNetworkProblem.open(network, latency(network.policies.space), { calibration, val: data.val, reconstruction: { enabled: false } });
      assert.deepEqual(on.original, off.original, 'the identity policy scores the same with and without reconstruction');
      assert.equal(on.weightsFor(on.identity()), network.params);
      const smallest = on.snap({ ...on.identity(), keep: on.layers.map((l) => l.keeps[0]) });
      assert.notEqual(on.weightsFor(smallest), network.params);
      assert.equal(off.weightsFor(smallest), network.params);
      const before = network.net.store.flatten();
      await on.evaluate(smallest);
      assert.deepEqual(network.net.store.flatten(), before, 'evaluation restores the network\'s own weights');
      assert.throws(() => new WeightReconstruction(network, calibration, { positions: 0 }), /reconstruction\.positions must be a positive integer \(got 0\)/);
    } finally {
      network.net.dispose();
    }
  });

  it('refuses a paused training run and a supernet without --config, naming the fix', () => {
    const own = configSpace(hybridMicroSpace(), cfg).space;
    const net = new Supernet(own, 0);
    const paused = join(dir, 'paused.ckpt');
    saveCheckpoint(paused, { kind: 'hwnas-supernet', space: own, options: kDefaultTrainOptions, step: 1, totalSteps: 5, stepsPerEpoch: 1, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [] } satisfies TrainMeta, { params: net.store.flatten() });
    net.dispose();
    assert.throws(() => loadCompressible(paused), /paused at step 1\/5: finish it/);
    const space = hybridMicroSpace();
    const sup = new Supernet(space, 0);
    const whole = join(dir, 'supernet.ckpt');
    saveCheckpoint(whole, { kind: 'hwnas-supernet', space, options: kDefaultTrainOptions, step: 1, totalSteps: 1, stepsPerEpoch: 1, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [] } satisfies TrainMeta, { params: sup.store.flatten() });
    sup.dispose();
    assert.throws(() => loadCompressible(whole), /name the network to compress with --config/);
  });
});
