import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { exportTransformer } from '../../../supernet/transformer/exportTransformer.js';
import { decodeModel } from '../../../supernet/export/onnx/schema.js';
import { fashionVit } from '../../../space/transformer/fashionVit.js';
import { largestTransformer, sampleTransformer, smallestTransformer } from '../../../space/transformer/configs.js';
import { transformerCost } from '../../../space/transformer/cost.js';
import { Rng } from '../../../space/rng.js';
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import { createSession, releaseCachedSessions } from '../../../profiling/ort.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import { agreement, top1 } from '../../../supernet/quant/classify.js';
import { imageBatch } from '../../fixtures/images.js';
import { scaledNet, tinyVitSpace } from '../../fixtures/vit.js';

interface Case {
  name: string;
  space: TransformerSpace;
  config: TransformerConfig;
}

type Decoded = {
  opset_import: Array<{ version: number }>;
  graph: { node: Array<{ op_type: string }>; initializer: Array<{ name: string; dims: number[] }> };
  metadata_props: Array<{ key: string; value: string }>;
};

const cases: Case[] = [
  { name: 'fashion-vit largest', space: fashionVit, config: largestTransformer(fashionVit) },
  { name: 'fashion-vit smallest', space: fashionVit, config: smallestTransformer(fashionVit) },
  { name: 'fashion-vit random', space: fashionVit, config: sampleTransformer(fashionVit, new Rng(11)) },
  { name: 'tiny cls-token', space: tinyVitSpace('cls'), config: { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] } },
];

describe('ONNX export of SubTransformers, run by onnxruntime against tfjs (real Fashion-MNIST test images)', () => {
  let dir: string;
  let images: Float32Array;
  const nets = new Map<TransformerSpace, SuperTransformer>();

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-onnx-'));
    images = imageBatch(loadFashionMnist().test, 64);
    for (const c of cases) if (!nets.has(c.space)) nets.set(c.space, scaledNet(c.space));
  });

  after(async () => {
    for (const net of nets.values()) net.dispose();
    await releaseCachedSessions();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.name}: logits within 1e-4 (relative to their scale) of tfjs on 64 images, same top-1`, async () => {
      const net = nets.get(c.space)!;
      const path = join(dir, `${c.name.replace(/ /g, '-')}.onnx`);
      const result = exportTransformer(net, c.config, path);
      const cost = transformerCost(c.space, c.config);
      assert.equal(result.macs, cost.macs);
      assert.equal(result.params, cost.params);
      const model = decodeModel(new Uint8Array(readFileSync(path))) as Decoded;
      const stored = model.graph.initializer.filter((i) => !/shape|index|scale|zero|one|tail|single/.test(i.name))
        .reduce((s, i) => s + i.dims.reduce((a, b) => a * b, 1), 0);
      assert.equal(stored, cost.params, 'the file holds exactly the SubTransformer\'s weights');
      assert.equal(model.opset_import[0].version, 17);
      const ops = model.graph.node.map((n) => n.op_type);
      assert.equal(ops.filter((op) => op === 'LayerNormalization').length, 2 * c.config.depth + 1);
      assert.equal(ops.filter((op) => op === 'Softmax').length, c.config.depth);
      const meta = Object.fromEntries(model.metadata_props.map((m) => [m.key, m.value]));
      assert.deepEqual(JSON.parse(meta['hwnas.config']), c.config);
      assert.equal(meta['hwnas.space'], c.space.name);

      const n = 64;
      const ref = tf.tidy(() => net.forward(c.config, tf.tensor4d(images, [n, 28, 28, 1])).dataSync() as Float32Array);
      const session = await createSession(path);
      const got = await session.run(images, [n, 28, 28, 1]);
      await session.release();
      assert.equal(got.length, n * 10);
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < ref.length; i++) {
        scale = Math.max(scale, Math.abs(ref[i]));
        diff = Math.max(diff, Math.abs(ref[i] - got[i]));
      }
      assert.ok(scale > 1, `logit scale ${scale} too small for a meaningful comparison`);
      assert.ok(diff <= 1e-4 * scale, `max abs logit difference ${diff} at logit scale ${scale}`);
      assert.equal(agreement(top1(ref, 10), top1(got, 10)), 1);
    });
  }

  it('int8 (dynamically quantized encoder): onnxruntime runs integer matmuls and agrees with fp32 on 256 images', async () => {
    const net = nets.get(fashionVit)!;
    const cfg = largestTransformer(fashionVit);
    const x = imageBatch(loadFashionMnist().test, 256);
    const logits: Float32Array[] = [];
    const sizes: number[] = [];
    for (const format of ['onnx', 'onnx-int8'] as const) {
      const path = join(dir, `largest.${format}.onnx`);
      const r = exportTransformer(net, cfg, path, { format });
      assert.equal(r.format, format);
      sizes.push(r.bytes);
      const optimized = join(dir, `largest.${format}.optimized.onnx`);
      const session = await createSession(path, { optimizedModelPath: optimized });
      logits.push(await session.run(x, [256, 28, 28, 1]));
      await session.release();
      if (format === 'onnx-int8') {
        const written = (decodeModel(new Uint8Array(readFileSync(path))) as Decoded).graph.node.map((n) => n.op_type);
        assert.equal(written.filter((op) => op === 'MatMulInteger').length, 6 * cfg.depth, 'Q, K, V, projection and MLP of every layer');
        const ops = (decodeModel(new Uint8Array(readFileSync(optimized))) as Decoded).graph.node.map((n) => n.op_type);
        const integer = ops.filter((op) => op === 'MatMulIntegerToFloat' || op === 'DynamicQuantizeMatMul' || op === 'MatMulInteger').length;
        assert.equal(integer, 6 * cfg.depth, `optimised graph ops: ${[...new Set(ops)].join(', ')}`);
      }
    }
    const [fp32, int8] = logits;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < fp32.length; i++) {
      scale = Math.max(scale, Math.abs(fp32[i]));
      diff = Math.max(diff, Math.abs(fp32[i] - int8[i]));
    }
    assert.ok(diff <= 0.1 * scale, `max abs logit difference ${diff} at logit scale ${scale}`);
    const agree = agreement(top1(fp32, 10), top1(int8, 10));
    assert.ok(agree >= 0.9, `top-1 agreement ${agree}`);
    assert.ok(sizes[1] < sizes[0] / 3, `int8 file ${sizes[1]} bytes against fp32 ${sizes[0]}`);
  });

  it('refuses to overwrite an existing file unless asked', () => {
    const net = nets.get(fashionVit)!;
    const path = join(dir, 'twice.onnx');
    exportTransformer(net, smallestTransformer(fashionVit), path);
    assert.throws(() => exportTransformer(net, smallestTransformer(fashionVit), path), /twice\.onnx already exists: choose another --out, or pass --force to replace it/);
    assert.ok(exportTransformer(net, smallestTransformer(fashionVit), path, { overwrite: true }).bytes > 0);
    assert.throws(() => exportTransformer(net, smallestTransformer(fashionVit), join(dir, 'web'), { format: 'tflite' as 'onnx' }), /options\.format must be one of onnx, onnx-int8, tfjs for a SubTransformer \(got 'tflite'\)/);
  });
});
