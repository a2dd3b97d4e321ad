/**
 * Loads a graph-model folder (model.json and its weight files) with plain `@tensorflow/tfjs`,
 * through an in-memory IOHandler - no `file://` handler (that one comes with tfjs-node) needed.
 */
import { tf } from '../../backend/tf.js';
import { readTfjsModel, type TfjsModel } from './toTfjs.js';

/** The artifacts of graph model `model`, for `tf.io.fromMemory`. */
export function tfjsArtifacts({ modelJson, weights }: TfjsModel): tf.io.ModelArtifacts {
  return {
    modelTopology: modelJson.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    userDefinedMetadata: modelJson.userDefinedMetadata as Record<string, object> | undefined,
  };
}

/** The model artifacts of folder `dir`, for `tf.io.fromMemory`. */
export function readTfjsFolder(dir: string): tf.io.ModelArtifacts {
  return tfjsArtifacts(readTfjsModel(dir));
}

/** A graph model loaded from folder `dir`. */
export async function loadTfjsModel(dir: string): Promise<tf.GraphModel> {
  return tf.loadGraphModel(tf.io.fromMemory(readTfjsFolder(dir)));
}
