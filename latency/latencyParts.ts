/**
 * The parts a measured latency profile times one by one - the stem, each inverted-residual
 * block, and the head (1x1 conv, pool, classifier) - recognised in a lowered operator list,
 * each with the key of its lookup-table entry. Plain data and string building only: it runs
 * inside the search.
 *
 * A key names everything the part's deployed graph depends on:
 *   stem:28x28:1-16:k3s2:hswish:wq-aq
 *   block:7x7:24-72-32:k5s1:relu+se+add:wq-aq-inq
 *   head:4x4:80-256-10:hswish:wq-aq-inq
 * - input height x width, then channels (in-mid-out for blocks, in-head-classes for the head);
 * - depthwise (stem: dense) kernel and stride; activation, `+se`, `+add` (residual);
 * - precision: weights `wq` (on an integer grid) or `wf` (float), activations `aq` or `af`,
 *   and for blocks and the head `inq`/`inf`: whether the input arrives quantized (the previous
 *   part ends with a uint8 QDQ pair), which changes the operators at the boundary.
 * Weight widths 4, 6 and 8 share `wq`: the exported graph stores all of them in uint8
 * containers behind the same DequantizeLinear, so the runtime runs the same kernels.
 */
import { kFloatBits } from '../space/types.js';
import type { LayerDesc } from '../space/layerDesc.js';

export type PartKind = 'stem' | 'block' | 'head';

export interface LatencyPart {
  kind: PartKind;
  /** Index of the part's first operator in the lowered list, and one past its last. */
  start: number;
  end: number;
  key: string;
  /** Elements of the part's input tensor (H x W x C). */
  inputElements: number;
}

export interface PartOptions {
  /**
   * Whether the runtime executes the config's bits (ONNX QDQ) or runs every config as its
   * float graph (tfjs). Default true.
   */
  bits?: boolean;
}


function precision(layer: LayerDesc, bits: boolean): string {
  const w = bits && layer.wBits < kFloatBits ? 'wq' : 'wf';
  const a = bits && layer.aBits < kFloatBits ? 'aq' : 'af';
  return `${w}-${a}`;
}

function shapeOf(layer: LayerDesc): string {
  return `${layer.inH}x${layer.inW}`;
}

function malformed(layers: readonly LayerDesc[], at: number, expected: string): Error {
  const got = at < layers.length ? `a '${layers[at].kind}' operator` : 'the end of the list';
  return new Error(
    `cannot split the lowered network into stem, blocks and head: expected ${expected} at operator ${at}, got ${got} ` +
      '(a latency profile covers MobileNetV3-style spaces lowered by layersOf)',
  );
}

function expectKind(layers: readonly LayerDesc[], at: number, kind: LayerDesc['kind'], what: string): LayerDesc {
  const layer = layers[at];
  if (layer === undefined || layer.kind !== kind) throw malformed(layers, at, what);
  return layer;
}

/** Splits a lowered network into its parts, in execution order: stem, blocks, head. */
export function latencyParts(layers: readonly LayerDesc[], options: PartOptions = {}): LatencyPart[] {
  const bits = options.bits ?? true;
  const stem = expectKind(layers, 0, 'conv', 'the stem convolution');
  const parts: LatencyPart[] = [{
    kind: 'stem', start: 0, end: 1,
    key: `stem:${shapeOf(stem)}:${stem.inC}-${stem.outC}:k${stem.kernel}s${stem.stride}:${stem.act}:${precision(stem, bits)}`,
    inputElements: stem.inH * stem.inW * stem.inC,
  }];
  let inQ = bits && stem.aBits < kFloatBits;
  let i = 1;
  while (layers[i + 1]?.kind === 'dwconv') {
    const start = i;
    const expand = expectKind(layers, i++, 'conv', 'a block\'s 1x1 expand convolution');
    const dw = layers[i++];
    let extras = '';
    if (layers[i]?.kind === 'se') {
      extras += '+se';
      i++;
    }
    const project = expectKind(layers, i++, 'conv', 'a block\'s 1x1 project convolution');
    if (layers[i]?.kind === 'add') {
      extras += '+add';
      i++;
    }
    parts.push({
      kind: 'block', start, end: i,
      key: `block:${shapeOf(expand)}:${expand.inC}-${expand.outC}-${project.outC}:k${dw.kernel}s${dw.stride}:${dw.act}${extras}:` +
        `${precision(expand, bits)}-${inQ ? 'inq' : 'inf'}`,
      inputElements: expand.inH * expand.inW * expand.inC,
    });
    inQ = bits && expand.aBits < kFloatBits;
  }
  const head = expectKind(layers, i, 'conv', 'the head 1x1 convolution');
  expectKind(layers, i + 1, 'pool', 'the global pool');
  const fc = expectKind(layers, i + 2, 'fc', 'the classifier');
  if (i + 3 !== layers.length) throw malformed(layers, i + 3, 'the end of the list after the classifier');
  parts.push({
    kind: 'head', start: i, end: i + 3,
    key: `head:${shapeOf(head)}:${head.inC}-${head.outC}-${fc.outC}:${head.act}:${precision(head, bits)}-${inQ ? 'inq' : 'inf'}`,
    inputElements: head.inH * head.inW * head.inC,
  });
  return parts;
}
