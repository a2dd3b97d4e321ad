/**
 * The data a command works on for a trained supernet: the user's `--data` or Fashion-MNIST,
 * checked against the space and normalised as the checkpoint's training data was (the
 * statistics stored in its metadata), so evaluation, calibration and export see the inputs the
 * network was trained on.
 */
import { loadData, withNormalization, type DataOptions } from './data/loadDataset.js';
import type { Dataset, DataSplit } from './data/types.js';
import { kFashionMnistClasses } from './data/fashionMnist.js';
import type { SearchSpace } from '../space/types.js';
import type { TrainDataMeta } from './train/trainTypes.js';

export async function loadTrainingData(options: DataOptions, space: Pick<SearchSpace, 'input'>, trained?: TrainDataMeta, checkpoint = 'the checkpoint'): Promise<Dataset> {
  if (trained !== undefined && trained.format !== 'fashion-mnist' && options.data === undefined) {
    throw new Error(`${checkpoint} was trained on '${trained.name}' (${trained.format}), not Fashion-MNIST: pass that data with --data`);
  }
  const data = inCheckpointClassOrder(await loadData(options, space.input), trained?.classNames ?? kFashionMnistClasses, checkpoint);
  return trained === undefined ? data : withNormalization(data, trained.normalization);
}

/** A class name as a folder can spell it ('T-shirt/top' and 'T-shirt-top' are one class). */
export const classKey = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * `data` with its labels numbered as the network was trained (`expected`, by class name): a
 * folder's classes come in alphabetical order, Fashion-MNIST's IDX files in their own. Throws
 * when the class names are not the trained ones.
 */
export function inCheckpointClassOrder(data: Dataset, expected: readonly string[], checkpoint = 'the checkpoint'): Dataset {
  const given = data.classNames.map(classKey);
  const wanted = expected.map(classKey);
  if (given.every((k, i) => k === wanted[i]) && given.length === wanted.length) return data;
  const perm = given.map((k) => wanted.indexOf(k));
  if (given.length !== wanted.length || perm.some((j) => j < 0) || new Set(perm).size !== perm.length) {
    throw new Error(
      `the data's classes (${data.classNames.join(', ')}) are not the ones ${checkpoint} was trained on (${expected.join(', ')}): ` +
        'pass the data it was trained on, with the same class names',
    );
  }
  const remap = (split: DataSplit): DataSplit => ({ ...split, labels: Uint8Array.from(split.labels, (l) => perm[l]) });
  return {
    ...data,
    classNames: [...expected],
    train: remap(data.train), val: remap(data.val), test: remap(data.test),
    notes: [...data.notes, `classes renumbered by name to the order ${checkpoint} was trained in`],
  };
}
