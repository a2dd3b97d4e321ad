import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../supernet/backend/tf.js';
import type { Tensor4D } from '../../supernet/backend/tf.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { Supernet } from '../../supernet/Supernet.js';
import { calibrateBatchNorm, extractWithStats } from '../../supernet/extract.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { largestConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { fillBatch } from '../../supernet/data/batches.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig } from '../../space/types.js';
import type { DataSplit } from '../../supernet/data/types.js';

function images(split: DataSplit, n: number): Tensor4D {
  const buf = new Float32Array(n * 28 * 28);
  fillBatch(split, Int32Array.from({ length: n }, (_, i) => i), buf, { augment: false });
  return tf.tensor4d(buf, [n, 28, 28, 1]);
}

describe('subnet extraction', () => {
  let net: Supernet;
  let data: ReturnType<typeof loadFashionMnist>;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    net = new Supernet(fashionMbv3, 1);
    // Larger classifier weights than the init so logits are O(1) and the comparison means something.
    const w = net.store.get('classifier.weight');
    w.assign(tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 3), 1));
    data = loadFashionMnist();
  });

  const configs: Array<[string, () => SubnetConfig]> = [
    ['largest', () => largestConfig(fashionMbv3)],
    ['smallest', () => smallestConfig(fashionMbv3)],
    ['random', () => sampleConfig(fashionMbv3, new Rng(7))],
  ];
  for (const [name, make] of configs) {
    it(`folded ${name} subnet equals the supernet forward with the same statistics`, () => {
      const cfg = make();
      const before = tf.memory().numTensors;
      const stats = calibrateBatchNorm(net, cfg, data.train, { images: 400, batchSize: 200 });
      const subnet = extractWithStats(net, cfg, stats);
      const x = images(data.val, 64);
      const [diff, scale] = tf.tidy(() => {
        const a = net.forward(cfg, x, { kind: 'infer', stats });
        const b = subnet.forward(x);
        assert.deepEqual(b.shape, [64, 10]);
        return [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], tf.max(tf.abs(a)).dataSync()[0]];
      });
      assert.ok(scale > 0.5, `logit scale ${scale} too small for a meaningful comparison`);
      assert.ok(diff <= 1e-5 * Math.max(1, scale / 10), `max abs logit difference ${diff} (scale ${scale})`);
      x.dispose();
      subnet.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
  }

  it('recalibrated statistics match the batch statistics of the calibration images', () => {
    const cfg = smallestConfig(fashionMbv3);
    const stats = calibrateBatchNorm(net, cfg, data.train, { images: 200, batchSize: 100 });
    const x = images(data.train, 200);
    const stemOut = tf.tidy(() => tf.conv2d(x, net.store.get('stem.weight') as unknown as Tensor4D, 2, 'same'));
    const { mean, variance } = tf.moments(stemOut, [0, 1, 2]);
    const m = mean.dataSync();
    const v = variance.dataSync();
    for (let c = 0; c < m.length; c++) {
      assert.ok(Math.abs(stats['stem.bn'].mean[c] - m[c]) < 1e-4, `mean[${c}]`);
      assert.ok(Math.abs(stats['stem.bn'].variance[c] - v[c]) < 1e-3 * Math.max(1, v[c]), `variance[${c}]`);
    }
    tf.dispose([x, stemOut, mean, variance]);
  });

  it('refuses calibration sizes beyond the set', () => {
    assert.throws(() => calibrateBatchNorm(net, smallestConfig(fashionMbv3), data.val, { images: 0 }), /options.images must be an integer in \[1, 10000\] \(got 0\)/);
  });
});
