/**
 * The tfjs-wasm and tfjs-node bench runtimes: a graph becomes a tfjs graph model (the float
 * graph - tfjs has no int8 kernels, so a config's bits do not change what runs), executed on
 * the backend chosen through the project's one backend module with a fixed thread count.
 * tfjs-node is used only when it loads; otherwise creating the runtime rejects saying why.
 */
import { initBackend } from '../supernet/backend/backend.js';
import { tf } from '../supernet/backend/tf.js';
import { toTfjs, type TfjsModel } from '../supernet/export/tfjs/toTfjs.js';
import { tfjsArtifacts } from '../supernet/export/tfjs/loadTfjsModel.js';
import { benchInput, type BenchRuntime, type LoadedGraph } from './benchRuntime.js';
import type { TimedGraph } from './partGraph.js';

/** The graph model's artifacts; a part whose output is not 1x1 ends in Identity instead of Squeeze. */
function partArtifacts(timed: TimedGraph): tf.io.ModelArtifacts {
  const model = toTfjs(timed.graph);
  const [h, w] = timed.outputShape;
  if (h !== 1 || w !== 1) {
    const last = model.modelJson.modelTopology.node[model.modelJson.modelTopology.node.length - 1];
    last.op = 'Identity';
    last.attr = { T: { type: 'DT_FLOAT' } };
  }
  return tfjsArtifacts(model);
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
  const loadArtifacts = async (model: tf.io.ModelArtifacts, inputShape: readonly number[]): Promise<LoadedGraph> => {
    const graph = await tf.loadGraphModel(tf.io.fromMemory(model));
    const x = tf.tensor(benchInput(inputShape), [1, ...inputShape]);
    return {
      async run() {
        const y = graph.execute(x) as tf.Tensor;
        await y.data();
        y.dispose();
      },
      async release() {
        x.dispose();
        graph.dispose();
      },
    };
  };
  return {
    target,
    threads,
    runtime: { name: target === 'tfjs-wasm' ? 'tfjs-backend-wasm' : 'tfjs-node', version: info.version },
    bits: false,
    load(timed: TimedGraph): Promise<LoadedGraph> {
      if (timed.graph.quantized) throw new Error(`${target} runs float graphs: build the graph without bits`);
      return loadArtifacts(partArtifacts(timed), timed.graph.inputShape);
    },
    loadTfjs: (model: TfjsModel, inputShape: readonly number[]) => loadArtifacts(tfjsArtifacts(model), inputShape),
  };
}
