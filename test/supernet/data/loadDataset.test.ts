import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { detectFormat, loadData, loadDataset, withNormalization } from '../../../supernet/data/loadDataset.js';
import { encodeNpy, parseNpy } from '../../../supernet/data/npy.js';
import { computeNormalization, kNormalizeTable, normalizeTables } from '../../../supernet/data/normalize.js';
import { resizeImages } from '../../../supernet/data/resize.js';
import { fillBatch } from '../../../supernet/data/batches.js';
import { makeTempDir, writeIdx } from './idxFixture.js';
import { writeImageFolder, writeNpyFolder } from '../../fixtures/imageFolder.js';

describe('image folder loader', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  before(() => { tmp = makeTempDir('folder'); });
  after(() => tmp.cleanup());

  it('reads one sub-folder per class exactly (PNG), carves seeded stratified val and test, and normalises with train statistics', async () => {
    const dir = join(tmp.dir, 'grey');
    const written = await writeImageFolder(dir, { classes: 3, perClass: 10 });
    const data = await loadDataset(dir);
    assert.equal(data.format, 'folder');
    assert.deepEqual(data.classNames, written.classNames);
    assert.deepEqual(data.input, { height: 16, width: 16, channels: 1 });
    assert.equal(data.train.n + data.val.n + data.test.n, 30);
    assert.equal(data.val.n, 3);
    assert.equal(data.test.n, 3);
    for (const split of [data.train, data.val, data.test]) {
      for (let k = 0; k < split.n; k++) {
        const i = split.indices[k];
        assert.equal(split.labels[k], written.labels[i]);
        assert.deepEqual(split.images.subarray(k * 256, (k + 1) * 256), written.pixels[i]);
      }
    }
    // Stratified: one image of each class in val and in test.
    assert.deepEqual([...data.val.labels].sort(), [0, 1, 2]);
    assert.deepEqual([...data.test.labels].sort(), [0, 1, 2]);
    const again = await loadDataset(dir);
    assert.deepEqual(again.val.indices, data.val.indices, 'same seed, same split');
    assert.deepEqual(data.normalization, computeNormalization(data.train.images, 1));
    assert.ok(data.notes.some((n) => /val: 3 images held out/.test(n)));
  });

  it('reads RGB JPEGs with train/val/test folders and resizes to a given input', async () => {
    const dir = join(tmp.dir, 'rgb');
    for (const s of ['train', 'test']) await writeImageFolder(join(dir, s), { classes: 2, perClass: 6, side: 20, channels: 3, format: 'jpeg', seed: s.length });
    const data = await loadDataset(dir, { input: { height: 10, width: 10, channels: 3 } });
    assert.deepEqual(data.input, { height: 10, width: 10, channels: 3 });
    assert.equal(data.test.n, 12, 'the given test folder, untouched');
    assert.equal(data.train.n + data.val.n, 12);
    assert.equal(data.val.n, 1);
    assert.equal(data.normalization.mean.length, 3);
    assert.equal(data.train.images.length, data.train.n * 10 * 10 * 3);
    const out = new Float32Array(10 * 10 * 3);
    fillBatch(data.train, [0], out, { augment: false });
    assert.ok(Math.abs(out[1] - (data.train.images[1] / 255 - data.normalization.mean[1]) / data.normalization.std[1]) < 1e-5);
  });

  const bad = async (name: string, make: (dir: string) => Promise<void> | void, pattern: RegExp) => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    await make(dir);
    await assert.rejects(loadDataset(dir), pattern);
  };

  it('refuses mixed sizes, naming the files', () => bad('mixed', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3 });
    await sharp({ create: { width: 20, height: 16, channels: 3, background: '#808080' } }).png().toFile(join(dir, 'classb', 'odd.png'));
  }, /mixed image sizes or channels: 1 image differ.*classb\/odd\.png \(20x16 RGB\)/));

  it('refuses mixed channels', () => bad('mixedc', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3 });
    await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(dir, 'classa', 'colour.png'));
  }, /mixed image sizes or channels: 1 image differ from the first file \(classa\/000\.png, 16x16 grey\): classa\/colour\.png \(16x16 RGB\)/));

  it('refuses an empty class folder', () => bad('empty', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3 });
    mkdirSync(join(dir, 'classz'));
  }, /classz: class folder has no PNG or JPEG images/));

  it('refuses a corrupt image, naming it', () => bad('corrupt', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3 });
    writeFileSync(join(dir, 'classa', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really'));
  }, /classa\/broken\.png: cannot be decoded as an image/));

  it('refuses a truncated image', () => bad('truncated', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3, side: 64 });
    const file = join(dir, 'classa', '000.png');
    copyFileSync(file, join(tmp.dir, 'full.png'));
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, Math.floor(full.length / 2)));
  }, /000\.png: cannot be decoded/));

  it('refuses an unreadable image', { skip: process.getuid?.() === 0 ? 'root reads every file' : false }, () => bad('unreadable', async (dir) => {
    await writeImageFolder(dir, { classes: 2, perClass: 3 });
    chmodSync(join(dir, 'classb', '001.png'), 0o000);
  }, /001\.png: cannot be decoded/));

  it('refuses one class only', () => bad('oneclass', async (dir) => {
    await writeImageFolder(dir, { classes: 1, perClass: 5 });
  }, /only one class \(classa\).*at least two/));

  it('refuses a folder without classes and a file for a folder', async () => {
    await bad('noclasses', (dir) => writeFileSync(join(dir, 'a.png'), ''), /holds no dataset/);
    assert.throws(() => detectFormat(join(tmp.dir, 'full.png')), /is a file, not a folder/);
  });

  it('refuses classes that differ from the space, and channels that differ', async () => {
    const dir = join(tmp.dir, 'grey');
    await assert.rejects(loadData({ data: dir }, { height: 16, width: 16, channels: 1, classes: 10 }), /has 3 classes but the space's network has 10 outputs: .*hwnas init/);
    await assert.rejects(loadData({ data: dir }, { height: 16, width: 16, channels: 3, classes: 3 }), /grey \(1 channel\), the space's input is 3 channels/);
  });
});


