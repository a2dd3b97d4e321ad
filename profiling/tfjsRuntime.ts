/**
 * The tfjs-wasm and tfjs-node bench runtimes: a graph becomes a tfjs graph model (the float
 * graph - tfjs has no int8 kernels, so a config's bits do not change what runs), executed on
 * the backend chosen through the project's one backend module with a fixed thread count.
 * tfjs-node is used only when it loads; otherwise creating the runtime rejects saying why.
 */
import { initBackend } from '../supernet/backend/backend.js';
import { tf } from '../supernet/backend/tf.js';
import { toTfjs } from '../supernet/export/tfjs/toTfjs.js';
import { benchInput, type BenchRuntime, type LoadedGraph } from './benchRuntime.js';
import type { TimedGraph } from './partGraph.js';

/** The graph model's artifacts; a part whose output is not 1x1 ends in Identity instead of Squeeze. */
function artifacts(timed: TimedGraph): tf.io.ModelArtifacts {
  const { modelJson, weights } = toTfjs(timed.graph);
  const [h, w] = timed.outputShape;
  if (h !== 1 || w !== 1) {
    const last = modelJson.modelTopology.node[modelJson.modelTopology.node.length - 1];
    last.op = 'Identity';
    last.attr = { T: { type: 'DT_FLOAT' } };
  }
  return {
    modelTopology: modelJson.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    format: modelJson.format,
  };
}

export async function tfjsRuntime(target: 'tfjs-wasm' | 'tfjs-node', threads: number): Promise<BenchRuntime> {
  let info;
  try {
    info = await initBackend({ backend: target === 'tfjs-wasm' ? 'wasm' : 'node', threads });
  } catch (err) {
    const cause = (err as Error).message.replace(/, or use --backend wasm$/, '');
    throw new Error(`target ${target} cannot run here: ${cause}; profile another target (e.g. tfjs-wasm or ort-cpu)`, { cause: err });
  }
  if (info.threads !== threads) {
    throw new Error(`${target} runs ${info.threads} threads, not the ${threads} asked for: thread counts are fixed when the backend first loads`);
  }
  return {
    target,
    threads,
    runtime: { name: target === 'tfjs-wasm' ? 'tfjs-backend-wasm' : 'tfjs-node', version: info.version },
    bits: false,
    async load(timed: TimedGraph): Promise<LoadedGraph> {
      if (timed.graph.quantized) throw new Error(`${target} runs float graphs: build the graph without bits`);
      const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts(timed)));
      const x = tf.tensor4d(benchInput(timed.graph.inputShape), [1, ...timed.graph.inputShape]);
      return {
        async run() {
          const y = model.execute(x) as tf.Tensor;
          await y.data();
          y.dispose();
        },
        async release() {
          x.dispose();
          model.dispose();
        },
      };
    },
  };
}
