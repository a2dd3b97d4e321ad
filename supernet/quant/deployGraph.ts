/**
 * The deployed form of a subnet as plain data: BatchNorm folded, weights on their bit grids, and
 * every activation quantization point as an explicit `quant` op. The tfjs simulation
 * (`GraphRunner`) and the exporters (ONNX fp32/QDQ, tfjs) all read this one graph, so the
 * tensors the simulation quantizes are exactly the tensors the QDQ file quantizes.
 *
 * Where activations are quantized (a layer with 8-bit activations):
 * - the input of every convolution (a QDQ pair before it, unless its producer already has one);
 * - the convolution's output: after ReLU (zero point 0, which onnxruntime folds into the
 *   convolution), before and after h-swish (onnxruntime has no int8 h-swish: it runs in float
 *   between the two), or the linear output of a projection;
 * - the residual sum (after the activation that follows it in a ResNet block), and the pooled
 *   features fed to the classifier.
 * Squeeze-and-excitation runs in float on the dequantized tensor (weights on the block's grid);
 * its rescaled output is quantized as the projection's input. The logits stay float.
 */
import { netTensors, type Subnet } from '../Subnet.js';
import { deployBlock } from '../blocks/index.js';
import type { ActQuant, BiasQuant, WeightQuant } from './fakeQuant.js';
import { kFloatBits } from '../../space/types.js';
import { DeployBuilder, type LayerBits } from './DeployBuilder.js';

/** A weight in tfjs layout: dense `[k,k,Cin,Cout]`, depthwise `[k,k,C,1]`, 1x1 and FC `[Cin,Cout]`. */
export interface DeployWeight {
  shape: number[];
  /** Output-channel axis of `shape`. */
  axis: number;
  /** The values computed with: float, or the dequantized grid values. */
  values: Float32Array;
  /** The integer grid, when the weight is quantized. */
  quant?: WeightQuant;
  /** The float values before quantization (kept for fine-tuning), when the weight is quantized. */
  float?: Float32Array;
}

export interface DeployBias {
  values: Float32Array;
  /** The int32 grid, when input and weights are quantized (set by `finalizeGraph`). */
  quant?: BiasQuant;
  /** The float values before quantization, when the bias is quantized. */
  float?: Float32Array;
}

export type ConvKind = 'dense' | 'depthwise' | 'pointwise' | 'fc';
export type DeployActivation = 'relu' | 'hswish' | 'hsigmoid';

/**
 * One operation on named tensors. 4-D tensors are NHWC; `pool` gives `[B,C]`, which `fc`
 * and the `gate` of `scale` take.
 */
export type DeployOp =
  | { op: 'conv'; name: string; kind: ConvKind; x: string; y: string; w: DeployWeight; b: DeployBias; kernel: number; stride: number }
  | { op: 'act'; fn: DeployActivation; x: string; y: string }
  | { op: 'quant'; site: string; x: string; y: string; qp?: ActQuant }
  | { op: 'add'; a: string; b: string; y: string }
  | { op: 'scale'; x: string; gate: string; y: string }
  | { op: 'pool'; x: string; y: string };

export interface DeployGraph {
  /** Image input `[B,H,W,C]` (normalised pixels, as the subnet takes them). */
  input: string;
  inputShape: [number, number, number];
  /** Logits `[B, classes]`. */
  output: string;
  classes: number;
  ops: DeployOp[];
  /** Whether any weight or activation is quantized. */
  quantized: boolean;
}

export interface DeployOptions {
  /** Apply the config's bits (true) or build the float graph (false). */
  quantize: boolean;
}

/**
 * The deployed graph of `subnet`: folded weights read out of the tensors, quantized per the
 * plan's bits when `options.quantize`. Activation quant ops have no parameters yet: calibrate
 * ranges and call `finalizeGraph`. Each block's operations come from its family's kit
 * (supernet/blocks), named `block<slot>.<convolution>`.
 */
export function buildDeployGraph(subnet: Subnet, options: DeployOptions): DeployGraph {
  const { plan, space } = subnet;
  const bits = (w: number, a: number): LayerBits => (options.quantize ? { w, a } : { w: kFloatBits, a: kFloatBits });
  const folded = subnet.folded();
  try {
    const g = new DeployBuilder();
    let h = g.conv('stem', 'dense', 'input', folded.stem, {
      kernel: plan.stem.kernel, stride: plan.stem.stride, act: plan.stem.act, bits: bits(plan.stem.wBits, plan.stem.aBits),
    });
    plan.blocks.forEach((b, i) => {
      const p = `block${b.slot}`;
      const lb = bits(b.wBits, b.aBits);
      const input = lb.a < kFloatBits ? g.quant(h, `${p}.in`) : h;
      h = deployBlock(g, p, input, folded.blocks[i], b, lb);
    });
    if (plan.head !== null && folded.head !== null) {
      h = g.conv('head', 'pointwise', h, folded.head, {
        kernel: 1, stride: 1, act: plan.head.act, bits: bits(plan.head.wBits, plan.head.aBits),
      });
    }
    g.ops.push({ op: 'pool', x: h, y: 'pool' });
    const cls = bits(plan.classifier.wBits, plan.classifier.aBits);
    const logits = g.conv('classifier', 'fc', 'pool', folded.classifier, { kernel: 1, stride: 1, act: 'none', bits: cls, quantOut: false });
    return {
      input: 'input',
      inputShape: [space.input.height, space.input.width, space.input.channels],
      output: logits,
      classes: space.input.classes,
      ops: g.ops,
      quantized: g.anyQuant,
    };
  } finally {
    for (const t of netTensors(folded)) t.dispose();
  }
}

/** The activation quantization sites of `graph`, in execution order. */
export function quantSites(graph: DeployGraph): string[] {
  return graph.ops.flatMap((op) => (op.op === 'quant' ? [op.site] : []));
}