describe('NPY and IDX loaders', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  before(() => { tmp = makeTempDir('arrays'); });
  after(() => tmp.cleanup());

  it('round-trips .npy files of every supported dtype, big-endian too', () => {
    const a = parseNpy(encodeNpy(Int16Array.of(-3, 7, 300), [3]), 'a');
    assert.deepEqual([a.dtype, a.shape, [...a.data]], ['i2', [3], [-3, 7, 300]]);
    const f = parseNpy(encodeNpy(Float64Array.of(0.5, 2), [1, 2]), 'f');
    assert.deepEqual([f.dtype, f.shape, [...f.data]], ['f8', [1, 2], [0.5, 2]]);
    const be = Buffer.from(encodeNpy(Int32Array.of(1, 256), [2]));
    const header = be.toString('latin1', 0, be.length - 8).replace("'<i4'", "'>i4'");
    const swapped = Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from([0, 0, 0, 1, 0, 0, 1, 0])]);
    assert.deepEqual([...parseNpy(swapped, 'be').data], [1, 256]);
    assert.throws(() => parseNpy(Buffer.from('hello world'), 'x.npy'), /x\.npy is not a NumPy \.npy file/);
    assert.throws(() => parseNpy(encodeNpy(Uint8Array.of(1, 2, 3), [4]), 'short.npy'), /short\.npy: 3 data bytes, but shape \(4\)/);
  });

  it('reads NPY images and labels (int32 train, int64 test), classes from the labels', async () => {
    const dir = join(tmp.dir, 'npy');
    const written = writeNpyFolder(dir, { n: 30, classes: 3, test: 6 });
    const data = await loadDataset(dir);
    assert.equal(data.format, 'npy');
    assert.deepEqual(data.classNames, ['0', '1', '2']);
    assert.equal(data.test.n, 6);
    for (let k = 0; k < data.train.n; k++) assert.equal(data.train.labels[k], written.labels[data.train.indices[k]]);
  });

  it('names classes from classes.txt and refuses labels out of its range', async () => {
    const dir = join(tmp.dir, 'npy-names');
    writeNpyFolder(dir, { n: 12, classes: 3 });
    writeFileSync(join(dir, 'classes.txt'), 'cat\ndog\nbird\n');
    assert.deepEqual((await loadDataset(dir)).classNames, ['cat', 'dog', 'bird']);
    writeFileSync(join(dir, 'classes.txt'), 'cat\ndog\n');
    await assert.rejects(loadDataset(dir), /y_train\.npy: label 2 at index 2 is out of range \(classes\.txt names 2 classes, so labels must be 0\.\.1\)/);
  });

  it('refuses negative labels, float images, channels-first images and a missing label file', async () => {
    const dir = join(tmp.dir, 'npy-bad');
    writeNpyFolder(dir, { n: 6, classes: 2 });
    writeFileSync(join(dir, 'y_train.npy'), encodeNpy(Int32Array.of(0, 1, -1, 0, 1, 0), [6]));
    await assert.rejects(loadDataset(dir), /y_train\.npy: label -1 at index 2 is out of range/);
    writeFileSync(join(dir, 'y_train.npy'), encodeNpy(Int32Array.of(0, 1, 1, 0, 1, 0), [6]));
    writeFileSync(join(dir, 'x_train.npy'), encodeNpy(new Float32Array(6 * 4), [6, 2, 2]));
    await assert.rejects(loadDataset(dir), /x_train\.npy: images of dtype 'f4', expected uint8/);
    writeFileSync(join(dir, 'x_train.npy'), encodeNpy(new Uint8Array(6 * 3 * 4 * 4), [6, 3, 4, 4]));
    await assert.rejects(loadDataset(dir), /looks channels-first/);
    writeNpyFolder(dir, { n: 6, classes: 2, test: 2 });
    writeFileSync(join(dir, 'x_val.npy'), encodeNpy(new Uint8Array(2 * 64), [2, 8, 8]));
    await assert.rejects(loadDataset(dir), /y_val\.npy is missing/);
  });

  it('reads IDX files of any size and class count', async () => {
    const dir = join(tmp.dir, 'idx');
    mkdirSync(dir);
    const n = 40;
    const images = Uint8Array.from({ length: n * 5 * 6 }, (_, i) => (i * 7) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 4);
    writeIdx(join(dir, 'train-images-idx3-ubyte.gz'), [n, 5, 6], images);
    writeIdx(join(dir, 'train-labels-idx1-ubyte.gz'), [n], labels);
    const data = await loadDataset(dir);
    assert.equal(data.format, 'idx');
    assert.deepEqual(data.input, { height: 5, width: 6, channels: 1 });
    assert.equal(data.classes, 4);
    assert.equal(data.train.n + data.val.n + data.test.n, n);
    writeIdx(join(dir, 'train-labels-idx1-ubyte.gz'), [n], Uint8Array.from({ length: n }, () => 2));
    await assert.rejects(loadDataset(dir), /train-images-idx3-ubyte\.gz: class '0' \(label 0\) has no training images|only one class/);
  });
});

