/**
 * Evaluation worker (piscina): loads the supernet checkpoint and its own single-threaded
 * backend once, when the pool starts it, then turns configs into accuracy samples.
 */
import { Piscina } from 'piscina';
import { initBackend, type BackendName } from '../supernet/backend/backend.js';
import { loadSupernet } from '../supernet/io.js';
import type { DataSplit, ImageSet } from '../supernet/data/types.js';
import type { SubnetConfig } from '../space/types.js';
import { evaluateSample } from './evaluateSample.js';
import type { AccuracySample } from './types.js';

export interface EvaluateWorkerData {
  checkpoint: string;
  val: DataSplit;
  calibration: ImageSet;
  limit?: number;
  backend?: BackendName | 'auto';
}

const data = Piscina.workerData as EvaluateWorkerData;
await initBackend({ backend: data.backend, threads: 1 });
const { net } = loadSupernet(data.checkpoint);

export default async function evaluate(config: SubnetConfig): Promise<AccuracySample> {
  return evaluateSample(net, config, data.calibration, data.val, { limit: data.limit });
}
