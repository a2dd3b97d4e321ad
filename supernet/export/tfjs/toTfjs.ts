/**
 * A float deployed graph as a TensorFlow.js graph model: `model.json` (a TensorFlow GraphDef in
 * JSON with standard ops only - Conv2D, DepthwiseConv2dNative, BiasAdd, Relu, Relu6, AddV2, Mul,
 * Mean, Squeeze) and one weights file. Plain `@tensorflow/tfjs` loads it with `loadGraphModel`;
 * no custom ops or layers are needed. Input `[N,H,W,C]` float32 normalised pixels, output
 * `[N, classes]` logits. Fully connected layers run as 1x1 convolutions on the pooled
 * `[N,1,1,C]` features.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployGraph, DeployOp } from '../../quant/deployGraph.js';

export const kTfjsWeightsFile = 'weights.bin';
export const kTfjsInputName = 'images';
export const kTfjsOutputName = 'logits';

export type AttrValue = Record<string, unknown>;
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface TfjsModelJson {
  format: 'graph-model';
  generatedBy: string;
  convertedBy: string;
  modelTopology: { node: TfNode[]; library: Record<string, never>; versions: Record<string, never> };
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  userDefinedMetadata?: Record<string, unknown>;
}

/** A tfjs graph model: model.json's contents and its weights' bytes, in manifest order. */
export interface TfjsModel {
  modelJson: TfjsModelJson;
  weights: Uint8Array;
}

/** The graph model in folder `dir`: model.json and the weight files its manifest names, concatenated in order. */
export function readTfjsModel(dir: string): TfjsModel {
  let modelJson: TfjsModelJson;
  try {
    modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as TfjsModelJson;
  } catch (err) {
    throw new Error(`cannot read a tfjs model from ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const parts = modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    weights.set(p, offset);
    offset += p.length;
  }
  return { modelJson, weights };
}

const b64 = (s: string): AttrValue => ({ s: Buffer.from(s).toString('base64') });
const intList = (values: number[]): AttrValue => ({ list: { i: values.map(String) } });
export const dtFloat: AttrValue = { type: 'DT_FLOAT' };

/** A TensorFlow GraphDef under construction: nodes, weight specs and the weights' bytes in order. */
export class TfGraph {
  readonly nodes: TfNode[] = [];
  readonly specs: WeightSpec[] = [];
  readonly chunks: Uint8Array[] = [];

  constant(name: string, shape: number[], data: Float32Array | Int32Array): string {
    const dtype = data instanceof Int32Array ? 'int32' : 'float32';
    this.nodes.push({
      name, op: 'Const',
      attr: {
        dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' },
        value: { tensor: { dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
      },
    });
    this.specs.push({ name, shape, dtype });
    this.chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    return name;
  }

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: dtFloat, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, AttrValue> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: dtFloat, ...attr } });
    return name;
  }

  /** x * relu6(x + 3) / 6, or relu6(x + 3) / 6 for the sigmoid. */
  hardActivation(x: string, y: string, sigmoid: boolean): string {
    const three = this.constant(`${y}/three`, [], Float32Array.of(3));
    const sixth = this.constant(`${y}/sixth`, [], Float32Array.of(1 / 6));
    const r = this.op(`${y}/relu6`, 'Relu6', [this.op(`${y}/add3`, 'AddV2', [x, three])]);
    const gated = sigmoid ? r : this.op(`${y}/gate`, 'Mul', [x, r]);
    return this.op(y, 'Mul', [gated, sixth]);
  }

  conv(op: DeployOp & { op: 'conv' }): void {
    const strides = intList([1, op.stride, op.stride, 1]);
    const attrs = { strides, padding: b64('SAME'), data_format: b64('NHWC'), dilations: intList([1, 1, 1, 1]) };
    let shape = op.w.shape;
    if (op.kind === 'pointwise' || op.kind === 'fc') shape = [1, 1, ...op.w.shape];
    const w = this.constant(`${op.name}/weight`, shape, op.w.values);
    const b = this.constant(`${op.name}/bias`, [op.b.values.length], op.b.values);
    const kind = op.kind === 'depthwise' ? 'DepthwiseConv2dNative' : 'Conv2D';
    const y = this.op(`${op.name}/conv`, kind, [op.x, w], attrs);
    this.op(op.y, 'BiasAdd', [y, b], { data_format: b64('NHWC') });
  }

  add(op: DeployOp): void {
    switch (op.op) {
      case 'conv':
        this.conv(op);
        return;
      case 'act':
        if (op.fn === 'relu') this.op(op.y, 'Relu', [op.x]);
        else this.hardActivation(op.x, op.y, op.fn === 'hsigmoid');
        return;
      case 'quant':
        throw new Error(`the tfjs export takes a float graph, but activation site '${op.site}' is quantized: build it with { quantize: false }`);
      case 'add':
        this.op(op.y, 'AddV2', [op.a, op.b]);
        return;
      case 'scale':
        this.op(op.y, 'Mul', [op.x, op.gate]);
        return;
      case 'pool': {
        const axes = this.constant(`${op.y}/axes`, [2], Int32Array.of(1, 2));
        this.op(op.y, 'Mean', [op.x, axes], { keep_dims: { b: true }, Tidx: { type: 'DT_INT32' } });
        return;
      }
    }
  }
}

/** The graph model of a float deployed graph: model.json contents and the weights file bytes. */
export function toTfjs(graph: DeployGraph, metadata: Record<string, unknown> = {}, version = ''): TfjsModel {
  const g = new TfGraph();
  const [h, w, c] = graph.inputShape;
  g.placeholder(kTfjsInputName, [-1, h, w, c]);
  g.op(graph.input, 'Identity', [kTfjsInputName]);
  for (const op of graph.ops) g.add(op);
  g.op(kTfjsOutputName, 'Squeeze', [graph.output], { squeeze_dims: intList([1, 2]) });
  return assembleTfjs(g, metadata, version);
}

/** The graph model of the finished graph `g` (its input placeholder and output node written). */
export function assembleTfjs(g: TfGraph, metadata: Record<string, unknown>, version: string): TfjsModel {
  const total = g.chunks.reduce((n, ch) => n + ch.length, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const ch of g.chunks) {
    weights.set(ch, offset);
    offset += ch.length;
  }
  return {
    modelJson: {
      format: 'graph-model',
      generatedBy: 'hwnas',
      convertedBy: `hwnas ${version}`.trim(),
      modelTopology: { node: g.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: [kTfjsWeightsFile], weights: g.specs }],
      userDefinedMetadata: metadata,
    },
    weights,
  };
}
