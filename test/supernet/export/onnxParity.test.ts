import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import type { Subnet } from '../../../supernet/Subnet.js';
import { fashionMbv3 } from '../../../space/defaultSpace.js';
import { largestConfig, sampleConfig, smallestConfig } from '../../../space/searchSpace.js';
import { subnetPlan } from '../../../space/plan.js';
import { macs } from '../../../space/layers.js';
import { Rng } from '../../../space/rng.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import type { FashionMnist } from '../../../supernet/data/types.js';
import type { SearchSpace, SubnetConfig } from '../../../space/types.js';
import { withUniformBits } from '../../../space/bits.js';
import { quantizeSubnet, logitsOf } from '../../../supernet/quant/QuantizedSubnet.js';
import { agreement, maxAbsDiff, top1 } from '../../../supernet/quant/classify.js';
import { exportSubnet } from '../../../supernet/export/exportSubnet.js';
import { decodeModel } from '../../../supernet/export/onnx/schema.js';
import { createSession, releaseCachedSessions } from '../../../profiling/ort.js';
import { microSpace } from '../../fixtures/data.js';
import { imageBatch } from '../../fixtures/images.js';
import { checkOnnxFiles } from '../../fixtures/onnxChecker.js';

interface Case {
  name: string;
  space: SearchSpace;
  config: SubnetConfig;
  /** Classifier weight std: logits of O(1-10), as a trained net gives. */
  classifierStd: number;
}

type Decoded = { graph: { node: Array<{ op_type: string }>; initializer: Array<{ name: string; dims: number[] }> } };

const kCalibrationImages = 500;

describe('ONNX export parity with the tfjs subnet (real Fashion-MNIST test images)', () => {
  let dir: string;
  let data: FashionMnist;
  let images: Float32Array;
  const written: string[] = [];
  const subnets = new Map<string, Subnet>();

  const micro = microSpace();
  const cases: Case[] = [
    { name: 'largest', space: fashionMbv3, config: largestConfig(fashionMbv3), classifierStd: 0.15 },
    { name: 'smallest-w8a8', space: fashionMbv3, config: withUniformBits(fashionMbv3, smallestConfig(fashionMbv3), 8, 8), classifierStd: 0.15 },
    { name: 'mixed', space: fashionMbv3, config: sampleConfig(fashionMbv3, new Rng(5), { quant: 'mixed' }), classifierStd: 0.15 },
    { name: 'micro-se-mixed', space: micro, config: { ...largestConfig(micro), widths: [0.5, 1], wBits: [4, 32, 8, 4], aBits: [8, 8, 32, 8] }, classifierStd: 0.4 },
  ];

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-onnx-'));
    data = loadFashionMnist();
    images = imageBatch(data.test, 1000);
    for (const c of cases) {
      const net = new Supernet(c.space, 1);
      const w = net.store.get('classifier.weight');
      w.assign(tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 3), c.classifierStd));
      subnets.set(c.name, extract(net, c.config, data.train, { images: kCalibrationImages }));
    }
  });

  after(async () => {
    for (const s of subnets.values()) s.dispose();
    await releaseCachedSessions();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases.filter((k) => k.name === 'largest' || k.name === 'micro-se-mixed')) {
    it(`fp32 ${c.name}: onnxruntime logits within 1e-4 of the subnet on 100 images`, async () => {
      const subnet = subnets.get(c.name)!;
      const path = join(dir, `${c.name}.onnx`);
      const result = await exportSubnet(subnet, path, { format: 'onnx' });
      written.push(path);
      assert.equal(result.macs, macs(c.space, result.config));
      const x = images.subarray(0, 100 * 784);
      const ref = tf.tidy(() => subnet.forward(tf.tensor4d(x, [100, 28, 28, 1])).dataSync());
      const session = await createSession(path);
      const got = await session.run(x, [100, 28, 28, 1]);
      await session.release();
      const scale = maxAbsDiff(ref, new Float32Array(ref.length));
      assert.ok(scale > 1, `logit scale ${scale} too small for a meaningful comparison`);
      const diff = maxAbsDiff(got, ref);
      assert.ok(diff <= 1e-4, `max abs logit difference ${diff} (logit scale ${scale})`);
    });
  }

  for (const c of cases.filter((k) => k.config.wBits !== undefined)) {
    it(`int8 ${c.name}: onnxruntime agrees with the simulated-quantized subnet on 1,000 images`, async () => {
      const subnet = subnets.get(c.name)!;
      const path = join(dir, `${c.name}.int8.onnx`);
      const calibration = data.train;
      const result = await exportSubnet(subnet, path, { format: 'onnx-int8', calibration, ranges: { images: kCalibrationImages } });
      written.push(path);
      assert.ok(result.activationSites > 0);
      const sim = quantizeSubnet(subnet, calibration, { images: kCalibrationImages });
      const simLogits = logitsOf(sim, images, [1000, 28, 28, 1]);
      sim.dispose();
      const optimized = join(dir, `${c.name}.optimized.onnx`);
      const session = await createSession(path, { optimizedModelPath: optimized });
      const ortLogits = await session.runBatched(images, [1000, 28, 28, 1], 250);
      await session.release();
      const [ps, po] = [top1(simLogits, 10), top1(ortLogits, 10)];
      const labels = data.test.labels.subarray(0, 1000);
      const agree = agreement(ps, po);
      const accDiff = Math.abs(agreement(ps, labels) - agreement(po, labels));
      assert.ok(agree >= 0.99, `top-1 agreement ${agree}`);
      assert.ok(accDiff <= 0.003, `accuracy difference ${accDiff}`);
      // onnxruntime runs the 8-bit layers with its integer kernels.
      const ops = (decodeModel(new Uint8Array(readFileSync(optimized))) as Decoded).graph.node.map((n) => n.op_type);
      assert.ok(ops.filter((op) => op === 'QLinearConv').length >= 3, `optimised graph ops: ${[...new Set(ops)].join(', ')}`);
    });
  }

  it('pruned widths are physical: exported weights have the plan\'s reduced channel counts', async () => {
    const c = cases.find((k) => k.name === 'mixed')!;
    const path = join(dir, `${c.name}.int8.onnx`);
    const inits = (decodeModel(new Uint8Array(readFileSync(path))) as Decoded).graph.initializer;
    const dims = (prefix: string) => {
      const t = inits.find((i) => i.name === `${prefix}.weight` || i.name === `${prefix}.weight.uint8`);
      assert.ok(t, `no weight for ${prefix}`);
      return t.dims;
    };
    const plan = subnetPlan(c.space, c.config);
    assert.ok(c.config.widths.some((r) => r < 1), 'the config prunes at least one stage');
    for (const b of plan.blocks) {
      assert.deepEqual(dims(`block${b.slot}.expand`), [b.midC, b.inC, 1, 1]);
      assert.deepEqual(dims(`block${b.slot}.dw`), [b.midC, 1, b.kernel, b.kernel]);
      assert.deepEqual(dims(`block${b.slot}.project`), [b.outC, b.midC, 1, 1]);
    }
    const full = subnetPlan(c.space, { ...c.config, widths: c.config.widths.map(() => 1) });
    assert.ok(plan.blocks.some((b, i) => b.outC < full.blocks[i].outC));
  });

  it('every exported file passes onnx.checker.check_model(full_check=True)', () => {
    assert.ok(written.length >= 5, `${written.length} files written`);
    const verdicts = checkOnnxFiles(written);
    for (const path of written) assert.equal(verdicts[path], 'ok', path);
  });
});
