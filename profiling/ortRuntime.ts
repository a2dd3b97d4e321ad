/**
 * The ort-cpu bench runtime: a graph becomes an ONNX model (fp32, or QDQ at the config's bits),
 * loaded as a fresh uncached session through the one onnxruntime adapter (profiling/ort.ts) with
 * a fixed intra-op thread count and full graph optimisation (which fuses QDQ into int8 kernels).
 * Each session is released after its measurement: a profile loads thousands of small graphs.
 */
import { toOnnx, type OnnxWeightType } from '../supernet/export/onnx/toOnnx.js';
import { createSession, ortVersion } from './ort.js';
import { benchInput, type BenchRuntime, type LoadedGraph } from './benchRuntime.js';
import type { TimedGraph } from './partGraph.js';

/**
 * `weightType`: the container of quantized weights in the graphs it loads (toOnnx.ts); the
 * profile measures which one this CPU runs faster (int8Container.ts).
 */
export function ortRuntime(threads: number, weightType: OnnxWeightType = 'uint8'): BenchRuntime {
  const loadOnnx = async (model: Uint8Array, inputShape: readonly number[]): Promise<LoadedGraph> => {
    const session = await createSession(model, { intraOpThreads: threads, optimization: 'all' });
    const input = benchInput(inputShape);
    const dims = [1, ...inputShape];
    return {
      run: () => session.run(input, dims),
      release: () => session.release(),
    };
  };
  return {
    target: 'ort-cpu',
    threads,
    withWeightType: (w) => ortRuntime(threads, w),
    runtime: { name: 'onnxruntime-node', version: ortVersion() },
    bits: true,
    load: (timed: TimedGraph) => loadOnnx(toOnnx(timed.graph, { weightType }), timed.graph.inputShape),
    loadOnnx,
  };
}
