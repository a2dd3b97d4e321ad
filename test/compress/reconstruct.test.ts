import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convSites, tappedForward, type ConvSite } from '../../compress/convSites.js';
import { loadCompressible, type CompressibleNetwork } from '../../compress/network.js';
import { TrainedNetworkProblem } from '../../compress/problem.js';
import { siteFilter, WeightReconstruction } from '../../compress/reconstruct.js';
import type { CompressPolicy } from '../../compress/types.js';
import { baselineFiles } from '../../pipeline/baselines.js';
import { configSpace } from '../../space/configSpace.js';
import { macs } from '../../space/layers.js';
import { subnetPlan } from '../../space/plan.js';
import type { SubnetConfig } from '../../space/types.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { tf } from '../../supernet/backend/tf.js';
import type { Tensor, Tensor2D, Tensor4D } from '../../supernet/backend/tf.js';
import { fillBatch } from '../../supernet/data/batches.js';
import type { DataSplit, ImageSet } from '../../supernet/data/types.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import { extract } from '../../supernet/extract.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { kDefaultTrainOptions } from '../../supernet/train/schedule.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { Supernet } from '../../supernet/Supernet.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-reconstruct-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A checkpoint of one network of the micro space trained on its own (random weights). */
function standaloneCheckpoint(cfg: SubnetConfig, seed: number): string {
  const { space, config } = configSpace(hybridMicroSpace(), cfg);
  const net = new Supernet(space, seed);
  const path = join(dir, `net-${seed}.ckpt`);
  const phases = [{ name: 'standalone', epochs: 1, lr: 0.1, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config }];
  const meta: TrainMeta = {
    kind: 'hwnas-supernet', space, options: { ...kDefaultTrainOptions, phases }, step: 1, totalSteps: 1, stepsPerEpoch: 1,
    epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [],
  };
  saveCheckpoint(path, meta, { params: net.store.flatten() });
  net.dispose();
  return path;
}

function imagesOf(split: DataSplit, n: number): Tensor4D {
  const { height, width, channels } = split;
  const buf = new Float32Array(n * height * width * channels);
  fillBatch(split, Int32Array.from({ length: n }, (_, i) => i), buf, { augment: false });
  return tf.tensor4d(buf, [n, height, width, channels]);
}

/**
 * Relative squared error of each site of `sites`'s kept outputs under `cfg` with each of `params` against
 * the uncompressed layer's on inputs `x` (held out): centred per channel for convolutions
 * (BatchNorm follows and is recalibrated), raw for the classifier (its bias is part of the fit).
 */
function siteErrors(network: CompressibleNetwork, calibration: ImageSet, cfg: SubnetConfig, params: readonly Float32Array[], sites: readonly number[], x: Tensor4D): number[][] {
  const { net, policies } = network;
  const layout = net.store.params;
  const subnet = extract(net, policies.toConfig(policies.identity()), calibration, { images: calibration.n });
  try {
    return sites.map((i) => params.map((p) => tf.tidy(() => {
      const full = convSites(net, subnetPlan(policies.space, policies.toConfig(policies.identity())))[i];
      const pruned = convSites(net, subnetPlan(policies.space, cfg))[i];
      const input = tappedForward(subnet, x).inputs[i];
      const apply = (site: ConvSite, values: Float32Array): Tensor => {
        const w = siteFilter(values, layout, site);
        const kept = tf.slice(input, new Array<number>(input.rank).fill(0), [...input.shape.slice(0, -1).map(() => -1), site.inC]);
        if (site.layout === 'linear') {
          const bias = layout.find((q) => q.name === site.bias)!;
          return tf.add(tf.matMul(kept as Tensor2D, tf.tensor2d(w, [site.inC, site.outC])), tf.tensor1d(values.subarray(bias.offset, bias.offset + site.outC)));
        }
        return tf.conv2d(kept as Tensor4D, tf.tensor4d(w, [site.kernel, site.kernel, site.inC, site.outC]), site.stride, 'same');
      };
      const axes = input.rank === 4 ? [0, 1, 2] : [0];
      const centre = (t: Tensor): Tensor => (full.layout === 'linear' ? t : tf.sub(t, tf.mean(t, axes, true)));
      const y = tf.slice(apply(full, network.params), new Array<number>(input.rank).fill(0), [...input.shape.slice(0, -1).map(() => -1), pruned.outC]);
      const diff = tf.sub(centre(apply(pruned, p)), centre(y));
      const spread = tf.sub(y, tf.mean(y, axes, true));
      return tf.div(tf.sum(tf.square(diff)), tf.sum(tf.square(spread))).dataSync()[0];
    })));
  } finally {
    subnet.dispose();
  }
}

