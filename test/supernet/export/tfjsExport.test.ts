import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../supernet/backend/tf.js';
import type { Tensor } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import { fashionMbv3 } from '../../../space/defaultSpace.js';
import { largestConfig, sampleConfig } from '../../../space/searchSpace.js';
import { Rng } from '../../../space/rng.js';
import type { SearchSpace, SubnetConfig } from '../../../space/types.js';
import { exportSubnet } from '../../../supernet/export/exportSubnet.js';
import { loadTfjsModel } from '../../../supernet/export/tfjs/loadTfjsModel.js';
import { maxAbsDiff } from '../../../supernet/quant/classify.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';
import { imageBatch } from '../../fixtures/images.js';

const kStandardOps = new Set(['Placeholder', 'Identity', 'Const', 'Conv2D', 'DepthwiseConv2dNative', 'BiasAdd', 'Relu', 'Relu6', 'AddV2', 'Mul', 'Mean', 'Squeeze']);

describe('tfjs graph-model export', () => {
  let dir: string;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-tfjs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, () => SearchSpace, (s: SearchSpace) => SubnetConfig]> = [
    ['fashion-mbv3 random config', () => fashionMbv3, (s) => sampleConfig(s, new Rng(11))],
    ['micro space with squeeze-and-excitation', () => microSpace(), (s) => ({ ...largestConfig(s), widths: [0.5, 1] })],
  ];
  for (const [name, space, config] of cases) {
    it(`${name}: the folder reloads with plain tfjs and matches the in-memory subnet`, async () => {
      const data = smallFashionMnist(300, 10, 100);
      const net = new Supernet(space(), 2);
      const w = net.store.get('classifier.weight');
      w.assign(tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 5), 0.2));
      const subnet = extract(net, config(net.space), data.train, { images: 300 });
      const out = join(dir, name.replace(/\W+/g, '-'));
      const result = await exportSubnet(subnet, out, { format: 'tfjs' });
      assert.deepEqual(readdirSync(out).sort(), ['model.json', 'weights.bin']);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelTopology: { node: Array<{ op: string }> } };
      const ops = new Set(json.modelTopology.node.map((n) => n.op));
      for (const op of ops) assert.ok(kStandardOps.has(op), `non-standard op ${op}`);
      assert.ok(result.bytes > result.params * 4, `${result.bytes} bytes for ${result.params} float params`);

      const before = tf.memory().numTensors;
      const model = await loadTfjsModel(out);
      const x = tf.tensor4d(imageBatch(data.test, 100), [100, 28, 28, 1]);
      const y = model.execute(x) as Tensor;
      assert.deepEqual(y.shape, [100, 10]);
      const [got, ref] = [y.dataSync(), tf.tidy(() => subnet.forward(x).dataSync())];
      const scale = maxAbsDiff(ref, new Float32Array(ref.length));
      assert.ok(scale > 0.5, `logit scale ${scale}`);
      assert.ok(maxAbsDiff(got, ref) <= 1e-4, `max abs logit difference ${maxAbsDiff(got, ref)} (scale ${scale})`);
      tf.dispose([x, y]);
      model.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      subnet.dispose();
      net.dispose();
    });
  }

  it('refuses to write over an existing folder unless asked, then replaces it whole', async () => {
    const data = smallFashionMnist(100, 10, 10);
    const net = new Supernet(microSpace(), 1);
    const subnet = extract(net, largestConfig(net.space), data.train, { images: 100 });
    const out = join(dir, 'replace');
    await exportSubnet(subnet, out, { format: 'tfjs' });
    await assert.rejects(exportSubnet(subnet, out, { format: 'tfjs' }), /already exists: choose another --out, or pass --force/);
    await exportSubnet(subnet, out, { format: 'tfjs', overwrite: true });
    assert.deepEqual(readdirSync(out).sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary folders left');
    subnet.dispose();
    net.dispose();
  });
});
