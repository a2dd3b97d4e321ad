/**
 * What a measured target runs graphs on. A `BenchRuntime` loads a deployed graph (a whole
 * subnet or one part) as the runtime's own model and returns a function running one batch-1
 * inference; `measureLatency` times that function. Runtimes are created by name (see
 * createBenchRuntime) so that only the chosen one's native code is loaded.
 */
import type { TimedGraph } from './partGraph.js';
import type { OnnxWeightType } from '../supernet/export/onnx/toOnnx.js';
import type { TfjsModel } from '../supernet/export/tfjs/toTfjs.js';

export interface LoadedGraph {
  /** One inference of one image; resolves when the output is available. */
  run(): Promise<unknown>;
  release(): Promise<void>;
}

export interface BenchRuntime {
  /** Target name ('ort-cpu', 'tfjs-wasm', 'tfjs-node'). */
  readonly target: string;
  readonly threads: number;
  /** Runtime package and version, recorded in the profile. */
  readonly runtime: { name: string; version: string };
  /** Whether the runtime executes a config's bits (QDQ int8); false: every config runs as its float graph. */
  readonly bits: boolean;
  load(timed: TimedGraph): Promise<LoadedGraph>;
  /**
   * A serialised ONNX model with one float input of `[1, ...inputShape]` (runtimes that run
   * ONNX: ort-cpu); what transformer profiles time. Each call loads the model anew (on ort-cpu
   * a fresh, uncached session), so re-loading a model re-measures its session's speed too.
   */
  loadOnnx?(model: Uint8Array, inputShape: readonly number[]): Promise<LoadedGraph>;
  /**
   * A tfjs graph model with one float input of `[1, ...inputShape]` (tfjs runtimes); what
   * transformer profiles time there, loaded anew each call.
   */
  loadTfjs?(model: TfjsModel, inputShape: readonly number[]): Promise<LoadedGraph>;
  /**
   * The same runtime storing quantized weights in another container (runtimes that have a
   * choice: ort-cpu); int8Container.ts measures which one this machine runs faster.
   */
  withWeightType?(weightType: OnnxWeightType): BenchRuntime;
}

/** A deterministic input image of `shape` (`[H, W, C]`), values in about [-1, 1]. */
export function benchInput(shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.9;
  return data;
}

/** Measured targets that `hwnas profile` can time. */
export const kBenchTargets = Object.freeze(['ort-cpu', 'tfjs-wasm', 'tfjs-node'] as const);
export type BenchTarget = (typeof kBenchTargets)[number];

/** The runtime of a measured target with a fixed thread count. Rejects when it cannot load. */
export async function createBenchRuntime(target: string, threads: number): Promise<BenchRuntime> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer (got ${threads})`);
  switch (target) {
    case 'ort-cpu':
      return (await import('./ortRuntime.js')).ortRuntime(threads);
    case 'tfjs-wasm':
    case 'tfjs-node':
      return (await import('./tfjsRuntime.js')).tfjsRuntime(target, threads);
    default:
      throw new RangeError(`target '${target}' is not a measured target: profile one of ${kBenchTargets.join(', ')}`);
  }
}
