/**
 * Graphs to time: the deployed graph of a subnet with random weights (what `hwnas export`
 * writes, minus trained values - latency does not depend on them), and its parts cut out as
 * graphs of their own (see partGraph.ts).
 *
 * Weights are seeded normals (for every block family, with or without a head convolution),
 * BatchNorm is the identity, and a quantized config gets fixed activation ranges instead of
 * calibrated ones: [0, 6] after ReLU (zero point 0, the case onnxruntime folds into the
 * convolution, as calibration gives), [0, 1] after h-sigmoid, and [-6, 6] elsewhere. The graph's operators and their shapes are those of the real export.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Tensor1D, Tensor2D, Tensor4D } from '../supernet/backend/tf.js';
import { Rng } from '../space/rng.js';
import { Subnet, type BnTensors, type SubnetWeights } from '../supernet/Subnet.js';
import { randomBlock } from '../supernet/blocks/index.js';
import type { RandomInit } from '../supernet/blocks/BlockKit.js';
import { subnetPlan } from '../space/plan.js';
import { buildDeployGraph, type DeployGraph, type DeployOp } from '../supernet/quant/deployGraph.js';
import { finalizeGraph, type ActRange } from '../supernet/quant/finalizeGraph.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';

/** Seeded He-initialised weights; BatchNorm the identity. */
function randomInit(rng: Rng): RandomInit {
  const normal = <T extends tf.Tensor>(shape: number[], std: number): T => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    return tf.tensor(data, shape) as T;
  };
  return {
    normal,
    he: <T extends tf.Tensor>(shape: number[], fanIn: number): T => normal<T>(shape, Math.sqrt(2 / fanIn)),
    bn(channels: number): BnTensors {
      return {
        gamma: tf.ones([channels]) as Tensor1D,
        beta: tf.zeros([channels]) as Tensor1D,
        mean: tf.zeros([channels]) as Tensor1D,
        variance: tf.ones([channels]) as Tensor1D,
      };
    },
    zeros: (n: number) => tf.zeros([n]) as Tensor1D,
  };
}

/** Random weights of the plan's shapes, each block by its family's kit (tensors owned by the returned subnet). */
function randomSubnet(space: SearchSpace, config: SubnetConfig, seed: number): Subnet {
  const plan = subnetPlan(space, config);
  const init = randomInit(new Rng(seed));
  const { stem, head, classifier } = plan;
  const weights: SubnetWeights = {
    stem: { w: init.he<Tensor4D>([stem.kernel, stem.kernel, stem.inC, stem.outC], stem.kernel ** 2 * stem.inC), bn: init.bn(stem.outC) },
    blocks: plan.blocks.map((b) => randomBlock(b, init)),
    head: head === null ? null : { w: init.he<Tensor2D>([head.inC, head.outC], head.inC), bn: init.bn(head.outC) },
    classifier: { w: init.normal<Tensor2D>([classifier.inC, classifier.outC], 0.01), b: init.zeros(classifier.outC) },
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