describe('weight reconstruction', () => {
  it('leaves the identity policy exact and, in every block family, lowers each narrowed layer\'s held-out output error below slicing', () => {
    const data = smallFashionMnist(300, 100, 10);
    const calibration = calibrationSet(data.train, 300);
    const x = imagesOf(data.val, 100);
    try {
      for (const [c, hybrid] of kHybridCases.entries()) {
        const network = loadCompressible(standaloneCheckpoint({ ...hybrid.config, wBits: undefined, aBits: undefined }, 10 + c));
        try {
          const { policies } = network;
          const rec = new WeightReconstruction(network, calibration, { images: 200, positions: 10, sequential: false });
          assert.equal(rec.paramsFor(policies.toConfig(policies.identity())), network.params, `${hybrid.name}: the identity policy keeps the network's own weights`);
          // Every channel layer at its smallest keep, every block kept (removing blocks is tested below).
          const smallest: CompressPolicy = { ...policies.identity(), keep: policies.layers.map((l) => (l.kind === 'depth' ? 1 : l.keeps[0])) };
          const cfg = policies.toConfig(smallest);
          const params = rec.paramsFor(cfg);
          const full = convSites(network.net, subnetPlan(policies.space, policies.toConfig(policies.identity())));
          const pruned = convSites(network.net, subnetPlan(policies.space, cfg));
          const narrowed = pruned.flatMap((s, i) => (s.inC < full[i].inC ? [i] : []));
          assert.ok(narrowed.length > 0, `${hybrid.name}: the smallest policy narrows some layer's inputs`);
          // Only the narrowed layers' filters (and the classifier's bias) change.
          const touched = new Set(narrowed.flatMap((i) => [pruned[i].param, pruned[i].bias ?? '']));
          for (const p of network.net.store.params) {
            const changed = params.subarray(p.offset, p.offset + p.size).some((v, k) => v !== network.params[p.offset + k]);
            if (changed) assert.ok(touched.has(p.name), `${hybrid.name}: ${p.name} changed but reads no narrowed input`);
          }
          for (const [j, [sliced, solved]] of siteErrors(network, calibration, cfg, [network.params, params], narrowed, x).entries()) {
            const i = narrowed[j];
            assert.ok(solved < sliced, `${hybrid.name}, ${pruned[i].name}: reconstructed error ${solved.toFixed(4)} not below sliced ${sliced.toFixed(4)}`);
          }
          // Sequentially (on the pruned network's inputs): the same layers re-solved, the supernet left holding the network's weights.
          const before = network.net.store.flatten();
          const sequential = new WeightReconstruction(network, calibration, { images: 100, sequential: true }).paramsFor(cfg);
          assert.deepEqual(network.net.store.flatten(), before, `${hybrid.name}: the sequential solve restores the network's weights`);
          for (const p of network.net.store.params) {
            const changed = sequential.subarray(p.offset, p.offset + p.size).some((v, k) => v !== network.params[p.offset + k]);
            assert.equal(changed, touched.has(p.name), `${hybrid.name}: ${p.name} ${changed ? 'changed' : 'unchanged'} by the sequential solve`);
          }
        } finally {
          network.net.dispose();
        }
      }
    } finally {
      x.dispose();
    }
  });

  describe('on the shipped ResNet-8', () => {
    let network: CompressibleNetwork;
    let calibration: ImageSet;
    let val: DataSplit;
    before(async () => {
      const checkpoint = baselineFiles('resnet8').checkpoint;
      network = loadCompressible(checkpoint);
      const data = await loadTrainingData({}, network.space, network.meta.data, checkpoint);
      calibration = calibrationSet(data.train, 500);
      val = data.val;
    });
    after(() => network.net.dispose());

    it('re-solves a block\'s conv2 with half its middle channels from 27% to 10% relative output error (held-out images)', () => {
      const { policies } = network;
      const mid = policies.layers.findIndex((l) => l.kind === 'mid' && l.block === 1);
      const policy = policies.identity();
      policy.keep[mid] = 0.5;
      const cfg = policies.toConfig(policy);
      const rec = new WeightReconstruction(network, calibration, { images: 300, positions: 10, seed: 1, sequential: false });
      const params = rec.paramsFor(cfg);
      const sites = convSites(network.net, subnetPlan(policies.space, cfg));
      const conv2 = sites.findIndex((s) => s.name.endsWith('blocks.1.conv2') || s.name === 'blocks.1.resnet.conv2');
      assert.ok(conv2 >= 0, `no conv2 of block 1 among ${sites.map((s) => s.name).join(', ')}`);
      const x = imagesOf(val, 200);
      try {
        const [[sliced, solved]] = siteErrors(network, calibration, cfg, [network.params, params], [conv2], x);
        assert.ok(Math.abs(sliced - 0.272) < 0.01 && Math.abs(solved - 0.103) < 0.01, `relative output error: sliced ${sliced.toFixed(4)}, reconstructed ${solved.toFixed(4)}`);
      } finally {
        x.dispose();
      }
    });

    it('raises the inherited val accuracy of pruned policies (500 images) by tens of points on average, more when solved sequentially', async () => {
      const latency = { target: 'macs', predict: (cs: SubnetConfig[]) => Float64Array.from(cs.map((c) => macs(network.policies.space, c))) };
      const data = { calibration, val, valImages: 500 };
      const plain = await TrainedNetworkProblem.open(network, latency, { ...data, reconstruction: { enabled: false } });
      const independent = await TrainedNetworkProblem.open(network, latency, { ...data, reconstruction: { images: 300, sequential: false } });
      const solved = await TrainedNetworkProblem.open(network, latency, { ...data, reconstruction: { images: 300 } });
      // Three policies the reconstruction bench drew (seed 0, 0.5-0.85x predicted latency).
      const keeps = [[1, 1, 0.5, 0.75, 0.25, 0.75], [1, 0.5, 0.25, 0.75, 0.625, 1], [0.5, 1, 0.25, 0.75, 1, 0.875]];
      const before: number[] = [];
      const afterIndependent: number[] = [];
      const afterRec: number[] = [];
      for (const keep of keeps) {
        const p = plain.snap({ ...plain.identity(), keep });
        before.push((await plain.evaluate(p)).accuracy);
        afterIndependent.push((await independent.evaluate(p)).accuracy);
        afterRec.push((await solved.evaluate(p)).accuracy);
      }
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.equal(plain.original.accuracy, solved.original.accuracy, 'the unpruned network scores the same either way');
      assert.ok(mean(afterRec) - mean(before) > 0.3, `mean inherited accuracy ${mean(before).toFixed(3)} sliced, ${mean(afterRec).toFixed(3)} reconstructed (${before.join(', ')} -> ${afterRec.join(', ')})`);
      assert.ok(afterRec.every((a, i) => a > before[i]), `every policy gains: ${before.join(', ')} -> ${afterRec.join(', ')}`);
      assert.ok(mean(afterRec) > mean(afterIndependent) && mean(afterIndependent) > mean(before), `sequential ${mean(afterRec).toFixed(3)} > independent ${mean(afterIndependent).toFixed(3)} > sliced ${mean(before).toFixed(3)}`);
    });
  });
  describe('on the shipped ResNet-14, with blocks removed', () => {
    it('re-solves every layer after the first removed block, sequentially: the second block of each stage removed scores 38% sliced and 88% reconstructed (val, 1,000 images)', async () => {
      const checkpoint = baselineFiles('resnet14').checkpoint;
      const network = loadCompressible(checkpoint);
      try {
        const data = await loadTrainingData({}, network.space, network.meta.data, checkpoint);
        const calibration = calibrationSet(data.train, 500);
        const latency = { target: 'macs', predict: (cs: SubnetConfig[]) => Float64Array.from(cs.map((c) => macs(network.policies.space, c))) };
        const common = { calibration, val: data.val, valImages: 1000 };
        const plain = await TrainedNetworkProblem.open(network, latency, { ...common, reconstruction: { enabled: false } });
        const solved = await TrainedNetworkProblem.open(network, latency, { ...common, reconstruction: { images: 300 } });
        const { policies } = network;
        const shallow = policies.identity();
        policies.layers.forEach((l, i) => (shallow.keep[i] = l.kind === 'depth' ? 0.5 : 1));
        assert.deepEqual(policies.toConfig(shallow).depths, [1, 1, 1]);
        const sliced = (await plain.evaluate(shallow)).accuracy;
        const rebuilt = (await solved.evaluate(shallow)).accuracy;
        assert.ok(Math.abs(sliced - 0.377) < 0.03 && Math.abs(rebuilt - 0.885) < 0.02, `sliced ${sliced}, reconstructed ${rebuilt} (unpruned ${plain.original.accuracy})`);
        // Only the kept blocks' layers after block 0 (the first removed is block 1), the classifier and its bias change.
        const params = solved.weightsFor(shallow);
        const changed = network.net.store.params.filter((p) => params.subarray(p.offset, p.offset + p.size).some((v, k) => v !== network.params[p.offset + k])).map((p) => p.name);
        assert.ok(changed.length > 0 && changed.every((n) => /^blocks\.[24]\.|^classifier\./.test(n)), changed.join(', '));
      } finally {
        network.net.dispose();
      }
    });
  });
});