describe('normalisation and resizing', () => {
  it('keeps Fashion-MNIST\'s table for its statistics, and computes per-channel statistics', () => {
    assert.equal(normalizeTables({ mean: [0.28607], std: [0.3530768] })[0], kNormalizeTable);
    const n = computeNormalization(Uint8Array.of(0, 255, 255, 255), 2);
    assert.deepEqual(n.mean, [0.5, 1]);
    assert.deepEqual(n.std, [0.5, 1], 'a constant channel gets std 1');
  });

  it('resizes exactly when the size is kept, bilinearly otherwise, averaging boxes when shrinking by 2x or more', () => {
    const img = Uint8Array.of(0, 100, 200, 50);
    assert.equal(resizeImages(img, 1, 2, 2, 1, 2, 2), img);
    assert.deepEqual([...resizeImages(img, 1, 2, 2, 1, 1, 1)], [88]);
    const up = resizeImages(Uint8Array.of(0, 200), 1, 1, 2, 1, 1, 4);
    assert.deepEqual([...up], [0, 50, 150, 200]);
  });

  it('applies a checkpoint\'s normalisation to every split', async () => {
    const tmp = makeTempDir('norm');
    try {
      writeNpyFolder(tmp.dir, { n: 20, classes: 2 });
      const data = await loadDataset(tmp.dir);
      const norm = { mean: [0.5], std: [0.25] };
      const moved = withNormalization(data, norm);
      assert.deepEqual(moved.val.normalization, norm);
      assert.deepEqual(moved.train.images, data.train.images);
      assert.throws(() => withNormalization(data, { mean: [0, 0, 0], std: [1, 1, 1] }), /3 channels/);
    } finally {
      tmp.cleanup();
    }
  });
});
