/**
 * A deployed graph as an ONNX model (opset 14, IR version 8): NHWC float input transposed once
 * to NCHW, convolutions with BatchNorm folded and TensorFlow 'same' padding as explicit pads,
 * HardSwish/HardSigmoid/Relu, GlobalAveragePool, 1x1 convolutions for the fully connected
 * layers, and Flatten to `[N, classes]` logits.
 *
 * A quantized graph is written in QDQ form: each quant op becomes QuantizeLinear ->
 * DequantizeLinear (uint8, per tensor); quantized weights are int8 initializers (bits below 8
 * on their smaller grid) behind a per-channel DequantizeLinear (axis 0); int32 biases likewise.
 * onnxruntime fuses DQ -> Conv -> Q into QLinearConv and DQ/DQ -> Add -> Q into QLinearAdd.
 *
 * Weights below 8 bits: the values are exactly the genome's grid (so accuracy is what the
 * config says), but they sit in 8-bit containers and run through the same 8-bit kernels: 4 and
 * 6 bits buy neither speed nor file size here (onnxruntime's int4 needs opset 21 and only
 * MatMul kernels). Layers with float activations and quantized weights keep a
 * DequantizeLinear on the weights that onnxruntime evaluates at every run.
 */
import type { DeployGraph, DeployOp, DeployWeight } from '../../quant/deployGraph.js';
import { OnnxAttributeType, OnnxDataType, encodeModel } from './schema.js';

export const kOnnxOpset = 14;
export const kOnnxIrVersion = 8;
/** Name of the model's input (`[N,H,W,C]` float32, normalised pixels) and output (`[N,classes]` logits). */
export const kOnnxInputName = 'images';
export const kOnnxOutputName = 'logits';

type Attr = Record<string, unknown>;
type Node = { op_type: string; input: string[]; output: string[]; name: string; attribute?: Attr[] };

const ints = (name: string, values: number[]): Attr => ({ name, type: OnnxAttributeType.INTS, ints: values });
const int = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.INT, i: value });
const float = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.FLOAT, f: value });

function bytesOf(a: Float32Array | Int8Array | Uint8Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** Permutes a tfjs-layout weight to ONNX's `[Cout, Cin/group, kh, kw]`. */
function toOihw<T extends Float32Array | Int8Array>(src: T, w: DeployWeight, kind: DeployOp & { op: 'conv' }): { data: T; dims: number[] } {
  const make = (n: number) => new (src.constructor as { new (n: number): T })(n);
  if (kind.kind === 'pointwise' || kind.kind === 'fc') {
    const [cin, cout] = w.shape;
    const data = make(src.length);
    for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) data[o * cin + i] = src[i * cout + o];
    return { data, dims: [cout, cin, 1, 1] };
  }
  const [kh, kw, cin, m] = w.shape;
  const data = make(src.length);
  if (kind.kind === 'depthwise') {
    // [k,k,C,1] -> [C,1,k,k]
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) data[(c * kh + y) * kw + x] = src[(y * kw + x) * cin + c];
    return { data, dims: [cin, 1, kh, kw] };
  }
  // [k,k,Cin,Cout] -> [Cout,Cin,k,k]
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) for (let o = 0; o < m; o++) {
    data[((o * cin + c) * kh + y) * kw + x] = src[((y * kw + x) * cin + c) * m + o];
  }
  return { data, dims: [m, cin, kh, kw] };
}

/** TensorFlow 'same' padding along one axis: [before, after]. */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

