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
 * - the residual sum, and the pooled features fed to the classifier.
 * Squeeze-and-excitation runs in float on the dequantized tensor (weights on the block's grid);
 * its rescaled output is quantized as the projection's input. The logits stay float.
 */
import type { Tensor } from '../backend/tf.js';
import type { Subnet, FoldedConv } from '../Subnet.js';
import type { ActQuant, BiasQuant, WeightQuant } from './fakeQuant.js';
import { quantizeWeight } from './fakeQuant.js';
import { kFloatBits } from '../../space/types.js';
import { headOf } from '../../space/plan.js';

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

/** Bits a layer runs at (32 = float). */
interface LayerBits {
  w: number;
  a: number;
}


function arrays(c: FoldedConv): { w: Float32Array; shape: number[]; b: Float32Array } {
  return { w: c.w.dataSync() as Float32Array, shape: [...c.w.shape], b: c.b.dataSync() as Float32Array };
}

class Builder {
  readonly ops: DeployOp[] = [];
  private readonly quantized = new Set<string>();
  anyQuant = false;

  /** `x` on the uint8 grid: its existing quant op, or a new one at `site`. */
  quant(x: string, site: string): string {
    if (this.quantized.has(x)) return x;
    const y = `${site}.q`;
    this.ops.push({ op: 'quant', site, x, y });
    this.quantized.add(y);
    this.anyQuant = true;
    return y;
  }

  weight(values: Float32Array, shape: number[], axis: number, bits: number): DeployWeight {
    if (bits >= kFloatBits) return { shape, axis, values };
    const { quant, dequantized } = quantizeWeight(values, shape, axis, bits);
    this.anyQuant = true;
    return { shape, axis, values: dequantized, quant, float: values };
  }

  /** Convolution + activation with the quantization points of `bits`; returns the output name. */
  layer(
    name: string, kind: ConvKind, x: string, c: { w: Float32Array; shape: number[]; b: Float32Array },
    opts: { kernel: number; stride: number; act: DeployActivation | 'none'; bits: LayerBits; quantOut?: boolean },
  ): string {
    const a8 = opts.bits.a < kFloatBits;
    const quantOut = a8 && opts.quantOut !== false;
    const input = a8 ? this.quant(x, `${name}.in`) : x;
    const axis = kind === 'depthwise' ? 2 : c.shape.length - 1;
    const w = this.weight(c.w, c.shape, axis, opts.bits.w);
    let y = name;
    this.ops.push({ op: 'conv', name, kind, x: input, y, w, b: { values: c.b }, kernel: opts.kernel, stride: opts.stride });
    if (opts.act === 'hswish' && quantOut) y = this.quant(y, `${name}.pre`);
    if (opts.act !== 'none') {
      this.ops.push({ op: 'act', fn: opts.act, x: y, y: `${name}.${opts.act}` });
      y = `${name}.${opts.act}`;
    }
    return quantOut ? this.quant(y, `${name}.out`) : y;
  }
}

export interface DeployOptions {
  /** Apply the config's bits (true) or build the float graph (false). */
  quantize: boolean;
}

/**
 * The deployed graph of `subnet`: folded weights read out of the tensors, quantized per the
 * plan's bits when `options.quantize`. Activation quant ops have no parameters yet: calibrate
 * ranges and call `finalizeGraph`.
 */
export function buildDeployGraph(subnet: Subnet, options: DeployOptions): DeployGraph {
  const { plan, space } = subnet;
  const bits = (w: number, a: number): LayerBits => (options.quantize ? { w, a } : { w: kFloatBits, a: kFloatBits });
  const folded = subnet.folded();
  try {
    const g = new Builder();
    let h = g.layer('stem', 'dense', 'input', arrays(folded.stem), {
      kernel: plan.stem.kernel, stride: plan.stem.stride, act: plan.stem.act, bits: bits(plan.stem.wBits, plan.stem.aBits),
    });
    plan.blocks.forEach((b, i) => {
      const w = folded.blocks[i];
      const p = `block${b.slot}`;
      const lb = bits(b.wBits, b.aBits);
      const input = lb.a < kFloatBits ? g.quant(h, `${p}.in`) : h;
      h = g.layer(`${p}.expand`, 'pointwise', input, arrays(w.expand), { kernel: 1, stride: 1, act: b.act, bits: lb });
      h = g.layer(`${p}.dw`, 'depthwise', h, arrays(w.dw), { kernel: b.kernel, stride: b.stride, act: b.act, bits: lb });
      if (w.se) {
        const se = w.se;
        const fc = (t: Tensor, bias: Tensor) => ({ w: t.dataSync() as Float32Array, shape: [...t.shape], b: bias.dataSync() as Float32Array });
        const seBits = { w: lb.w, a: kFloatBits };
        g.ops.push({ op: 'pool', x: h, y: `${p}.se.pool` });
        const s = g.layer(`${p}.se.reduce`, 'fc', `${p}.se.pool`, fc(se.w1, se.b1), { kernel: 1, stride: 1, act: 'relu', bits: seBits });
        const gate = g.layer(`${p}.se.expand`, 'fc', s, fc(se.w2, se.b2), { kernel: 1, stride: 1, act: 'hsigmoid', bits: seBits });
        g.ops.push({ op: 'scale', x: h, gate, y: `${p}.se` });
        h = `${p}.se`;
      }
      h = g.layer(`${p}.project`, 'pointwise', h, arrays(w.project), { kernel: 1, stride: 1, act: 'none', bits: lb });
      if (b.residual) {
        g.ops.push({ op: 'add', a: h, b: input, y: `${p}.add` });
        h = lb.a < kFloatBits ? g.quant(`${p}.add`, `${p}.out`) : `${p}.add`;
      }
    });
    h = g.layer('head', 'pointwise', h, arrays(folded.head), {
      kernel: 1, stride: 1, act: headOf(plan).act, bits: bits(headOf(plan).wBits, headOf(plan).aBits),
    });
    g.ops.push({ op: 'pool', x: h, y: 'pool' });
    const cls = bits(plan.classifier.wBits, plan.classifier.aBits);
    const logits = g.layer('classifier', 'fc', 'pool', arrays(folded.classifier), { kernel: 1, stride: 1, act: 'none', bits: cls, quantOut: false });
    return {
      input: 'input',
      inputShape: [space.input.height, space.input.width, space.input.channels],
      output: logits,
      classes: space.input.classes,
      ops: g.ops,
      quantized: g.anyQuant,
    };
  } finally {
    disposeFolded(folded);
  }
}

function disposeFolded(f: ReturnType<Subnet['folded']>): void {
  const all: Tensor[] = [f.stem.w, f.stem.b, f.head.w, f.head.b, f.classifier.w, f.classifier.b];
  for (const b of f.blocks) {
    all.push(b.expand.w, b.expand.b, b.dw.w, b.dw.b, b.project.w, b.project.b);
    if (b.se) all.push(b.se.w1, b.se.b1, b.se.w2, b.se.b2);
  }
  for (const t of all) t.dispose();
}

/** The activation quantization sites of `graph`, in execution order. */
export function quantSites(graph: DeployGraph): string[] {
  return graph.ops.flatMap((op) => (op.op === 'quant' ? [op.site] : []));
}
