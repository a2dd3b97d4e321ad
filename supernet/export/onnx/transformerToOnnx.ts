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
 */
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import { tokenCount } from '../../../space/transformer/cost.js';
import { kLayerNormEpsilon } from '../../transformer/ops.js';
import type { SubTransformerWeights } from '../../transformer/extract.js';
import { OnnxAttributeType, OnnxDataType, encodeModel } from './schema.js';
import { kOnnxInputName, kOnnxIrVersion, kOnnxOutputName, type OnnxExportInfo } from './toOnnx.js';

export const kTransformerOnnxOpset = 17;

type Attr = Record<string, unknown>;
const ints = (name: string, values: number[]): Attr => ({ name, type: OnnxAttributeType.INTS, ints: values });
const int = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.INT, i: value });
const float = (name: string, value: number): Attr => ({ name, type: OnnxAttributeType.FLOAT, f: value });

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

class Graph {
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

  node(op_type: string, input: string[], output: string, attribute?: Attr[]): string {
    this.nodes.push({ op_type, input, output: [output], name: `${output}.${op_type}`, ...(attribute ? { attribute } : {}) });
    return output;
  }

  linear(x: string, name: string): string {
    return this.node('Add', [this.node('MatMul', [x, this.weight(`${name}.weight`)], `${name}.matmul`), this.weight(`${name}.bias`)], name);
  }

  norm(x: string, name: string): string {
    return this.node('LayerNormalization', [x, this.weight(`${name}.gamma`), this.weight(`${name}.beta`)], name, [int('axis', -1), float('epsilon', kLayerNormEpsilon)]);
  }
}

function valueInfo(name: string, dims: Array<number | string>): Record<string, unknown> {
  return {
    name,
    type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/** Serialised fp32 ONNX model of SubTransformer `cfg` of `space` with `weights` (see extract.ts). */
export function transformerToOnnx(space: TransformerSpace, cfg: TransformerConfig, weights: SubTransformerWeights, info: OnnxExportInfo = {}): Uint8Array {
  const g = new Graph(weights);
  const { height: h, width: w, channels: c, classes } = space.input;
  const p = space.patchSize;
  const d = cfg.embedDim;
  const t = tokenCount(space);
  const patches = (h / p) * (w / p);
  const rows = g.node('Reshape', [kOnnxInputName, g.int64s('patchify.shape1', [-1, h / p, p, w / p, p * c])], 'patchify.rows');
  const moved = g.node('Transpose', [rows], 'patchify.moved', [ints('perm', [0, 1, 3, 2, 4])]);
  const flat = g.node('Reshape', [moved, g.int64s('patchify.shape2', [-1, patches, p * p * c])], 'patchify');
  let tokens = g.linear(flat, 'patch');
  if (space.pool === 'cls') {
    const batch = g.node('Slice', [g.node('Shape', [kOnnxInputName], 'input.shape'), g.int64s('zero', [0]), g.int64s('one', [1])], 'batch');
    const shape = g.node('Concat', [batch, g.int64s('cls.tail', [1, d])], 'cls.shape', [int('axis', 0)]);
    const cls = g.node('Expand', [g.node('Reshape', [g.weight('cls'), g.int64s('cls.single.shape', [1, 1, d])], 'cls.single'), shape], 'cls.batch');
    tokens = g.node('Concat', [cls, tokens], 'tokens', [int('axis', 1)]);
  }
  let x = g.node('Add', [tokens, g.weight('pos')], 'embedded');
  for (let i = 0; i < cfg.depth; i++) {
    const name = `layers.${i}`;
    const heads = cfg.heads[i];
    const a = heads * space.headDim;
    const normed = g.norm(x, `${name}.ln1`);
    const split = g.int64s(`${name}.heads.shape`, [0, t, heads, space.headDim]);
    const headsOf = (part: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [g.linear(normed, `${name}.${part}`), split], `${name}.${part}.heads`)], `${name}.${part}.t`, [ints('perm', perm)]);
    const q = headsOf('q', [0, 2, 1, 3]);
    const kT = headsOf('k', [0, 2, 3, 1]);
    const v = headsOf('v', [0, 2, 1, 3]);
    const scores = g.node('Mul', [g.node('MatMul', [q, kT], `${name}.qk`), g.floats(`${name}.scale`, [], [1 / Math.sqrt(space.headDim)])], `${name}.scores`);
    const mixed = g.node('MatMul', [g.node('Softmax', [scores], `${name}.attention`, [int('axis', -1)]), v], `${name}.mixed`);
    const merged = g.node('Reshape', [g.node('Transpose', [mixed], `${name}.mixed.t`, [ints('perm', [0, 2, 1, 3])]), g.int64s(`${name}.merge.shape`, [0, t, a])], `${name}.merged`);
    x = g.node('Add', [x, g.linear(merged, `${name}.proj`)], `${name}.attn.out`);
    const hidden = g.node('Relu', [g.linear(g.norm(x, `${name}.ln2`), `${name}.fc1`)], `${name}.fc1.relu`);
    x = g.node('Add', [x, g.linear(hidden, `${name}.fc2`)], `${name}.out`);
  }
  const normed = g.norm(x, 'norm');
  const pooled = space.pool === 'cls'
    ? g.node('Gather', [normed, g.int64s('cls.index', [0])], 'pooled.token', [int('axis', 1)])
    : g.node('ReduceMean', [normed], 'pooled', [ints('axes', [1]), int('keepdims', 0)]);
  const vector = space.pool === 'cls' ? g.node('Reshape', [pooled, g.int64s('pooled.shape', [-1, d])], 'pooled') : pooled;
  g.node('Add', [g.node('MatMul', [vector, g.weight('classifier.weight')], 'classifier.matmul'), g.weight('classifier.bias')], kOnnxOutputName);
  return encodeModel({
    ir_version: kOnnxIrVersion,
    opset_import: [{ domain: '', version: kTransformerOnnxOpset }],
    producer_name: 'hwnas',
    producer_version: info.producerVersion ?? '',
    doc_string: info.docString ?? '',
    graph: {
      name: 'subtransformer',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(kOnnxInputName, ['batch', h, w, c])],
      output: [valueInfo(kOnnxOutputName, ['batch', classes])],
    },
    metadata_props: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}
