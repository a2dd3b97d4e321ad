import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync as makeDirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from '../../../supernet/data/idx.js';
import { stratifiedHoldOut } from '../../../supernet/data/split.js';
import {
  kDefaultFashionMnistDir, kValSplitSeed, loadFashionMnist, resolveFashionMnistDir,
} from '../../../supernet/data/fashionMnist.js';
import type { FashionMnist } from '../../../supernet/data/types.js';
import { fakeImages, makeTempDir, writeIdx } from './idxFixture.js';

const kPixels = 28 * 28;

interface FixtureSpec {
  trainImages?: number | null;
  trainLabels?: number[] | null;
  side?: [number, number];
  gzip?: boolean;
}

/** Writes small Fashion-MNIST-shaped files; `null` leaves a file out. */
function writeFixture(dir: string, spec: FixtureSpec = {}): void {
  const gzip = spec.gzip ?? true;
  const ext = gzip ? '.gz' : '';
  const [h, w] = spec.side ?? [28, 28];
  const trainLabels = spec.trainLabels === undefined ? [0, 1, 2, 3, 4, 5] : spec.trainLabels;
  const trainImages = spec.trainImages === undefined ? 6 : spec.trainImages;
  if (trainImages !== null) writeIdx(join(dir, `train-images-idx3-ubyte${ext}`), [trainImages, h, w], fakeImages(trainImages, h, w), { gzip });
  if (trainLabels !== null) writeIdx(join(dir, `train-labels-idx1-ubyte${ext}`), [trainLabels.length], trainLabels, { gzip });
  writeIdx(join(dir, `t10k-images-idx3-ubyte${ext}`), [2, 28, 28], fakeImages(2), { gzip });
  writeIdx(join(dir, `t10k-labels-idx1-ubyte${ext}`), [2], [7, 9], { gzip });
}

describe('Fashion-MNIST directory resolution', () => {
  it('prefers the option, then HWNAS_DATA_DIR, then the default', () => {
    assert.equal(resolveFashionMnistDir({ dataDir: '/a/b/' }, { HWNAS_DATA_DIR: '/env' }), '/a/b');
    assert.equal(resolveFashionMnistDir({}, { HWNAS_DATA_DIR: '/env' }), '/env');
    assert.equal(resolveFashionMnistDir({}, { HWNAS_DATA_DIR: '' }), kDefaultFashionMnistDir);
    assert.equal(resolveFashionMnistDir({}, {}), kDefaultFashionMnistDir);
    assert.equal(kDefaultFashionMnistDir, '/usr/share/datasets/fashion-mnist');
    assert.throws(() => resolveFashionMnistDir({ dataDir: '' }, {}), /options.dataDir must be a non-empty string \(got ""\)/);
  });

  it('reads HWNAS_DATA_DIR from the environment', () => {
    const { dir, cleanup } = makeTempDir('env');
    const saved = process.env.HWNAS_DATA_DIR;
    try {
      process.env.HWNAS_DATA_DIR = dir;
      assert.throws(() => loadFashionMnist(), (err: Error) => err.message.startsWith(`Fashion-MNIST not found in ${dir} `));
    } finally {
      if (saved === undefined) delete process.env.HWNAS_DATA_DIR;
      else process.env.HWNAS_DATA_DIR = saved;
      cleanup();
    }
  });
});

