/**
 * Exporting a SubTransformer: its own weights sliced from the SuperTransformer, written as an
 * fp32 ONNX model, with its encoder's linear layers dynamically quantized to int8 (see
 * ../export/onnx/transformerToOnnx.ts), or as a tfjs graph-model folder (fp32,
 * ../export/tfjs/transformerToTfjs.ts), atomically, stating its input, normalisation and config as the CNN exports
 * do, with the size and the config's cost of what was written.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Normalization } from '../data/types.js';
import { describeNormalization, kFashionMnistNormalization } from '../data/normalize.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { transformerCost } from '../../space/transformer/cost.js';
import { transformerToOnnx } from '../export/onnx/transformerToOnnx.js';
import { writeFileAtomic, writeFolderAtomic } from '../../util/atomicWrite.js';
import { kTfjsWeightsFile } from '../export/tfjs/toTfjs.js';
import { transformerToTfjs } from '../export/tfjs/transformerToTfjs.js';
import { subTransformerWeights } from './extract.js';
import type { SuperTransformer } from './SuperTransformer.js';

export const TRANSFORMER_EXPORT_FORMATS = Object.freeze(['onnx', 'onnx-int8', 'tfjs'] as const);
export type TransformerExportFormat = (typeof TRANSFORMER_EXPORT_FORMATS)[number];

export interface TransformerExportOptions {
  /** Default 'onnx' (fp32); 'tfjs' writes a folder (model.json, weights.bin). */
  format?: TransformerExportFormat;
  /** Replace an existing output (atomically); default false = refuse. */
  overwrite?: boolean;
  /** The preprocessing the model expects, stated in the file (default Fashion-MNIST's). */
  normalization?: Normalization;
  classNames?: readonly string[];
  metadata?: Record<string, string>;
  version?: string;
}

export interface TransformerExportResult {
  path: string;
  format: TransformerExportFormat;
  /** Bytes written (both files of a tfjs folder). */
  bytes: number;
  config: TransformerConfig;
  macs: number;
  params: number;
}

/** Writes SubTransformer `cfg` of `net` to `path` (a file, or a folder for tfjs). Throws naming the problem; never leaves a partial output. */
export function exportTransformer(net: SuperTransformer, cfg: TransformerConfig, path: string, options: TransformerExportOptions = {}): TransformerExportResult {
  const format = options.format ?? 'onnx';
  if (!TRANSFORMER_EXPORT_FORMATS.includes(format)) throw new Error(`options.format must be one of ${TRANSFORMER_EXPORT_FORMATS.join(', ')} for a SubTransformer (got '${format}')`);
  if (existsSync(path) && options.overwrite !== true) throw new Error(`${path} already exists: choose another --out, or pass --force to replace it`);
  const { space } = net;
  const norm = options.normalization ?? kFashionMnistNormalization;
  if (norm.mean.length !== space.input.channels) throw new Error(`the normalisation has ${norm.mean.length} channels, the space's input ${space.input.channels}`);
  const metadata = {
    'hwnas.space': space.name,
    'hwnas.config': JSON.stringify(cfg),
    'hwnas.input': `[N,${space.input.height},${space.input.width},${space.input.channels}] float32, pixels normalised as ${describeNormalization(norm)}`,
    'hwnas.normalization': JSON.stringify({ scale: 255, mean: norm.mean, std: norm.std }),
    ...(options.classNames === undefined ? {} : { 'hwnas.classes': JSON.stringify(options.classNames) }),
    ...options.metadata,
  };
  const weights = subTransformerWeights(net, cfg);
  let bytes: number;
  if (format === 'tfjs') {
    const model = transformerToTfjs(space, cfg, weights, metadata, options.version);
    writeFolderAtomic(path, { 'model.json': JSON.stringify(model.modelJson), [kTfjsWeightsFile]: model.weights });
    bytes = statSync(join(path, 'model.json')).size + statSync(join(path, kTfjsWeightsFile)).size;
  } else {
    writeFileAtomic(path, transformerToOnnx(space, cfg, weights, { metadata, producerVersion: options.version, int8: format === 'onnx-int8' }));
    bytes = statSync(path).size;
  }
  const cost = transformerCost(space, cfg);
  return { path, format, bytes, config: cfg, macs: cost.macs, params: cost.params };
}
