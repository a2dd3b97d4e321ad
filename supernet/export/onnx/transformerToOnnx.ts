/**
 * A SubTransformer as an fp32 ONNX model (opset 17, for LayerNormalization; IR version 8). The
 * graph computes what the SuperTransformer's forward pass does, on `[N, T, D]` tokens:
 *
 *   images [N,H,W,C] -> Reshape/Transpose/Reshape to [N, patches, p*p*C] -> MatMul + Add
 *   [-> Concat the class token, Expanded to the batch] -> Add position embeddings
 *   per layer: LayerNormalization -> Q, K, V (MatMul + Add) -> heads split by Reshape/Transpose
 *              -> MatMul(Q, K^T) * 1/sqrt(headDim) -> Softmax -> MatMul V -> heads merged
 *              -> MatMul + Add -> residual Add; LayerNormalization -> MatMul + Add -> Relu
 *              -> MatMul + Add -> residual Add
 *   LayerNormalization -> ReduceMean over the tokens (or Gather the class token) -> MatMul + Add
 *
 * With `int8`, every linear layer of the encoder (Q, K, V, the output projection, the MLP) is
 * dynamically quantized, as onnxruntime's `quantize_dynamic` writes it: DynamicQuantizeLinear of
 * the input (uint8, per tensor, its range taken at run time) -> MatMulInteger with the weights
 * (symmetric per output column, in uint8 containers with zero point 128: u8u8 kernels accumulate
 * exactly on x86 without VNNI, see toOnnx.ts) -> Cast -> Mul by both scales -> Add the float
 * bias; onnxruntime fuses the chain into one integer matmul. The patch embedding, attention's two
 * activation products and the classifier stay float.
 */
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import { tokenCount } from '../../../space/transformer/cost.js';
import { kLayerNormEpsilon } from '../../transformer/ops.js';
import type { SubTransformerWeights } from '../../transformer/extract.js';
import { OnnxAttributeType, OnnxDataType, encodeModel } from './schema.js';
import { kOnnxInputName, kOnnxIrVersion, kOnnxOutputName, type OnnxExportInfo } from './toOnnx.js';

export const kTransformerOnnxOpset = 17;
/** Zero point of the uint8 weight containers (symmetric weights shifted into uint8). */
const kWeightZeroPoint = 128;

export interface TransformerOnnxOptions extends OnnxExportInfo {
  /** Dynamically quantize the encoder's linear layers (see above). Default false: fp32. */
  int8?: boolean;
}

type Attr = Record<string, unknown>;
const ints = (name: string, values: number[]): Attr => ({ name, type: OnnxAttributeType.INTS, ints: values });
const int = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.INT, i: value });
const float = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.FLOAT, f: value });

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** An ONNX graph under construction over a SubTransformer's weights (nodes and initializers). */
export class TransformerGraph {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: Record<string, unknown>[] = [];

  constructor(private readonly weights: SubTransformerWeights) {}

  /** A float initializer from the SubTransformer's weights. */
  weight(name: string): string {
    const w = this.weights[name];
    if (w === undefined) throw new Error(`the SubTransformer's weights lack '${name}'`);
    this.initializers.push({ name, data_type: OnnxDataType.FLOAT, dims: w.shape, raw_data: bytesOf(w.data) });
    return name;
  }

