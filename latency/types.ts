/**
 * What a latency model is: many configs in, one latency (milliseconds) each out.
 * Nothing here imports tfjs or onnxruntime.
 */
import type { SubnetConfig } from '../space/types.js';

/** Estimates latency (milliseconds) of many configs at once. */
export interface LatencyModel {
  readonly target: string;
  predict(configs: SubnetConfig[]): Float64Array;
}
