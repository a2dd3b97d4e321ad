/**
 * What a hardware target is. A target turns a lowering function (config -> operators) into a
 * latency model; its `kind` says how far its numbers can be trusted:
 *   measured - timed on this machine with measureLatency (milliseconds);
 *   estimate - analytic, from a device spec (milliseconds, not measured: say so);
 *   proxy    - a cost count (MACs, params, ...), not a time at all; see `unit`.
 */
import type { SubnetConfig } from '../space/types.js';
import type { TargetName } from './targetNames.js';
import type { LayerDesc } from '../space/layerDesc.js';
import type { LatencyModel } from './types.js';

export type TargetKind = 'measured' | 'estimate' | 'proxy';

/** Lowers a config to its operators after BatchNorm folding (e.g. layersOf bound to a space). */
export type LowerFn = (cfg: SubnetConfig) => LayerDesc[];

export interface TargetOptions {
  /** Threads to run or model with; only targets that run on CPU threads accept it. */
  threads?: number;
  /** Latency profile file of a measured target (default: the shipped one); others ignore it. */
  profile?: string;
}

/** A latency model that says what its numbers are. */
export interface TargetModel extends LatencyModel {
  readonly kind: TargetKind;
  /** Unit of predict()'s values: 'ms' for measured and estimate targets. */
  readonly unit: string;
}

export interface Target {
  readonly name: TargetName;
  readonly kind: TargetKind;
  readonly unit: string;
  /** One line for listings; estimates and proxies say they are not measurements. */
  readonly description: string;
  /** Rejects on invalid options. */
  createModel(lower: LowerFn, options?: TargetOptions): Promise<TargetModel>;
}