  floats(name: string, dims: number[], values: number[]): string {
    this.initializers.push({ name, data_type: OnnxDataType.FLOAT, dims, raw_data: bytesOf(Float32Array.from(values)) });
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push({ name, data_type: OnnxDataType.INT64, dims: [values.length], raw_data: bytesOf(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }

  node(op_type: string, input: string[], output: string | string[], attribute?: Attr[]): string {
    const outputs = typeof output === 'string' ? [output] : output;
    this.nodes.push({ op_type, input, output: outputs, name: `${outputs[0]}.${op_type}`, ...(attribute ? { attribute } : {}) });
    return outputs[0];
  }

  linear(x: string, name: string): string {
    return this.node('Add', [this.node('MatMul', [x, this.weight(`${name}.weight`)], `${name}.matmul`), this.weight(`${name}.bias`)], name);
  }

  /** A dynamically quantized linear layer (see the file's comment). */
  linearInt8(x: string, name: string): string {
    const w = this.weights[`${name}.weight`];
    if (w === undefined) throw new Error(`the SubTransformer's weights lack '${name}.weight'`);
    const [rows, cols] = w.shape;
    const scales = new Float32Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scales[c] = Math.max(scales[c], Math.abs(w.data[r * cols + c]));
    for (let c = 0; c < cols; c++) scales[c] = scales[c] > 0 ? scales[c] / 127 : 1;
    const q = new Uint8Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(w.data[r * cols + c] / scales[c]) + kWeightZeroPoint;
    this.initializers.push({ name: `${name}.weight.uint8`, data_type: OnnxDataType.UINT8, dims: [rows, cols], raw_data: q });
    this.initializers.push({ name: `${name}.weight.zero_point`, data_type: OnnxDataType.UINT8, dims: [cols], raw_data: new Uint8Array(cols).fill(kWeightZeroPoint) });
    this.floats(`${name}.weight.scale`, [cols], Array.from(scales));
    const [xq, xs, xzp] = [`${name}.input.uint8`, `${name}.input.scale`, `${name}.input.zero_point`];
    this.node('DynamicQuantizeLinear', [x], [xq, xs, xzp]);
    const product = this.node('MatMulInteger', [xq, `${name}.weight.uint8`, xzp, `${name}.weight.zero_point`], `${name}.matmul.int32`);
    const float = this.node('Cast', [product], `${name}.matmul.float`, [int('to', OnnxDataType.FLOAT)]);
    const scale = this.node('Mul', [xs, `${name}.weight.scale`], `${name}.scale`);
    return this.node('Add', [this.node('Mul', [float, scale], `${name}.matmul`), this.weight(`${name}.bias`)], name);
  }

  norm(x: string, name: string): string {
    return this.node('LayerNormalization', [x, this.weight(`${name}.gamma`), this.weight(`${name}.beta`)], name, [int('axis', -1), float('epsilon', kLayerNormEpsilon)]);
  }
}

export function valueInfo(name: string, dims: Array<number | string>): Record<string, unknown> {
  return {
    name,
    type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

type Linear = (x: string, name: string) => string;

/** The linear layer builder of `g`: float, or dynamically quantized with `int8`. */
export function linearOf(g: TransformerGraph, int8: boolean | undefined): Linear {
  return (x, name) => (int8 === true ? g.linearInt8(x, name) : g.linear(x, name));
}

/** Images `input` [N,H,W,C] -> patch tokens [N,T,D] with position embeddings (and the class token). */
export function patchEmbedding(g: TransformerGraph, space: TransformerSpace, d: number, input: string): string {
  const { height: h, width: w, channels: c } = space.input;
  const p = space.patchSize;
  const patches = (h / p) * (w / p);
  const rows = g.node('Reshape', [input, g.int64s('patchify.shape1', [-1, h / p, p, w / p, p * c])], 'patchify.rows');
  const moved = g.node('Transpose', [rows], 'patchify.moved', [ints('perm', [0, 1, 3, 2, 4])]);
  const flat = g.node('Reshape', [moved, g.int64s('patchify.shape2', [-1, patches, p * p * c])], 'patchify');
  let tokens = g.linear(flat, 'patch');
  if (space.pool === 'cls') {
    const batch = g.node('Slice', [g.node('Shape', [input], 'input.shape'), g.int64s('zero', [0]), g.int64s('one', [1])], 'batch');
    const shape = g.node('Concat', [batch, g.int64s('cls.tail', [1, d])], 'cls.shape', [int('axis', 0)]);
    const cls = g.node('Expand', [g.node('Reshape', [g.weight('cls'), g.int64s('cls.single.shape', [1, 1, d])], 'cls.single'), shape], 'cls.batch');
    tokens = g.node('Concat', [cls, tokens], 'tokens', [int('axis', 1)]);
  }
  return g.node('Add', [tokens, g.weight('pos')], 'embedded');
}

/** Encoder layer `i`'s attention half on tokens `x`: LayerNorm, multi-head self-attention, projection, residual. */
export function attentionBlock(g: TransformerGraph, space: TransformerSpace, x: string, i: number, heads: number, layer: Linear): string {
  const name = `layers.${i}`;
  const t = tokenCount(space);
  const a = heads * space.headDim;
  const normed = g.norm(x, `${name}.ln1`);
  const split = g.int64s(`${name}.heads.shape`, [0, t, heads, space.headDim]);
  const headsOf = (part: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [layer(normed, `${name}.${part}`), split], `${name}.${part}.heads`)], `${name}.${part}.t`, [ints('perm', perm)]);
  const q = headsOf('q', [0, 2, 1, 3]);
  const kT = headsOf('k', [0, 2, 3, 1]);
  const v = headsOf('v', [0, 2, 1, 3]);
  const scores = g.node('Mul', [g.node('MatMul', [q, kT], `${name}.qk`), g.floats(`${name}.scale`, [], [1 / Math.sqrt(space.headDim)])], `${name}.scores`);
  const mixed = g.node('MatMul', [g.node('Softmax', [scores], `${name}.attention`, [int('axis', -1)]), v], `${name}.mixed`);
  const merged = g.node('Reshape', [g.node('Transpose', [mixed], `${name}.mixed.t`, [ints('perm', [0, 2, 1, 3])]), g.int64s(`${name}.merge.shape`, [0, t, a])], `${name}.merged`);
  return g.node('Add', [x, layer(merged, `${name}.proj`)], `${name}.attn.out`);
}

/** Encoder layer `i`'s MLP half on tokens `x`: LayerNorm, linear, ReLU, linear, residual. */
export function mlpBlock(g: TransformerGraph, x: string, i: number, layer: Linear): string {
  const name = `layers.${i}`;
  const hidden = g.node('Relu', [layer(g.norm(x, `${name}.ln2`), `${name}.fc1`)], `${name}.fc1.relu`);
  return g.node('Add', [x, layer(hidden, `${name}.fc2`)], `${name}.out`);
}

/** Tokens `x` -> the final LayerNorm, the pooled token and the classifier, written to `output`. */
export function classifierHead(g: TransformerGraph, space: TransformerSpace, d: number, x: string, output: string): string {
  const normed = g.norm(x, 'norm');
  const pooled = space.pool === 'cls'
    ? g.node('Gather', [normed, g.int64s('cls.index', [0])], 'pooled.token', [int('axis', 1)])
    : g.node('ReduceMean', [normed], 'pooled', [ints('axes', [1]), int('keepdims', 0)]);
  const vector = space.pool === 'cls' ? g.node('Reshape', [pooled, g.int64s('pooled.shape', [-1, d])], 'pooled') : pooled;
  return g.node('Add', [g.node('MatMul', [vector, g.weight('classifier.weight')], 'classifier.matmul'), g.weight('classifier.bias')], output);
}

/** The serialised model of graph `g` with one input and one output. */
export function encodeTransformerGraph(g: TransformerGraph, name: string, input: Record<string, unknown>, output: Record<string, unknown>, info: TransformerOnnxOptions = {}): Uint8Array {
  return encodeModel({
    ir_version: kOnnxIrVersion,
    opset_import: [{ domain: '', version: kTransformerOnnxOpset }],
    producer_name: 'hwnas',
    producer_version: info.producerVersion ?? '',
    doc_string: info.docString ?? '',
    graph: { name, node: g.nodes, initializer: g.initializers, input: [input], output: [output] },
    metadata_props: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** The nodes of SubTransformer `cfg` of `space` with `weights`, from input `images` to output `logits`; `int8`: see above. */
export function buildTransformerGraph(space: TransformerSpace, cfg: TransformerConfig, weights: SubTransformerWeights, int8: boolean | undefined): TransformerGraph {
  const g = new TransformerGraph(weights);
  const layer = linearOf(g, int8);
  let x = patchEmbedding(g, space, cfg.embedDim, kOnnxInputName);
  for (let i = 0; i < cfg.depth; i++) {
    x = attentionBlock(g, space, x, i, cfg.heads[i], layer);
    x = mlpBlock(g, x, i, layer);
  }
  classifierHead(g, space, cfg.embedDim, x, kOnnxOutputName);
  return g;
}

/** Serialised fp32 ONNX model of SubTransformer `cfg` of `space` with `weights` (see extract.ts). */
export function transformerToOnnx(space: TransformerSpace, cfg: TransformerConfig, weights: SubTransformerWeights, info: TransformerOnnxOptions = {}): Uint8Array {
  const { height: h, width: w, channels: c, classes } = space.input;
  const g = buildTransformerGraph(space, cfg, weights, info.int8);
  return encodeTransformerGraph(g, 'subtransformer', valueInfo(kOnnxInputName, ['batch', h, w, c]), valueInfo(kOnnxOutputName, ['batch', classes]), info);
}
