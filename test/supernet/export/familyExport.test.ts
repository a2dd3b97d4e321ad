import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import type { Subnet } from '../../../supernet/Subnet.js';
import { macs } from '../../../space/layers.js';
import type { FashionMnist } from '../../../supernet/data/types.js';
import { quantizeSubnet, logitsOf } from '../../../supernet/quant/QuantizedSubnet.js';
import { agreement, maxAbsDiff, top1 } from '../../../supernet/quant/classify.js';
import { exportSubnet } from '../../../supernet/export/exportSubnet.js';
import { loadTfjsModel } from '../../../supernet/export/tfjs/loadTfjsModel.js';
import { decodeModel } from '../../../supernet/export/onnx/schema.js';
import { createSession, releaseCachedSessions } from '../../../profiling/ort.js';
import { smallFashionMnist } from '../../fixtures/data.js';
import { imageBatch } from '../../fixtures/images.js';
import { checkOnnxFiles } from '../../fixtures/onnxChecker.js';
import { hybridMicroSpace, kHybridCases } from '../../fixtures/hybridSpace.js';

type Decoded = { graph: { node: Array<{ op_type: string }> } };

const kImages = 500;
const kCalibrationImages = 300;

describe('ONNX and tfjs export of every block family, without a head convolution', () => {
  let dir: string;
  let data: FashionMnist;
  let images: Float32Array;
  let net: Supernet;
  const written: string[] = [];
  const subnets = new Map<string, Subnet>();
  const space = hybridMicroSpace();

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-family-export-'));
    data = smallFashionMnist(kCalibrationImages, 10, kImages);
    images = imageBatch(data.test, kImages);
    net = new Supernet(space, 1);
    // Logits of O(1-10), as a trained net gives.
    const w = net.store.get('classifier.weight');
    w.assign(tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 3), 0.5));
    for (const c of kHybridCases) subnets.set(c.name, extract(net, c.config, data.train, { images: kCalibrationImages }));
  });

  after(async () => {
    for (const s of subnets.values()) s.dispose();
    net.dispose();
    await releaseCachedSessions();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, ext: string) => join(dir, `${name.replace(/\W+/g, '-')}${ext}`);

  for (const c of kHybridCases) {
    it(`fp32 ${c.name}: onnxruntime logits within 1e-4 of the tfjs subnet`, async () => {
      const subnet = subnets.get(c.name)!;
      const path = file(c.name, '.onnx');
      const result = await exportSubnet(subnet, path, { format: 'onnx' });
      written.push(path);
      assert.equal(result.macs, macs(space, result.config));
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

  for (const c of kHybridCases.filter((k) => k.config.wBits !== undefined)) {
    it(`int8 ${c.name}: onnxruntime agrees with the simulated-quantized subnet and runs integer kernels`, async () => {
      const subnet = subnets.get(c.name)!;
      const path = file(c.name, '.int8.onnx');
      const result = await exportSubnet(subnet, path, { format: 'onnx-int8', calibration: data.train, ranges: { images: kCalibrationImages } });
      written.push(path);
      assert.ok(result.activationSites > 0);
      const sim = quantizeSubnet(subnet, data.train, { images: kCalibrationImages });
      const simLogits = logitsOf(sim, images, [kImages, 28, 28, 1]);
      sim.dispose();
      const optimized = file(c.name, '.optimized.onnx');
      const session = await createSession(path, { optimizedModelPath: optimized });
      const ortLogits = await session.runBatched(images, [kImages, 28, 28, 1], 250);
      await session.release();
      const [ps, po] = [top1(simLogits, 10), top1(ortLogits, 10)];
      const labels = data.test.labels.subarray(0, kImages);
      const agree = agreement(ps, po);
      const accDiff = Math.abs(agreement(ps, labels) - agreement(po, labels));
      assert.ok(agree >= 0.99, `top-1 agreement ${agree}`);
      assert.ok(accDiff <= 0.006, `accuracy difference ${accDiff}`);
      const ops = (decodeModel(new Uint8Array(readFileSync(optimized))) as Decoded).graph.node.map((n) => n.op_type);
      assert.ok(ops.filter((op) => op === 'QLinearConv').length >= 3, `optimised graph ops: ${[...new Set(ops)].join(', ')}`);
    });
  }

  /** Exports case `name` as a tfjs folder, reloads it with plain tfjs and compares logits. */
  async function tfjsRoundTrip(name: string): Promise<void> {
    const c = kHybridCases.find((k) => k.name === name)!;
    const subnet = subnets.get(c.name)!;
    const out = file(c.name, '.tfjs');
    await exportSubnet(subnet, out, { format: 'tfjs' });
    const model = await loadTfjsModel(out);
    const x = tf.tensor4d(images.subarray(0, 50 * 784), [50, 28, 28, 1]);
    const y = model.execute(x) as Tensor;
    assert.deepEqual(y.shape, [50, 10]);
    const [got, ref] = [y.dataSync(), tf.tidy(() => subnet.forward(x).dataSync())];
    assert.ok(maxAbsDiff(got, ref) <= 1e-4, `max abs logit difference ${maxAbsDiff(got, ref)}`);
    tf.dispose([x, y]);
    model.dispose();
  }

  for (const [what, name] of [['a resnet subnet with a shortcut', kHybridCases[0].name], ['a plain subnet', 'plain, stem stride 1, pruned']]) {
    it(`tfjs: the folder of ${what} reloads with plain tfjs and matches the subnet`, async () => {
      await tfjsRoundTrip(name);
    });
  }

  it('every exported file passes onnx.checker.check_model(full_check=True)', () => {
    assert.equal(written.length, kHybridCases.length + kHybridCases.filter((k) => k.config.wBits !== undefined).length);
    const verdicts = checkOnnxFiles(written);
    for (const path of written) assert.equal(verdicts[path], 'ok', path);
  });
});
