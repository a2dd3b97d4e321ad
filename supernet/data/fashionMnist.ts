/**
 * Fashion-MNIST, read from the four official IDX files (gzipped or not) and split into
 * `train` (50,000) and `val` (10,000, a fixed stratified hold-out of the training file) and
 * `test` (10,000, the official t10k file, for final reports only).
 *
 * Loading is synchronous (about 0.5 s, dominated by gunzip) and happens once per process (or
 * worker thread) and directory: later calls return the same object. Every split's arrays are
 * shared by all callers, so treat them as read-only and copy before transferring them.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readIdx } from './idx.js';
import { stratifiedHoldOut } from './split.js';
import { kFashionMnistNormalization } from './normalize.js';
import type { DataSplit, Dataset, SplitName } from './types.js';

/** Where the Debian package `dataset-fashion-mnist` installs the files. */
export const kDefaultFashionMnistDir = '/usr/share/datasets/fashion-mnist';
/** Environment variable naming the data directory (used when no option is given). */
export const kDataDirEnv = 'HWNAS_DATA_DIR';
/**
 * Seed of the train/val hold-out. Changing it changes which images are validation images and
 * so invalidates every accuracy measured on `val` (for example predictor training sets).
 */
export const kValSplitSeed = 20_260_101;
export const kFashionMnistSizes = Object.freeze({ train: 50_000, val: 10_000, test: 10_000 } as const);
export const kFashionMnistClasses = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const);
const kImageSide = 28;

/** Base names of the official files; each is looked up as `<name>.gz`, then `<name>`. */
const kFiles = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const);
type FileKey = keyof typeof kFiles;

export interface FashionMnistOptions {
  /** Directory holding the four IDX files. Default: `$HWNAS_DATA_DIR`, else `kDefaultFashionMnistDir`. */
  dataDir?: string;
}

/** The data directory: `options.dataDir`, else `$HWNAS_DATA_DIR`, else the default; absolute. */
export function resolveFashionMnistDir(options: FashionMnistOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  if (options.dataDir !== undefined) {
    if (typeof options.dataDir !== 'string' || options.dataDir === '') {
      throw new Error(`options.dataDir must be a non-empty string (got ${JSON.stringify(options.dataDir)})`);
    }
    return resolve(options.dataDir);
  }
  const fromEnv = env[kDataDirEnv];
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : kDefaultFashionMnistDir);
}

function locateFiles(dir: string): Record<FileKey, string> {
  const found: Partial<Record<FileKey, string>> = {};
  const missing: string[] = [];
  for (const key of Object.keys(kFiles) as FileKey[]) {
    const candidates = [join(dir, `${kFiles[key]}.gz`), join(dir, kFiles[key])];
    const path = candidates.find((p) => existsSync(p));
    if (path === undefined) missing.push(`${kFiles[key]}.gz`);
    else found[key] = path;
  }
  if (missing.length > 0) {
    throw new Error(
      `Fashion-MNIST not found in ${dir} (missing ${missing.join(', ')}): install it with ` +
        `'apt-get install dataset-fashion-mnist', pass --data-dir or set ${kDataDirEnv}`,
    );
  }
  return found as Record<FileKey, string>;
}

function readLabels(path: string): Uint8Array {
  const { dims, data } = readIdx(path);
  if (dims.length !== 1) {
    throw new Error(`Fashion-MNIST label file ${path}: expected 1 dimension, got [${dims.join(', ')}]`);
  }
  const classes = kFashionMnistClasses.length;
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= classes) {
      throw new Error(`Fashion-MNIST label file ${path}: label ${data[i]} at index ${i} is out of range (expected 0..${classes - 1})`);
    }
  }
  return data;
}

function readImages(path: string): Uint8Array {
  const { dims, data } = readIdx(path);
  if (dims.length !== 3 || dims[1] !== kImageSide || dims[2] !== kImageSide) {
    throw new Error(
      `Fashion-MNIST image file ${path}: dimensions [${dims.join(', ')}], expected [n, ${kImageSide}, ${kImageSide}] ` +
        `(${kImageSide}x${kImageSide} images)`,
    );
  }
  return data;
}

/** Reads a matching images/labels pair and checks the count against the official one. */
function readPair(imagesPath: string, labelsPath: string, expected: number): { images: Uint8Array; labels: Uint8Array } {
  const labels = readLabels(labelsPath);
  const images = readImages(imagesPath);
  const n = images.length / (kImageSide * kImageSide);
  if (n !== labels.length) {
    throw new Error(`Fashion-MNIST: ${imagesPath} has ${n} images but ${labelsPath} has ${labels.length} labels`);
  }
  if (n !== expected) {
    throw new Error(`Fashion-MNIST: ${imagesPath} has ${n} images, expected ${expected}: not the official file, or incomplete`);
  }
  return { images, labels };
}

/** Copies the images and labels at `indices` of a source file into a new split. */
function gather(name: SplitName, source: string, images: Uint8Array, labels: Uint8Array, indices: Int32Array): DataSplit {
  const pixels = kImageSide * kImageSide;
  const out = new Uint8Array(indices.length * pixels);
  const outLabels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    out.set(images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    outLabels[k] = labels[i];
  }
  return Object.freeze({
    name, images: out, labels: outLabels, n: indices.length, height: kImageSide, width: kImageSide, channels: 1,
    normalization: kFashionMnistNormalization, indices, source,
  });
}

function load(dir: string): Dataset {
  const files = locateFiles(dir);
  const sizes = kFashionMnistSizes;
  const full = readPair(files.trainImages, files.trainLabels, sizes.train + sizes.val);
  const official = readPair(files.testImages, files.testLabels, sizes.test);
  const holdOut = stratifiedHoldOut(full.labels, sizes.val, kFashionMnistClasses.length, kValSplitSeed);
  const testIndices = Int32Array.from({ length: sizes.test }, (_, i) => i);
  return Object.freeze({
    name: 'fashion-mnist',
    format: 'fashion-mnist' as const,
    dir,
    input: Object.freeze({ height: kImageSide, width: kImageSide, channels: 1 }),
    classes: kFashionMnistClasses.length,
    classNames: kFashionMnistClasses,
    normalization: kFashionMnistNormalization,
    notes: Object.freeze([]),
    train: gather('train', files.trainImages, full.images, full.labels, holdOut.train),
    val: gather('val', files.trainImages, full.images, full.labels, holdOut.val),
    test: gather('test', files.testImages, official.images, official.labels, testIndices),
  });
}

const cache = new Map<string, Dataset>();

/**
 * Loads Fashion-MNIST from `resolveFashionMnistDir(options)`, synchronously, once per
 * directory per process. Throws, naming the file, when a file is missing, corrupt, truncated,
 * has out-of-range labels, images that are not 28x28, or not the official number of examples.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): Dataset {
  const dir = resolveFashionMnistDir(options);
  let data = cache.get(dir);
  if (data === undefined) {
    data = load(dir);
    cache.set(dir, data);
  }
  return data;
}