class OnnxGraph {
  readonly weightType: OnnxWeightType;
  readonly nodes: Node[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  /** Spatial size of each 4-D tensor. */
  readonly hw = new Map<string, [number, number]>();
  /** The quant op that produced each dequantized tensor. */
  readonly quantOf = new Map<string, DeployOp & { op: 'quant' }>();

  constructor(weightType: OnnxWeightType) {
    this.weightType = weightType;
  }

  init(name: string, type: keyof typeof OnnxDataType, dims: number[], data: Float32Array | Int8Array | Uint8Array | Int32Array): string {
    this.initializers.push({ name, data_type: OnnxDataType[type], dims, raw_data: bytesOf(data) });
    return name;
  }

  node(op_type: string, input: string[], output: string, attribute?: Attr[]): string {
    this.nodes.push({ op_type, input, output: [output], name: `${output}.${op_type}`, ...(attribute ? { attribute } : {}) });
    return output;
  }

  /** A weight initializer, behind a per-channel DequantizeLinear when it is on an integer grid. */
  weight(op: DeployOp & { op: 'conv' }): string {
    const name = `${op.name}.weight`;
    if (!op.w.quant) {
      const { data, dims } = toOihw(op.w.values, op.w, op);
      return this.init(name, 'FLOAT', dims, data);
    }
    const { data, dims } = toOihw(op.w.quant.q, op.w, op);
    const channels = dims[0];
    const suffix = this.weightType;
    if (this.weightType === 'int8') {
      this.init(`${name}.${suffix}`, 'INT8', dims, data);
      this.init(`${name}.zero_point`, 'INT8', [channels], new Int8Array(channels));
    } else {
      this.init(`${name}.${suffix}`, 'UINT8', dims, Uint8Array.from(data, (v) => v + kUint8WeightZeroPoint));
      this.init(`${name}.zero_point`, 'UINT8', [channels], new Uint8Array(channels).fill(kUint8WeightZeroPoint));
    }
    this.init(`${name}.scale`, 'FLOAT', [channels], op.w.quant.scales);
    return this.node('DequantizeLinear', [`${name}.${suffix}`, `${name}.scale`, `${name}.zero_point`], name, [int('axis', 0)]);
  }

  bias(op: DeployOp & { op: 'conv' }): string {
    const name = `${op.name}.bias`;
    const n = op.b.values.length;
    if (!op.b.quant) return this.init(name, 'FLOAT', [n], op.b.values);
    this.init(`${name}.int32`, 'INT32', [n], op.b.quant.q);
    this.init(`${name}.scale`, 'FLOAT', [n], op.b.quant.scales);
    this.init(`${name}.zero_point`, 'INT32', [n], new Int32Array(n));
    return this.node('DequantizeLinear', [`${name}.int32`, `${name}.scale`, `${name}.zero_point`], name, [int('axis', 0)]);
  }

  /**
   * The input of a float-weight convolution that reads a quantized tensor: its own
   * DequantizeLinear, written per channel (every channel with the tensor's one scale and zero
   * point, so the same values). onnxruntime's WeightBiasQuantization pass would otherwise
   * quantize the float weights to int8 per tensor behind a per-tensor dequantized input.
   */
  floatConvInput(op: DeployOp & { op: 'conv' }): string {
    const quant = this.quantOf.get(op.x);
    if (op.w.quant || !quant?.qp) return op.x;
    const channels = op.kind === 'pointwise' || op.kind === 'fc' ? op.w.shape[0] : op.w.shape[2];
    const scale = this.init(`${op.name}.input.scale`, 'FLOAT', [channels], new Float32Array(channels).fill(quant.qp.scale));
    const zp = this.init(`${op.name}.input.zero_point`, 'UINT8', [channels], new Uint8Array(channels).fill(quant.qp.zeroPoint));
    return this.node('DequantizeLinear', [`${quant.y}.uint8`, scale, zp], `${op.name}.input`, [int('axis', 1)]);
  }

  conv(op: DeployOp & { op: 'conv' }): void {
    const x = this.floatConvInput(op);
    const w = this.weight(op);
    const b = this.bias(op);
    const [h, wd] = this.hw.get(op.x) ?? [1, 1];
    const k = op.kernel;
    const [top, bottom] = samePadding(h, k, op.stride);
    const [left, right] = samePadding(wd, k, op.stride);
    const attrs = [ints('kernel_shape', [k, k]), ints('strides', [op.stride, op.stride]), ints('pads', [top, left, bottom, right]), ints('dilations', [1, 1])];
    if (op.kind === 'depthwise') attrs.push(int('group', op.w.shape[2]));
    this.node('Conv', [x, w, b], op.y, attrs);
    this.hw.set(op.y, [Math.ceil(h / op.stride), Math.ceil(wd / op.stride)]);
  }

  add(op: DeployOp): void {
    switch (op.op) {
      case 'conv':
        this.conv(op);
        return;
      case 'act':
        if (op.fn === 'relu') this.node('Relu', [op.x], op.y);
        else if (op.fn === 'hswish') this.node('HardSwish', [op.x], op.y);
        else this.node('HardSigmoid', [op.x], op.y, [float('alpha', 1 / 6), float('beta', 0.5)]);
        this.hw.set(op.y, this.hw.get(op.x) ?? [1, 1]);
        return;
      case 'quant': {
        if (!op.qp) throw new Error(`activation site '${op.site}' has no quantization parameters: finalize the graph before export`);
        const scale = this.init(`${op.site}.scale`, 'FLOAT', [], Float32Array.of(op.qp.scale));
        const zp = this.init(`${op.site}.zero_point`, 'UINT8', [], Uint8Array.of(op.qp.zeroPoint));
        this.node('QuantizeLinear', [op.x, scale, zp], `${op.y}.uint8`);
        this.node('DequantizeLinear', [`${op.y}.uint8`, scale, zp], op.y);
        this.quantOf.set(op.y, op);
        this.hw.set(op.y, this.hw.get(op.x) ?? [1, 1]);
        return;
      }
      case 'add':
        this.node('Add', [op.a, op.b], op.y);
        this.hw.set(op.y, this.hw.get(op.a) ?? [1, 1]);
        return;
      case 'scale':
        this.node('Mul', [op.x, op.gate], op.y);
        this.hw.set(op.y, this.hw.get(op.x) ?? [1, 1]);
        return;
      case 'pool':
        this.node('GlobalAveragePool', [op.x], op.y);
        this.hw.set(op.y, [1, 1]);
        return;
    }
  }
}

/**
 * Container of quantized weights. 'uint8' (default) stores the symmetric grid shifted by a zero
 * point of 128: onnxruntime then runs u8u8 kernels, which accumulate exactly. 'int8' gives
 * u8s8 kernels, which on x86 without VNNI add pairs of u8 x s8 products in saturating int16
 * (VPMADDUBSW) and so go wrong wherever a pair of products exceeds 32767 - with full-range
 * 8-bit weights that happened on 8% of the stem's outputs of a random-init net. (onnxruntime's
 * session option `session.x64quantprecision` makes the same s8 -> u8 rewrite at load time;
 * uint8 containers make the file right without it. On ARM or VNNI CPUs 'int8' is safe.)
 */
export type OnnxWeightType = 'uint8' | 'int8';
export const kUint8WeightZeroPoint = 128;

export interface OnnxExportInfo {
  weightType?: OnnxWeightType;
  /** Free-form key/value pairs stored in the model's metadata_props. */
  metadata?: Record<string, string>;
  docString?: string;
  producerVersion?: string;
}

function valueInfo(name: string, dims: Array<number | string>): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: OnnxDataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Serialised ONNX model of `graph` (quant ops need parameters: see `finalizeGraph`). */
export function toOnnx(graph: DeployGraph, info: OnnxExportInfo = {}): Uint8Array {
  const g = new OnnxGraph(info.weightType ?? 'uint8');
  const [h, w, c] = graph.inputShape;
  g.node('Transpose', [kOnnxInputName], graph.input, [ints('perm', [0, 3, 1, 2])]);
  g.hw.set(graph.input, [h, w]);
  for (const op of graph.ops) g.add(op);
  g.node('Flatten', [graph.output], kOnnxOutputName, [int('axis', 1)]);
  return encodeModel({
    ir_version: kOnnxIrVersion,
    opset_import: [{ domain: '', version: kOnnxOpset }],
    producer_name: 'hwnas',
    producer_version: info.producerVersion ?? '',
    doc_string: info.docString ?? '',
    graph: {
      name: 'subnet',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(kOnnxInputName, ['batch', h, w, c])],
      output: [valueInfo(kOnnxOutputName, ['batch', graph.classes])],
    },
    metadata_props: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}
