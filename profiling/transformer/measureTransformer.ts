/**
 * Timing what a transformer latency profile holds, with the CNN profile's sampler
 * (interleaved.ts: interleaved rounds, batched samples, medians and their standard errors,
 * bounded rounds, noisy measurements kept with their spread): a part against its baseline
 * beside the reference SubTransformer (as measurePart.ts does), and whole SubTransformers
 * beside the reference (as measureSubnet.ts does: one session alive at a time on a
 * multi-threaded runtime, timeGraph.ts).
 */
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { transformerConfigKey } from '../../space/transformer/configs.js';
import type { TransformerPart } from '../../latency/transformer/transformerParts.js';
import type { BenchRuntime, LoadedGraph } from '../benchRuntime.js';
import { measureInterleaved, type GraphTiming, type SamplerSettings } from '../interleaved.js';
import { withMeasurementLock } from '../measure.js';
import { timeLoadersInterleaved, type GraphLoader } from '../timeGraph.js';
import { baselineGraph, randomPartGraph, subTransformerGraph, type ModelGraph } from './transformerGraphs.js';

export interface TransformerTiming {
  /** The part's own time (part minus baseline), or the whole SubTransformer's, ms. */
  ms: number;
  /** The reference SubTransformer's median in the same rounds, ms. */
  refMs: number;
  /** Relative precision of `ms`. */
  spread: number;
  noisy: boolean;
  rounds: number;
  seconds: number;
  /** Parts: the part's and its baseline's own medians, ms. */
  partMs?: number;
  baselineMs?: number;
}

/** Loads a graph as the runtime runs it: ONNX on onnxruntime, the tfjs graph model on tfjs; refuses a runtime that runs neither, naming the fix. */
export async function loadModelGraph(runtime: BenchRuntime, graph: ModelGraph): Promise<LoadedGraph> {
  if (runtime.loadOnnx !== undefined) {
    const load = runtime.loadOnnx.bind(runtime);
    return withMeasurementLock(() => load(graph.model, graph.inputShape));
  }
  if (runtime.loadTfjs !== undefined && graph.tfjs !== undefined) {
    const [load, model] = [runtime.loadTfjs.bind(runtime), graph.tfjs()];
    return withMeasurementLock(() => load(model, graph.inputShape));
  }
  throw new Error(`target ${runtime.target} cannot run the graphs a transformer profile times: profile a transformer space on ort-cpu (--target ort-cpu:THREADS) or tfjs-wasm`);
}

/** Loaded baselines by input shape (parts of one embedding dim share one) and the loaded reference. */
export class TransformerGraphCache {
  private readonly loaded = new Map<string, LoadedGraph>();
  constructor(private readonly runtime: BenchRuntime) {}

  async get(key: string, build: () => ModelGraph): Promise<LoadedGraph> {
    let graph = this.loaded.get(key);
    if (graph === undefined) {
      graph = await loadModelGraph(this.runtime, build());
      this.loaded.set(key, graph);
    }
    return graph;
  }

  /**
   * The reference SubTransformer `config` as whole-graph timing loads it: on one thread the one
   * cached session (its speed is the scale of every measurement); on several a fresh session each
   * time, so that no idle session is alive while another graph is timed (timeGraph.ts).
   */
  reference(space: TransformerSpace, config: TransformerConfig): GraphLoader {
    if (this.runtime.threads > 1) return () => loadModelGraph(this.runtime, referenceOnnx(space, config));
    return async () => {
      const cached = await referenceGraph(this, space, config);
      return { run: () => cached.run(), release: async () => undefined };
    };
  }

  async release(): Promise<void> {
    for (const g of this.loaded.values()) await g.release();
    this.loaded.clear();
  }
}

/** The graph of a profile's reference SubTransformer (fixed weights). */
function referenceOnnx(space: TransformerSpace, reference: TransformerConfig): ModelGraph {
  return subTransformerGraph(space, reference, 424_242);
}

/** The reference SubTransformer of a profile, loaded once into `cache` (the parts are timed beside it). */
export function referenceGraph(cache: TransformerGraphCache, space: TransformerSpace, reference: TransformerConfig): Promise<LoadedGraph> {
  return cache.get('reference', () => referenceOnnx(space, reference));
}

/** Times `part` against its baseline, beside the reference; `deadlineMs` bounds its extra rounds. */
export async function measureTransformerPart(
  runtime: BenchRuntime, cache: TransformerGraphCache, space: TransformerSpace, part: TransformerPart, reference: LoadedGraph,
  sampler: SamplerSettings, deadlineMs?: number,
): Promise<TransformerTiming> {
  const base = await cache.get(`baseline:${baselineGraph(space, part).inputShape.join('x')}`, () => baselineGraph(space, part));
  const loaded = await loadModelGraph(runtime, randomPartGraph(space, part));
  const spreadOf = ([p, b]: readonly GraphTiming[]) => Math.hypot(p.seMs, b.seMs) / p.medianMs;
  try {
    const m = await measureInterleaved([() => loaded.run(), () => base.run(), () => reference.run()], sampler, { spreadOf, deadlineMs, label: part.key });
    const [p, b, r] = m.timings;
    return { ms: p.medianMs - b.medianMs, refMs: r.medianMs, spread: m.spread, noisy: m.noisy, rounds: m.rounds, seconds: m.seconds, partMs: p.medianMs, baselineMs: b.medianMs };
  } finally {
    await loaded.release();
  }
}

/** Times the whole SubTransformer `cfg` (seeded random weights) beside the reference; `deadlineMs` bounds its extra rounds. */
export function measureSubTransformer(
  runtime: BenchRuntime, space: TransformerSpace, cfg: TransformerConfig, reference: GraphLoader, sampler: SamplerSettings, deadlineMs?: number,
): Promise<TransformerTiming> {
  return measureTransformerGraph(runtime, subTransformerGraph(space, cfg), reference, sampler, transformerConfigKey(cfg), deadlineMs);
}

/** Times a whole-SubTransformer graph (e.g. an exported model, loaded anew) beside the reference. */
export async function measureTransformerGraph(
  runtime: BenchRuntime, graph: ModelGraph, reference: GraphLoader, sampler: SamplerSettings, label: string, deadlineMs?: number,
): Promise<TransformerTiming> {
  const spreadOf = (t: readonly GraphTiming[]) => t[0].seMs / t[0].medianMs;
  const m = await timeLoadersInterleaved(runtime.threads, [() => loadModelGraph(runtime, graph), reference], sampler, { spreadOf, deadlineMs, label });
  return { ms: m.timings[0].medianMs, refMs: m.timings[1].medianMs, spread: m.spread, noisy: m.noisy, rounds: m.rounds, seconds: m.seconds };
}
