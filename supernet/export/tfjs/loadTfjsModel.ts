/**
 * Loads a graph-model folder (model.json and its weight files) with plain `@tensorflow/tfjs`,
 * through an in-memory IOHandler - no `file://` handler (that one comes with tfjs-node) needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../backend/tf.js';

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  userDefinedMetadata?: Record<string, unknown>;
}

/** The model artifacts of folder `dir`, for `tf.io.fromMemory`. */
export function readTfjsFolder(dir: string): tf.io.ModelArtifacts {
  const file = join(dir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (err) {
    throw new Error(`cannot read a tfjs model from ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const parts = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: data.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
  };
}

/** A graph model loaded from folder `dir`. */
export async function loadTfjsModel(dir: string): Promise<tf.GraphModel> {
  return tf.loadGraphModel(tf.io.fromMemory(readTfjsFolder(dir)));
}
