/**
 * Exporting an extracted subnet: the fp32 ONNX graph (BatchNorm folded), the QDQ ONNX graph at
 * the config's bits, or a tfjs graph-model folder - each written atomically - with the size and
 * the config's cost (MACs, params, BitOps) of what was written.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSplit, ImageSet, Normalization } from '../data/types.js';
import { describeNormalization, kFashionMnistNormalization } from '../data/normalize.js';
import type { SubnetConfig } from '../../space/types.js';
import type { Subnet } from '../Subnet.js';
import { bitOps, macs, params } from '../../space/layers.js';
import { buildDeployGraph, quantSites, type DeployGraph } from '../quant/deployGraph.js';
import { quantizeSubnet, withDefaultBits } from '../quant/QuantizedSubnet.js';
import type { RangeOptions } from '../quant/calibrateRanges.js';
import { fineTuneQuantized, type FineTuneOptions } from '../quant/fineTune.js';
import { toOnnx, type OnnxWeightType } from './onnx/toOnnx.js';
import { toTfjs, kTfjsWeightsFile } from './tfjs/toTfjs.js';
import { writeFileAtomic, writeFolderAtomic } from '../../util/atomicWrite.js';

export const EXPORT_FORMATS = Object.freeze(['onnx', 'onnx-int8', 'tfjs'] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Training images for activation ranges ('onnx-int8' only). */
  calibration?: ImageSet;
  ranges?: RangeOptions;
  /** Straight-through fine-tuning on `train` before export ('onnx-int8' only; default none). */
  fineTune?: { train: DataSplit; options?: FineTuneOptions };
  /** Container of quantized weights in the ONNX file (see toOnnx.ts). */
  weightType?: OnnxWeightType;
  /** Replace an existing output (atomically); default false = refuse. */
  overwrite?: boolean;
  /**
   * The preprocessing the model expects, stated in the file (default: the calibration images',
   * else Fashion-MNIST's).
   */
  normalization?: Normalization;
  /** Class names by output index, stated in the file. */
  classNames?: readonly string[];
  /** Extra metadata stored in the file. */
  metadata?: Record<string, string>;
  /** Written into the file as the producer version. */
  version?: string;
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  /** Bytes written (all files of a tfjs folder). */
  bytes: number;
  /** The config the file computes: bits added for a float config exported as 'onnx-int8', removed for float formats. */
  config: SubnetConfig;
  macs: number;
  params: number;
  bitOps: number;
  /** Activation quantization points in the file. */
  activationSites: number;
}

/** The config the exported file computes for `format`. */
export function exportedConfig(subnet: Subnet, format: ExportFormat): SubnetConfig {
  if (format !== 'onnx-int8') {
    const { wBits: _w, aBits: _a, ...float } = subnet.config;
    return float;
  }
  return withDefaultBits(subnet).config;
}

function checkTarget(path: string, overwrite: boolean): void {
  if (existsSync(path) && !overwrite) throw new Error(`${path} already exists: choose another --out, or pass --force to replace it`);
}

/** Size in bytes of a file, or of the files of a folder. */
function sizeOf(path: string, files?: string[]): number {
  return files ? files.reduce((n, f) => n + statSync(join(path, f)).size, 0) : statSync(path).size;
}

function metadataOf(subnet: Subnet, config: SubnetConfig, options: ExportOptions): Record<string, string> {
  const norm = options.normalization ?? options.calibration?.normalization ?? kFashionMnistNormalization;
  if (norm.mean.length !== subnet.space.input.channels) {
    throw new Error(`the normalisation has ${norm.mean.length} channels, the space's input ${subnet.space.input.channels}`);
  }
  return {
    'hwnas.space': subnet.space.name,
    'hwnas.config': JSON.stringify(config),
    'hwnas.input': `[N,${subnet.space.input.height},${subnet.space.input.width},${subnet.space.input.channels}] float32, pixels normalised as ${describeNormalization(norm)}`,
    'hwnas.normalization': JSON.stringify({ scale: 255, mean: norm.mean, std: norm.std }),
    ...(options.classNames === undefined ? {} : { 'hwnas.classes': JSON.stringify(options.classNames) }),
    ...options.metadata,
  };
}

/** Writes `subnet` to `path` in `options.format`. Rejects naming the problem; never leaves a partial file. */
export async function exportSubnet(subnet: Subnet, path: string, options: ExportOptions): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(options.format)) {
    throw new Error(`options.format must be one of ${EXPORT_FORMATS.join(', ')} (got '${options.format}')`);
  }
  checkTarget(path, options.overwrite === true);
  const config = exportedConfig(subnet, options.format);
  const metadata = metadataOf(subnet, config, options);
  let graph: DeployGraph;
  if (options.format === 'onnx-int8') {
    if (!options.calibration) throw new Error('options.calibration (training images) is required for onnx-int8 activation ranges');
    let q = quantizeSubnet(withDefaultBits(subnet), options.calibration, options.ranges);
    if (options.fineTune) {
      const tuned = fineTuneQuantized(q, options.fineTune.train, options.calibration, { ranges: options.ranges, ...options.fineTune.options });
      q.dispose();
      q = tuned.model;
    }
    graph = q.graph;
    q.dispose();
  } else {
    graph = buildDeployGraph(subnet, { quantize: false });
  }
  let files: string[] | undefined;
  if (options.format === 'tfjs') {
    const { modelJson, weights } = toTfjs(graph, metadata, options.version);
    files = ['model.json', kTfjsWeightsFile];
    writeFolderAtomic(path, { 'model.json': JSON.stringify(modelJson), [kTfjsWeightsFile]: weights });
  } else {
    const bytes = toOnnx(graph, { metadata, weightType: options.weightType, producerVersion: options.version });
    writeFileAtomic(path, bytes);
  }
  const { space } = subnet;
  return {
    path,
    format: options.format,
    bytes: sizeOf(path, files),
    config,
    macs: macs(space, config),
    params: params(space, config),
    bitOps: bitOps(space, config),
    activationSites: quantSites(graph).length,
  };
}
