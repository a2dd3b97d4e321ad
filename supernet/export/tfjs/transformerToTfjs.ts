/**
 * A SubTransformer as a TensorFlow.js graph model. The graph is built with the ONNX export's own
 * builders (../onnx/transformerToOnnx.ts: patch embedding, attention and MLP halves, head), so
 * both formats run the same nodes, then each node is written as standard TensorFlow ops:
 *
 *   MatMul -> BatchMatMulV2, Add -> AddV2, Mul, Relu, Softmax, Reshape, Transpose (perm as a
 *   constant), LayerNormalization -> Mean, Sub, Square, Mean, AddV2 epsilon, Rsqrt, Mul, Mul
 *   gamma, AddV2 beta; ReduceMean -> Mean; Gather -> GatherV2; Shape, Slice -> StridedSlice,
 *   Concat -> ConcatV2, Expand -> BroadcastTo (the class token).
 *
 * ONNX's int64 shape constants become int32 ones, and a 0 in a Reshape target ("copy this
 * dimension", the batch) becomes -1. Plain `@tensorflow/tfjs` loads the folder with
 * `loadGraphModel`. tfjs has no integer matmul, so a SubTransformer exports to tfjs in fp32 only.
 */
import type { TransformerConfig, TransformerSpace } from '../../../space/transformer/types.js';
import type { SubTransformerWeights } from '../../transformer/extract.js';
import { kLayerNormEpsilon } from '../../transformer/ops.js';
import { OnnxDataType } from '../onnx/schema.js';
import { buildTransformerGraph, type TransformerGraph } from '../onnx/transformerToOnnx.js';
import { kOnnxInputName, kOnnxOutputName } from '../onnx/toOnnx.js';
import { assembleTfjs, dtFloat, TfGraph, type AttrValue, type TfjsModel } from './toTfjs.js';

export type { TfjsModel };

interface OnnxNode {
  op_type: string;
  input: string[];
  output: string[];
  attribute?: Array<{ name: string; i?: number; f?: number; ints?: number[] }>;
}

interface OnnxInitializer {
  name: string;
  data_type: number;
  dims: number[];
  raw_data: Uint8Array;
}

const dtInt: AttrValue = { type: 'DT_INT32' };

function attribute(node: OnnxNode, name: string): NonNullable<OnnxNode['attribute']>[number] {
  const a = node.attribute?.find((x) => x.name === name);
  if (a === undefined) throw new Error(`internal: ONNX node ${node.op_type} '${node.output[0]}' lacks attribute '${name}'`);
  return a;
}

/** Writes ONNX nodes of a transformer graph as TensorFlow nodes into a TfGraph. */
class Translator {
  readonly tf = new TfGraph();
  private readonly inits: Map<string, OnnxInitializer>;
  /** Tensors of int32 type (shapes and their slices); every other tensor is float32. */
  private readonly ints = new Set<string>();
  private readonly written = new Set<string>();
  private count = 0;

  constructor(initializers: readonly OnnxInitializer[], private readonly renames: ReadonlyMap<string, string>) {
    this.inits = new Map(initializers.map((i) => [i.name, i]));
  }

  private name(tensor: string): string {
    return this.renames.get(tensor) ?? tensor;
  }

  /** The TF tensor of ONNX tensor `name`: an initializer becomes a constant on first use. */
  private input(name: string): string {
    const init = this.inits.get(name);
    if (init === undefined) return this.name(name);
    if (!this.written.has(name)) {
      this.written.add(name);
      if (init.data_type === OnnxDataType.FLOAT) {
        const data = new Float32Array(init.raw_data.buffer.slice(init.raw_data.byteOffset, init.raw_data.byteOffset + init.raw_data.byteLength));
        this.tf.constant(name, init.dims, data);
      } else if (init.data_type === OnnxDataType.INT64) {
        this.tf.constant(name, init.dims, this.int64Values(init));
        this.ints.add(name);
      } else {
        throw new Error(`the tfjs export runs float graphs, but '${name}' is an integer weight: export the SubTransformer in fp32`);
      }
    }
    return name;
  }

  private int64Values(init: OnnxInitializer): Int32Array {
    const big = new BigInt64Array(init.raw_data.buffer.slice(init.raw_data.byteOffset, init.raw_data.byteOffset + init.raw_data.byteLength));
    return Int32Array.from(big, (v) => Number(v));
  }

  private constInts(values: number[]): string {
    const name = `const.${this.count++}`;
    this.tf.constant(name, [values.length], Int32Array.from(values));
    this.ints.add(name);
    return name;
  }

  private scalarInt(value: number): string {
    const name = `const.${this.count++}`;
    this.tf.constant(name, [], Int32Array.of(value));
    return name;
  }

  private mean(name: string, x: string, axis: number, keep: boolean): string {
    return this.tf.op(name, 'Mean', [x, this.constInts([axis])], { keep_dims: { b: keep }, Tidx: dtInt });
  }

