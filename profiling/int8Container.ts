/**
 * Which container of quantized weights runs faster on this machine - uint8 (weights shifted by
 * 128: u8u8 kernels) or int8 (S8S8 / u8s8 kernels) - and whether int8 is exact here.
 *
 * The answer depends on the CPU: on one without VNNI, int8 weights go through VPMADDUBSW, which
 * saturates pairs of u8 x s8 products in int16 (wrong outputs); with AVX-512 VNNI they are exact
 * and were measured faster than uint8 (which there ran a 12.5M-MAC subnet 1.5x slower than
 * fp32). So a profile measures both on a few all-int8 subnets spread over the space's sizes,
 * interleaved in the same rounds, and checks that the int8 graph's outputs equal the uint8
 * graph's (same grid; uint8 accumulates exactly). The faster one is chosen only if it is exact,
 * before the table and subnets are measured: they are measured with the chosen container, the
 * one exports use, so the quantized latency model predicts what is deployed.
 */
import type { OnnxWeightType } from '../supernet/export/onnx/toOnnx.js';
import { loadLatencyProfile, measuredWeightType } from '../latency/latencyProfile.js';
import { defaultProfilePath, kDefaultMeasuredThreads } from '../latency/measuredTarget.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { macs } from '../space/layers.js';
import { Rng } from '../space/rng.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { median } from '../util/stats.js';
import { withMeasurementLock } from './measure.js';
import type { BenchRuntime, LoadedGraph } from './benchRuntime.js';
import { measureInterleaved, type SamplerSettings } from './interleaved.js';
import { subnetGraph } from './measureSubnet.js';
import { sampleGroupConfig } from './subnetSets.js';

export interface Int8ContainerChoice {
  /** The container exports for this target use. */
  weightType: OnnxWeightType;
  /** Median over the subnets of (int8 time / uint8 time): below 1, int8 is faster. */
  int8OverUint8: number;
  /** Whether int8 weights gave the uint8 graph's outputs on every subnet, and the largest relative difference. */
  int8Exact: boolean;
  maxRelativeDifference: number;
  subnets: number;
}

/** Relative output difference under which two containers count as giving the same result. */
export const kExactTolerance = 1e-4;

function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

/** Up to `count` distinct all-int8 configs at evenly spaced quantiles of MACs (of 6 x count draws), the largest included. */
function spreadOverSizes(space: SearchSpace, count: number, seed: number): SubnetConfig[] {
  const rng = new Rng(seed);
  const drawn = new Map<string, SubnetConfig>();
  for (let i = 0; i < 6 * count; i++) {
    const cfg = sampleGroupConfig(space, rng, 'int8');
    drawn.set(configKey(space, cfg), cfg);
  }
  const pool = [...drawn.values()].sort((a, b) => macs(space, a) - macs(space, b));
  const n = Math.min(count, pool.length);
  return Array.from({ length: n }, (_, i) => pool[Math.round(((i + 1) * (pool.length - 1)) / n)]);
}

/**
 * Measures both containers on `count` subnets with `runtime` (which must offer `withWeightType`).
 * Returns null for a runtime that has no choice of container.
 */
export async function compareInt8Containers(
  runtime: BenchRuntime, space: SearchSpace, sampler: SamplerSettings, count = 4, seed = 77,
): Promise<Int8ContainerChoice | null> {
  if (runtime.withWeightType === undefined || !runtime.bits) return null;
  const runtimes = [runtime.withWeightType('uint8'), runtime.withWeightType('int8')];
  const ratios: number[] = [];
  let maxRelativeDifference = 0;
  for (const config of spreadOverSizes(space, count, seed)) {
    const timed = subnetGraph(runtime, space, config);
    const loaded: LoadedGraph[] = [];
    try {
      for (const rt of runtimes) loaded.push(await withMeasurementLock(() => rt.load(timed)));
      const [u8, s8] = (await Promise.all(loaded.map((l) => l.run()))) as ArrayLike<number>[];
      maxRelativeDifference = Math.max(maxRelativeDifference, relativeDifference(u8, s8));
      const m = await measureInterleaved(loaded.map((l) => () => l.run()), sampler, { label: 'uint8 vs int8 weights' });
      ratios.push(m.timings[1].medianMs / m.timings[0].medianMs);
    } finally {
      for (const l of loaded) await l.release();
    }
  }
  const int8OverUint8 = median(ratios);
  const int8Exact = maxRelativeDifference <= kExactTolerance;
  return {
    weightType: int8Exact && int8OverUint8 < 1 ? 'int8' : 'uint8',
    int8OverUint8: Number(int8OverUint8.toPrecision(4)),
    int8Exact,
    maxRelativeDifference: Number(maxRelativeDifference.toPrecision(3)),
    subnets: ratios.length,
  };
}

/**
 * `runtime` storing quantized weights in `weightType` (what a profile measures with, once it has
 * chosen, and what evaluating, adapting and re-timing a profile measure with); `runtime` itself
 * when it has no choice of container.
 */
export function withContainer(runtime: BenchRuntime, weightType: OnnxWeightType): BenchRuntime {
  return runtime.withWeightType?.(weightType) ?? runtime;
}

/**
 * The weight container an export for measured target `target` ('ort-cpu:1') uses: the one its
 * profile (`given`, else the shipped default) was measured with, so that what runs is what the
 * latency model predicts (an older profile that names int8 faster but was measured with uint8
 * gives uint8); uint8 when there is no profile or it cannot be read (uint8 is exact everywhere).
 */
export function weightTypeForTarget(target: ResolvedTarget, given?: string): OnnxWeightType {
  if (target.name !== 'ort-cpu') return 'uint8';
  const path = given ?? defaultProfilePath(target.name, target.threads ?? kDefaultMeasuredThreads);
  try {
    return measuredWeightType(loadLatencyProfile(path));
  } catch {
    return 'uint8';
  }
}
