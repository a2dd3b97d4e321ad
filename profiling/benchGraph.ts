/**
 * Graphs to time: the deployed graph of a subnet with random weights (what `hwnas export`
 * writes, minus trained values - latency does not depend on them), and its parts cut out as
 * graphs of their own (see partGraph.ts).
 *
 * Weights are seeded normals, BatchNorm is the identity, and a quantized config gets fixed
 * activation ranges instead of calibrated ones: [0, 6] after ReLU (zero point 0, the case
 * onnxruntime folds into the convolution, as calibration gives), [0, 1] after h-sigmoid, and
 * [-6, 6] elsewhere. The graph's operators and their shapes are those of the real export.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor1D } from '../supernet/backend/tf.js';
import { Rng } from '../space/rng.js';
import { Subnet, type BnTensors, type SubnetWeights } from '../supernet/Subnet.js';
import { headOf, subnetPlan } from '../space/plan.js';
import { buildDeployGraph, type DeployGraph, type DeployOp } from '../supernet/quant/deployGraph.js';
import { finalizeGraph, type ActRange } from '../supernet/quant/finalizeGraph.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';

function normal(rng: Rng, shape: number[], std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
  return tf.tensor(data, shape);
}

function identityBn(channels: number): BnTensors {
  return {
    gamma: tf.ones([channels]) as Tensor1D,
    beta: tf.zeros([channels]) as Tensor1D,
    mean: tf.zeros([channels]) as Tensor1D,
    variance: tf.ones([channels]) as Tensor1D,
  };
}

/** He-initialised weights of the plan's shapes (tensors owned by the returned subnet). */
function randomSubnet(space: SearchSpace, config: SubnetConfig, seed: number): Subnet {
  const plan = subnetPlan(space, config);
  const rng = new Rng(seed);
  const he = (fanIn: number) => Math.sqrt(2 / fanIn);
  const { stem, classifier } = plan;
  const head = headOf(plan);
  const weights: SubnetWeights = {
    stem: { w: normal(rng, [stem.kernel, stem.kernel, stem.inC, stem.outC], he(stem.kernel ** 2 * stem.inC)) as tf.Tensor4D, bn: identityBn(stem.outC) },
    blocks: plan.blocks.map((b) => ({
      expand: { w: normal(rng, [b.inC, b.midC], he(b.inC)) as tf.Tensor2D, bn: identityBn(b.midC) },
      dw: { w: normal(rng, [b.kernel, b.kernel, b.midC, 1], he(b.kernel ** 2)) as tf.Tensor4D, bn: identityBn(b.midC) },
      se: b.seC > 0
        ? {
          w1: normal(rng, [b.midC, b.seC], he(b.midC)) as tf.Tensor2D,
          b1: tf.zeros([b.seC]) as Tensor1D,
          w2: normal(rng, [b.seC, b.midC], he(b.seC)) as tf.Tensor2D,
          b2: tf.zeros([b.midC]) as Tensor1D,
        }
        : undefined,
      project: { w: normal(rng, [b.midC, b.outC], he(b.midC)) as tf.Tensor2D, bn: identityBn(b.outC) },
    })),
    head: { w: normal(rng, [head.inC, head.outC], he(head.inC)) as tf.Tensor2D, bn: identityBn(head.outC) },
    classifier: { w: normal(rng, [classifier.inC, classifier.outC], 0.01) as tf.Tensor2D, b: tf.zeros([classifier.outC]) as Tensor1D },
  };
  return new Subnet(space, config, plan, weights);
}

/** The fixed activation range of a quant op, from the op that produced its input. */
function syntheticRanges(graph: DeployGraph): Map<string, ActRange> {
  const producer = new Map<string, DeployOp>();
  for (const op of graph.ops) producer.set(op.y, op);
  const ranges = new Map<string, ActRange>();
  for (const op of graph.ops) {
    if (op.op !== 'quant') continue;
    const src = producer.get(op.x);
    const fn = src?.op === 'act' ? src.fn : undefined;
    ranges.set(op.site, fn === 'relu' ? { min: 0, max: 6 } : fn === 'hsigmoid' ? { min: 0, max: 1 } : { min: -6, max: 6 });
  }
  return ranges;
}

/**
 * The deployed graph of `config` with random weights: float when the config has no bits,
 * QDQ at its bits otherwise (quant ops finalized). Plain data; no tensors stay alive.
 */
export function benchGraph(space: SearchSpace, config: SubnetConfig, seed = 1): DeployGraph {
  const subnet = randomSubnet(space, config, seed);
  try {
    const graph = buildDeployGraph(subnet, { quantize: subnet.plan.quantized });
    return graph.quantized ? finalizeGraph(graph, syntheticRanges(graph)) : graph;
  } finally {
    subnet.dispose();
  }
}
