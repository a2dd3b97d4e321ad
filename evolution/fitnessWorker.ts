/**
 * The fitness worker entry (a piscina worker file): the project's predictor and latency
 * models, loaded once per worker. Its import graph must stay free of tfjs and onnxruntime
 * (test/evolution/importGraph.test.ts checks).
 */
import { loadFitnessModels } from './fitnessModels.js';
import { fitnessTask } from './fitnessTask.js';

export default fitnessTask((spec) => loadFitnessModels(spec));