describe('Fashion-MNIST loader on bad files', () => {
  const temp = makeTempDir('fmnist');
  let n = 0;
  /** A fresh directory with a fixture (each load of a new directory bypasses the cache). */
  const fixture = (spec?: FixtureSpec): string => {
    const dir = join(temp.dir, String(n++));
    makeDirSync(dir);
    writeFixture(dir, spec);
    return dir;
  };
  after(temp.cleanup);

  it('names the missing file and how to get it', () => {
    const dir = fixture({ trainLabels: null });
    assert.throws(() => loadFashionMnist({ dataDir: dir }), {
      message:
        `Fashion-MNIST not found in ${dir} (missing train-labels-idx1-ubyte.gz): install it with ` +
        `'apt-get install dataset-fashion-mnist', pass --data-dir or set HWNAS_DATA_DIR`,
    });
    const empty = join(temp.dir, 'does-not-exist');
    assert.throws(() => loadFashionMnist({ dataDir: empty }), /missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images/);
  });

  it('names the label file and the first out-of-range label', () => {
    const dir = fixture({ trainLabels: [1, 2, 10, 3, 11, 4] });
    assert.throws(
      () => loadFashionMnist({ dataDir: dir }),
      { message: `Fashion-MNIST label file ${join(dir, 'train-labels-idx1-ubyte.gz')}: label 10 at index 2 is out of range (expected 0..9)` },
    );
  });

  it('rejects more images than labels', () => {
    const dir = fixture({ trainImages: 6, trainLabels: [0, 1, 2, 3, 4] });
    assert.throws(() => loadFashionMnist({ dataDir: dir }), /train-images-idx3-ubyte.gz has 6 images but .*train-labels-idx1-ubyte.gz has 5 labels/);
  });

  it('rejects images that are not 28x28', () => {
    const dir = fixture({ side: [27, 28] });
    assert.throws(() => loadFashionMnist({ dataDir: dir }), /image file .*train-images-idx3-ubyte.gz: dimensions \[6, 27, 28\], expected \[n, 28, 28\]/);
  });

  it('rejects a consistent but short dataset instead of returning it', () => {
    const dir = fixture();
    assert.throws(() => loadFashionMnist({ dataDir: dir }), /train-images-idx3-ubyte.gz has 6 images, expected 60000/);
  });

  it('finds uncompressed files without the .gz suffix', () => {
    const dir = fixture({ gzip: false });
    assert.throws(() => loadFashionMnist({ dataDir: dir }), (err: Error) => err.message.includes(`${join(dir, 'train-images-idx3-ubyte')} has 6 images, expected 60000`));
  });

  it('names a corrupt gzip file', () => {
    const dir = fixture();
    const path = join(dir, 'train-labels-idx1-ubyte.gz');
    writeFileSync(path, Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    assert.throws(() => loadFashionMnist({ dataDir: dir }), (err: Error) => err.message.startsWith(`IDX file ${path}: corrupt gzip data`));
  });
});

describe('Fashion-MNIST on the real data', () => {
  let data: FashionMnist;
  let trainLabels: Uint8Array;
  before(() => {
    data = loadFashionMnist();
    trainLabels = readIdx(join(data.dir, 'train-labels-idx1-ubyte.gz')).data;
  });

  it('has splits of 50000, 10000 and 10000 28x28 images', () => {
    for (const [name, n] of [['train', 50_000], ['val', 10_000], ['test', 10_000]] as const) {
      const split = data[name];
      assert.equal(split.name, name);
      assert.equal(split.n, n);
      assert.equal(split.height, 28);
      assert.equal(split.width, 28);
      assert.equal(split.images.length, n * kPixels);
      assert.equal(split.labels.length, n);
      assert.equal(split.indices.length, n);
    }
    assert.equal(data.classNames.length, 10);
  });

  it('holds val out of the training file: disjoint from train, together all 60000', () => {
    const seen = new Uint8Array(60_000);
    for (const i of data.train.indices) seen[i] += 1;
    for (const i of data.val.indices) seen[i] += 2;
    assert.ok(seen.every((v) => v === 1 || v === 2), 'every position in exactly one split');
    assert.equal(data.val.source, data.train.source);
    assert.match(data.train.source, /train-images-idx3-ubyte/);
    assert.match(data.test.source, /t10k-images-idx3-ubyte/);
  });

  it('copies the images and labels found at its indices in the source files', () => {
    for (const split of [data.train, data.val]) {
      for (let k = 0; k < split.n; k++) assert.equal(split.labels[k], trainLabels[split.indices[k]]);
    }
    const source = readIdx(data.train.source).data;
    for (const split of [data.train, data.val]) {
      for (let k = 0; k < split.n; k += 97) {
        const i = split.indices[k];
        assert.deepEqual(split.images.subarray(k * kPixels, (k + 1) * kPixels), source.subarray(i * kPixels, (i + 1) * kPixels));
      }
    }
    const test = readIdx(data.test.source).data;
    assert.deepEqual(data.test.images, Uint8Array.from(test));
    assert.deepEqual(Array.from(data.test.indices.subarray(0, 3)), [0, 1, 2]);
  });

  it('has a class-balanced val split: 1000 of each class', () => {
    const counts = new Array<number>(10).fill(0);
    for (const label of data.val.labels) counts[label]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
  });

  it('gives the same split on every load', () => {
    assert.equal(loadFashionMnist(), data, 'cached per process');
    assert.equal(loadFashionMnist({ dataDir: `${data.dir}/` }), data, 'same directory, same cache entry');
    const again = stratifiedHoldOut(trainLabels, 10_000, 10, kValSplitSeed);
    assert.deepEqual(again.val, data.val.indices);
    assert.deepEqual(again.train, data.train.indices);
    // Golden: a change here changes the validation set and every accuracy measured on it.
    assert.deepEqual(Array.from(data.val.indices.subarray(0, 8)), [3, 6, 21, 23, 40, 42, 45, 49]);
  });
});
