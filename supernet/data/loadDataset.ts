/**
 * The one entry to data: a user's folder (`--data`: an image folder, NPY or IDX arrays) or
 * Fashion-MNIST (`--data-dir`, the default). The format is told by the folder's content.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readArrayFolder } from './arrayDataset.js';
import { assembleDataset, type AssembleOptions } from './assemble.js';
import { loadFashionMnist } from './fashionMnist.js';
import { readImageFolder } from './imageFolder.js';
import type { Dataset, DatasetFormat, ImageShape, Normalization } from './types.js';

/** Which formats `--data` reads, for messages. */
export const kDataLayouts =
  'an image folder (one sub-folder of PNG/JPEG images per class, or train/, val/, test/ folders of them), ' +
  'NPY arrays (x_train.npy + y_train.npy, optionally x_val/y_val, x_test/y_test) or IDX files (train-images-idx3-ubyte + train-labels-idx1-ubyte[.gz])';

/** The format of a data folder by its content; throws naming the folder when it is none. */
export function detectFormat(dir: string): Exclude<DatasetFormat, 'fashion-mnist'> {
  if (!existsSync(dir)) throw new Error(`data folder ${dir} does not exist: give ${kDataLayouts}`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a folder: give the folder holding ${kDataLayouts}`);
  const names = readdirSync(dir);
  if (names.includes('x_train.npy') || names.includes('y_train.npy')) return 'npy';
  if (names.some((n) => /^train-(images|labels)-idx\d-ubyte(\.gz)?$/.test(n))) return 'idx';
  if (readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory() && !e.name.startsWith('.'))) return 'folder';
  throw new Error(`${dir} holds no dataset: expected ${kDataLayouts}`);
}

/** Reads and assembles the dataset in `dir`; rejects naming the file at fault. */
export async function loadDataset(dir: string, options: AssembleOptions = {}): Promise<Dataset> {
  const abs = resolve(dir);
  const format = detectFormat(abs);
  const raw = format === 'folder' ? await readImageFolder(abs) : readArrayFolder(abs, format);
  return assembleDataset(raw, options);
}

export interface DataOptions {
  /** A user's data folder (`--data`). */
  data?: string;
  /** Fashion-MNIST's folder (`--data-dir`), used when `data` is not given. */
  dataDir?: string;
}

/** The shape and classes a space's network takes. */
export interface DataInput extends ImageShape {
  classes: number;
}

/**
 * The dataset for a command: `options.data` resized to `input`, else Fashion-MNIST. Rejects
 * when the classes differ from the space's, naming both and the fix.
 */
export async function loadData(options: DataOptions, input: DataInput): Promise<Dataset> {
  const data = options.data === undefined ? loadFashionMnist({ dataDir: options.dataDir }) : await loadDataset(options.data, { input });
  if (data.classes !== input.classes) {
    throw new Error(`${data.dir} has ${data.classes} classes but the space's network has ${input.classes} outputs: use a space made for this data ('hwnas init --data ${data.dir} --out space.json')`);
  }
  if (data.input.height !== input.height || data.input.width !== input.width || data.input.channels !== input.channels) {
    const s = (x: ImageShape) => `${x.height}x${x.width}x${x.channels}`;
    throw new Error(`${data.dir}: images of ${s(data.input)} but the space's input is ${s(input)}: give --data with your own images, or a space for ${s(data.input)}`);
  }
  return data;
}

/** The same dataset normalised as a trained model expects (its checkpoint's statistics). */
export function withNormalization(data: Dataset, normalization: Normalization): Dataset {
  if (normalization.mean.length !== data.input.channels) {
    throw new Error(`the checkpoint's normalisation has ${normalization.mean.length} channels, ${data.dir}'s images ${data.input.channels}`);
  }
  const same = normalization.mean.every((m, c) => m === data.normalization.mean[c] && normalization.std[c] === data.normalization.std[c]);
  if (same) return data;
  const norm = Object.freeze({ mean: [...normalization.mean], std: [...normalization.std] });
  return Object.freeze({
    ...data,
    normalization: norm,
    train: Object.freeze({ ...data.train, normalization: norm }),
    val: Object.freeze({ ...data.val, normalization: norm }),
    test: Object.freeze({ ...data.test, normalization: norm }),
  });
}
