/**
 * The data a command works on for a trained supernet: the user's `--data` or Fashion-MNIST,
 * checked against the space and normalised as the checkpoint's training data was (the
 * statistics stored in its metadata), so evaluation, calibration and export see the inputs the
 * network was trained on.
 */
import { loadData, withNormalization, type DataOptions } from './data/loadDataset.js';
import type { Dataset } from './data/types.js';
import type { SearchSpace } from '../space/types.js';
import type { TrainDataMeta } from './train/trainTypes.js';

export async function loadTrainingData(options: DataOptions, space: SearchSpace, trained?: TrainDataMeta, checkpoint = 'the checkpoint'): Promise<Dataset> {
  if (trained !== undefined && trained.format !== 'fashion-mnist' && options.data === undefined) {
    throw new Error(`${checkpoint} was trained on '${trained.name}' (${trained.format}), not Fashion-MNIST: pass that data with --data`);
  }
  const data = await loadData(options, space.input);
  return trained === undefined ? data : withNormalization(data, trained.normalization);
}
