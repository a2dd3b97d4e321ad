/**
 * Builds the op list of a deployed graph, placing the activation quantization points by the
 * rules in deployGraph.ts: one `quant` op per tensor (a tensor already on the grid is not
 * quantized twice), weights on their bit grids, and a convolution's output quantized after
 * ReLU, around h-swish, or linear. Block families lower themselves through it (supernet/blocks).
 */
import type { Tensor } from '../backend/tf.js';
import type { FoldedConv } from '../blocks/convBn.js';
import { kFloatBits } from '../../space/types.js';
import type { ConvKind, DeployActivation, DeployOp, DeployWeight } from './deployGraph.js';
import { quantizeWeight } from './fakeQuant.js';

/** Bits a layer runs at (32 = float). */
export interface LayerBits {
  w: number;
  a: number;
}

/** A convolution's values read out of its tensors. */
export interface ConvArrays {
  w: Float32Array;
  shape: number[];
  b: Float32Array;
}

export interface LayerOptions {
  kernel: number;
  stride: number;
  act: DeployActivation | 'none';
  bits: LayerBits;
  /** Quantize the output of an 8-bit-activation layer (default true; false for the logits). */
  quantOut?: boolean;
}

/** The values of a folded convolution, or of a weight and bias pair. */
export function convArrays(c: FoldedConv | { w: Tensor; b: Tensor }): ConvArrays {
  return { w: c.w.dataSync() as Float32Array, shape: [...c.w.shape], b: c.b.dataSync() as Float32Array };
}

export class DeployBuilder {
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

  /** Convolution + activation with the quantization points of `opts.bits`; returns the output name. */
  layer(name: string, kind: ConvKind, x: string, c: ConvArrays, opts: LayerOptions): string {
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

  /** `layer` for a folded convolution's tensors. */
  conv(name: string, kind: ConvKind, x: string, c: FoldedConv, opts: LayerOptions): string {
    return this.layer(name, kind, x, convArrays(c), opts);
  }

  /**
   * The residual sum `a + b` of block `prefix`, then `act` (none, or the activation a ResNet
   * block applies after the sum), quantized as a convolution's output is when the block's
   * activations are 8-bit (site `<prefix>.out`).
   */
  residual(prefix: string, a: string, b: string, act: DeployActivation | 'none', bits: LayerBits): string {
    const a8 = bits.a < kFloatBits;
    let y = `${prefix}.add`;
    this.ops.push({ op: 'add', a, b, y });
    if (act === 'hswish' && a8) y = this.quant(y, `${prefix}.pre`);
    if (act !== 'none') {
      this.ops.push({ op: 'act', fn: act, x: y, y: `${prefix}.add.${act}` });
      y = `${prefix}.add.${act}`;
    }
    return a8 ? this.quant(y, `${prefix}.out`) : y;
  }
}
