/**
 * Analytic roofline latency for a device spec. Its results are ESTIMATES from datasheet
 * and benchmark figures, not measurements; every model here says so with `kind: 'estimate'`.
 *
 * Per operator:  max(MACs / (peak(precision) x efficiency(kind) x threadShare), bytes / bandwidth)
 *                + perOpOverhead
 * Per inference: sum over operators + perInferenceOverhead.
 * bytes = params x wBits/8 + (input + output activations) x aBits/8 (see layerCost.ts).
 * Precision: int4 when both widths are <= 4 and the device has int4, else int8 when both are
 * <= 8, else fp32 (weight-only quantisation computes in float but moves fewer weight bytes).
 * With fewer threads than the device has, the compute peak scales down linearly; bandwidth and
 * overheads do not change (an optimistic simplification).
 */
import type { SubnetConfig } from '../space/types.js';
import type { DeviceSpec, Precision } from './deviceSpec.js';
import { layerBytes } from '../space/layerCost.js';
import type { LowerFn, TargetModel } from './target.js';
import type { LayerDesc } from '../space/layerDesc.js';

export interface RooflineOptions {
  /** Threads used, 1..profile.maxThreads; defaults to all of them. */
  threads?: number;
}

/** The arithmetic a layer runs in on this device (see the file comment). */
export function computePrecision(profile: DeviceSpec, wBits: number, aBits: number): Precision {
  const bits = Math.max(wBits, aBits);
  if (bits <= 4 && profile.peakMacsPerSecond.int4 !== undefined) return 'int4';
  if (bits <= 8) return 'int8';
  return 'fp32';
}

export class RooflineModel implements TargetModel {
  readonly kind = 'estimate' as const;
  readonly unit = 'ms';
  readonly target: string;
  readonly threads: number;
  private readonly threadShare: number;
  private readonly bytesPerMs: number;

  constructor(
    readonly profile: DeviceSpec,
    private readonly lower: LowerFn,
    options: RooflineOptions = {},
  ) {
    const threads = options.threads ?? profile.maxThreads;
    if (!Number.isInteger(threads) || threads < 1 || threads > profile.maxThreads) {
      const range = profile.maxThreads === 1 ? 'equal to 1 (it does not scale with threads)' : `in [1, ${profile.maxThreads}]`;
      throw new RangeError(`options.threads must be an integer ${range} for device ${profile.name} (got ${threads})`);
    }
    this.threads = threads;
    this.threadShare = threads / profile.maxThreads;
    this.target = profile.maxThreads > 1 ? `${profile.name}:${threads}` : profile.name;
    this.bytesPerMs = profile.memoryBandwidthBytesPerSecond / 1000;
  }

  /** Estimated milliseconds of one operator, including its per-operator overhead. */
  layerMs(layer: LayerDesc): number {
    const p = this.profile;
    // computePrecision only picks int4 when the profile has it.
    const peak = p.peakMacsPerSecond[computePrecision(p, layer.wBits, layer.aBits)] as number;
    const macsPerMs = (peak * p.efficiency[layer.kind] * this.threadShare) / 1000;
    const computeMs = layer.macs / macsPerMs;
    const memoryMs = layerBytes(layer) / this.bytesPerMs;
    return Math.max(computeMs, memoryMs) + p.perOpOverheadMs;
  }

  /** Per-operator estimates (ms), without the per-inference overhead. */
  layerTimes(layers: readonly LayerDesc[]): Float64Array {
    const out = new Float64Array(layers.length);
    for (let i = 0; i < layers.length; i++) out[i] = this.layerMs(layers[i]);
    return out;
  }

  /** Estimated milliseconds of one inference of an already lowered network. */
  estimateLayers(layers: readonly LayerDesc[]): number {
    let ms = this.profile.perInferenceOverheadMs;
    for (const layer of layers) ms += this.layerMs(layer);
    return ms;
  }

  /** Estimated milliseconds per config (an estimate, not a measurement). */
  predict(configs: SubnetConfig[]): Float64Array {
    const out = new Float64Array(configs.length);
    for (let i = 0; i < configs.length; i++) out[i] = this.estimateLayers(this.lower(configs[i]));
    return out;
  }
}