  add(node: OnnxNode): void {
    const y = this.name(node.output[0]);
    // Shape, index and axis constants are written by the cases that take them; data inputs here.
    const x = (k: number): string => this.input(node.input[k]);
    const all = (): string[] => node.input.map((_, k) => x(k));
    const tf = this.tf;
    switch (node.op_type) {
      case 'MatMul':
        tf.op(y, 'BatchMatMulV2', all(), { adj_x: { b: false }, adj_y: { b: false } });
        return;
      case 'Add':
        tf.op(y, 'AddV2', all());
        return;
      case 'Mul':
      case 'Relu':
      case 'Identity':
        tf.op(y, node.op_type, all());
        return;
      case 'Softmax':
        if (attribute(node, 'axis').i !== -1) throw new Error('internal: the tfjs export takes Softmax over the last axis only');
        tf.op(y, 'Softmax', all());
        return;
      case 'Reshape': {
        const shape = Array.from(this.int64Values(this.inits.get(node.input[1]) as OnnxInitializer));
        const copies = shape.filter((d) => d === 0).length;
        if (copies > 1 || (copies === 1 && shape.includes(-1))) throw new Error(`internal: Reshape '${node.output[0]}' to [${shape}] has no tfjs equivalent`);
        tf.op(y, 'Reshape', [x(0), this.constInts(shape.map((d) => (d === 0 ? -1 : d)))], { Tshape: dtInt });
        return;
      }
      case 'Transpose':
        tf.op(y, 'Transpose', [x(0), this.constInts(attribute(node, 'perm').ints as number[])], { Tperm: dtInt });
        return;
      case 'LayerNormalization': {
        if (attribute(node, 'axis').i !== -1) throw new Error('internal: the tfjs export takes LayerNormalization over the last axis only');
        const eps = tf.constant(`${y}/epsilon`, [], Float32Array.of(attribute(node, 'epsilon').f ?? kLayerNormEpsilon));
        const centred = tf.op(`${y}/centred`, 'Sub', [x(0), this.mean(`${y}/mean`, x(0), -1, true)]);
        const variance = this.mean(`${y}/variance`, tf.op(`${y}/squared`, 'Square', [centred]), -1, true);
        const inv = tf.op(`${y}/rsqrt`, 'Rsqrt', [tf.op(`${y}/variance.eps`, 'AddV2', [variance, eps])]);
        const normed = tf.op(`${y}/normed`, 'Mul', [centred, inv]);
        tf.op(y, 'AddV2', [tf.op(`${y}/scaled`, 'Mul', [normed, x(1)]), x(2)]);
        return;
      }
      case 'ReduceMean': {
        const axes = attribute(node, 'axes').ints as number[];
        if (axes.length !== 1) throw new Error('internal: the tfjs export takes ReduceMean over one axis');
        this.mean(y, x(0), axes[0], attribute(node, 'keepdims').i === 1);
        return;
      }
      case 'Gather': {
        const indices = this.constInts(Array.from(this.int64Values(this.inits.get(node.input[1]) as OnnxInitializer)));
        tf.op(y, 'GatherV2', [x(0), indices, this.scalarInt(attribute(node, 'axis').i as number)], { Tparams: dtFloat, Tindices: dtInt, Taxis: dtInt, batch_dims: { i: '0' } });
        return;
      }
      case 'Shape':
        tf.op(y, 'Shape', all(), { out_type: dtInt });
        this.ints.add(y);
        return;
      case 'Slice': {
        const strides = this.constInts([1]);
        tf.op(y, 'StridedSlice', [x(0), x(1), x(2), strides], {
          T: dtInt, Index: dtInt, begin_mask: { i: '0' }, end_mask: { i: '0' }, ellipsis_mask: { i: '0' }, new_axis_mask: { i: '0' }, shrink_axis_mask: { i: '0' },
        });
        this.ints.add(y);
        return;
      }
      case 'Concat': {
        const inputs = all();
        const isInt = inputs.some((i) => this.ints.has(i));
        tf.op(y, 'ConcatV2', [...inputs, this.scalarInt(attribute(node, 'axis').i as number)], { T: isInt ? dtInt : dtFloat, N: { i: String(inputs.length) }, Tidx: dtInt });
        if (isInt) this.ints.add(y);
        return;
      }
      case 'Expand':
        tf.op(y, 'BroadcastTo', all(), { Tidx: dtInt });
        return;
      default:
        throw new Error(`the tfjs export has no translation of ONNX ${node.op_type} ('${node.output[0]}'): export the SubTransformer as ONNX`);
    }
  }
}

/**
 * The graph model of a transformer graph `g` built with the ONNX builders: its input `input`
 * becomes the placeholder `inputName` of shape `[-1, ...inputShape]`, its output `output` the
 * node `outputName`.
 */
export function transformerGraphToTfjs(
  g: TransformerGraph, io: { input: string; inputName: string; inputShape: readonly number[]; output: string; outputName: string },
  metadata: Record<string, unknown> = {}, version = '',
): TfjsModel {
  const renames = new Map([[io.input, io.inputName], [io.output, io.outputName]]);
  const t = new Translator(g.initializers as unknown as OnnxInitializer[], renames);
  t.tf.placeholder(io.inputName, [-1, ...io.inputShape]);
  for (const node of g.nodes as unknown as OnnxNode[]) t.add(node);
  return assembleTfjs(t.tf, metadata, version);
}

/** The tfjs graph model of SubTransformer `cfg` of `space` with `weights`: input `images` [N,H,W,C], output `logits` [N, classes]. */
export function transformerToTfjs(
  space: TransformerSpace, cfg: TransformerConfig, weights: SubTransformerWeights, metadata: Record<string, unknown> = {}, version = '',
): TfjsModel {
  const { height, width, channels } = space.input;
  const g = buildTransformerGraph(space, cfg, weights, false);
  const io = { input: kOnnxInputName, inputName: kOnnxInputName, inputShape: [height, width, channels], output: kOnnxOutputName, outputName: kOnnxOutputName };
  return transformerGraphToTfjs(g, io, metadata, version);
}
