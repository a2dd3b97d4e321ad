import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { SuperTransformer } from '../../../supernet/transformer/SuperTransformer.js';
import { exportTransformer } from '../../../supernet/transformer/exportTransformer.js';
import { loadTfjsModel } from '../../../supernet/export/tfjs/loadTfjsModel.js';
import { fashionVit } from '../../../space/transformer/fashionVit.js';
import { largestTransformer, sampleTransformer } from '../../../space/transformer/configs.js';
import { transformerCost } from '../../../space/transformer/cost.js';
import { Rng } from '../../../space/rng.js';
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import { loadFashionMnist } from '../../../supernet/data/fashionMnist.js';
import { agreement, top1 } from '../../../supernet/quant/classify.js';
import { imageBatch } from '../../fixtures/images.js';
import { scaledNet, tinyVitSpace } from '../../fixtures/vit.js';

/** TensorFlow ops that plain tfjs's graph executor runs (no custom ops). */
const kStandardOps = new Set([
  'Placeholder', 'Const', 'BatchMatMulV2', 'AddV2', 'Mul', 'Sub', 'Relu', 'Softmax', 'Reshape', 'Transpose', 'Mean', 'Square', 'Rsqrt',
  'GatherV2', 'Shape', 'StridedSlice', 'ConcatV2', 'BroadcastTo',
]);

const cases: Array<{ name: string; space: TransformerSpace; config: TransformerConfig }> = [
  { name: 'fashion-vit largest (mean pooling)', space: fashionVit, config: largestTransformer(fashionVit) },
  { name: 'fashion-vit random', space: fashionVit, config: sampleTransformer(fashionVit, new Rng(5)) },
  { name: 'tiny cls-token', space: tinyVitSpace('cls'), config: { kind: 'vit', embedDim: 16, depth: 2, heads: [2, 1], mlpRatios: [1, 2] } },
];

describe('tfjs graph-model export of SubTransformers (real Fashion-MNIST test images)', () => {
  let dir: string;
  let images: Float32Array;
  const nets = new Map<TransformerSpace, SuperTransformer>();

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-tfjs-'));
    images = imageBatch(loadFashionMnist().test, 32);
    for (const c of cases) {
      if (!nets.has(c.space)) nets.set(c.space, scaledNet(c.space));
    }
  });

  after(() => {
    for (const net of nets.values()) net.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.name}: the folder loads with plain tfjs and its logits match the SuperTransformer's within 1e-4 of their scale`, async () => {
      const net = nets.get(c.space)!;
      const out = join(dir, c.name.replace(/\W+/g, '-'));
      const r = exportTransformer(net, c.config, out, { format: 'tfjs' });
      assert.equal(r.format, 'tfjs');
      assert.deepEqual(readdirSync(out).sort(), ['model.json', 'weights.bin']);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelTopology: { node: Array<{ op: string }> }; userDefinedMetadata: Record<string, string> };
      for (const op of new Set(json.modelTopology.node.map((n) => n.op))) assert.ok(kStandardOps.has(op), `non-standard op ${op}`);
      assert.deepEqual(JSON.parse(json.userDefinedMetadata['hwnas.config']), c.config);
      const params = transformerCost(c.space, c.config).params;
      assert.ok(r.bytes > params * 4 && r.bytes < params * 4 + 200_000, `${r.bytes} bytes for ${params} float params`);

      const model = await loadTfjsModel(out);
      const x = tf.tensor4d(images, [32, 28, 28, 1]);
      const y = model.execute(x) as Tensor;
      assert.deepEqual(y.shape, [32, 10]);
      const got = y.dataSync() as Float32Array;
      const ref = tf.tidy(() => net.forward(c.config, x).dataSync() as Float32Array);
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < ref.length; i++) {
        scale = Math.max(scale, Math.abs(ref[i]));
        diff = Math.max(diff, Math.abs(ref[i] - got[i]));
      }
      assert.ok(scale > 1, `logit scale ${scale}`);
      assert.ok(diff <= 1e-4 * scale, `max abs logit difference ${diff} at logit scale ${scale}`);
      assert.equal(agreement(top1(ref, 10), top1(got, 10)), 1);
      tf.dispose([x, y]);
      model.dispose();
    });
  }
});
