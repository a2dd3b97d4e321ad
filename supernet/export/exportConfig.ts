/**
 * Exporting a config of a trained supernet, the way `hwnas export` does it for every caller
 * (the command, `hwnas verify`, the demo): the seeded calibration subset of the training split,
 * BatchNorm recalibrated on its first `bnImages` images, activation ranges on its first
 * `ranges.images`, then `exportSubnet`.
 */
import type { DataSplit } from '../data/types.js';
import { calibrationSet } from '../evaluate.js';
import { extract, kDefaultCalibrationOptions } from '../extract.js';
import type { FineTuneOptions } from '../quant/fineTune.js';
import { kDefaultRangeOptions } from '../quant/calibrateRanges.js';
import type { Subnet } from '../Subnet.js';
import type { Supernet } from '../Supernet.js';
import type { SubnetConfig } from '../../space/types.js';
import { exportSubnet, type ExportOptions, type ExportResult } from './exportSubnet.js';

export interface ConfigExportOptions extends Omit<ExportOptions, 'calibration' | 'fineTune'> {
  /** Training images for BatchNorm recalibration (default 2,000, as everywhere in hwnas). */
  bnImages?: number;
  /** Straight-through fine-tuning on the training split before an 'onnx-int8' export (default none). */
  fineTune?: FineTuneOptions;
  /** Called with the recalibrated subnet before it is exported and disposed (e.g. to build another graph of it). */
  inspect?: (subnet: Subnet) => void;
}

/** Recalibrates, extracts and writes `config` of `net` to `path`. Rejects naming the problem; never leaves a partial file. */
export async function exportConfig(
  net: Supernet, config: SubnetConfig, train: DataSplit, path: string, options: ConfigExportOptions,
): Promise<ExportResult> {
  const { bnImages = kDefaultCalibrationOptions.images, fineTune, inspect, ...rest } = options;
  const rangeImages = options.ranges?.images ?? kDefaultRangeOptions.images;
  const calibration = calibrationSet(train, Math.max(bnImages, rangeImages));
  const subnet = extract(net, config, calibration, { images: Math.min(bnImages, calibration.n) });
  try {
    inspect?.(subnet);
    return await exportSubnet(subnet, path, { normalization: train.normalization, ...rest, calibration, fineTune: fineTune ? { train, options: fineTune } : undefined });
  } finally {
    subnet.dispose();
  }
}
