/**
 * The parts a measured latency profile times one by one - the stem, each block, and the head
 * (head convolution if any, pool, classifier) - read off a lowered operator list, each with the
 * key of its lookup-table entry. The lowering marks every operator with the block it belongs to
 * (`LayerDesc.block`: 0, 1, ... in execution order, -1 in the stem and the head), so any block
 * family splits the same way. Plain data and string building only: it runs inside the search.
 *
 * A key names everything the part's deployed graph depends on:
 *   stem:28x28:1-16:k3s2:hswish:wq-aq
 *   block:7x7:24-72-32:k5s1:relu+se+add:wq-aq-inq
 *   block:14x14:conv3s2/16-32+relu,conv3s1/32-32,conv1s2/16-32,add/32+relu:wf-af-inf
 *   head:4x4:80-256-10:hswish:wq-aq-inq
 *   head:7x7:64-0-10:none:wq-aq-inq
 * - input height x width;
 * - the stem: channels in-out, dense kernel and stride, activation;
 * - a block whose operators are MobileNetV3's inverted residual (1x1 expand, depthwise, SE,
 *   1x1 project, add - the mbconv family): channels in-mid-out, depthwise kernel and stride,
 *   activation, `+se`, `+add` (residual). The profiles shipped for fashion-mbv3 use this form.
 * - any other block (fused, resnet, plain, a new family): its operators in execution order,
 *   comma-separated, each as kind, kernel and stride, channels and activation: `convKsS/in-out`,
 *   `dwKsS/c`, `se/c`, `add/c`, `pool/c`, `fc/in-out`, then `+relu` or `+hswish` when an
 *   activation follows it. A resnet block's projection shortcut is the 1x1 convolution reading
 *   the block's input (its input channels say so). The lowering is the architecture spec the
 *   deployed graph implements (space/layers.ts), so equal operator lists are equal graphs.
 * - the head: channels in-head-classes (head 0 when the space has no head convolution) and the
 *   head convolution's activation (`none` without one);
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
  /** A block part's index among the blocks that run (its operators' `block`); -1 for the stem and the head. */
  block: number;
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

/** A run of consecutive operators with one `block` value. */
interface Run {
  block: number;
  start: number;
  end: number;
}

function cannotSplit(problem: string): Error {
  return new Error(
    `cannot split the lowered network into stem, blocks and head: ${problem} ` +
      '(lower configs with layersOf in space/layers.ts, which marks each operator with its block, -1 in the stem and the head)',
  );
}

function runsOf(layers: readonly LayerDesc[]): Run[] {
  const runs: Run[] = [];
  layers.forEach((layer, i) => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.block === layer.block) last.end = i + 1;
    else runs.push({ block: layer.block, start: i, end: i + 1 });
  });
  return runs;
}

function precision(layer: LayerDesc, bits: boolean): string {
  return `${bits && layer.wBits < kFloatBits ? 'wq' : 'wf'}-${bits && layer.aBits < kFloatBits ? 'aq' : 'af'}`;
}

/** The one precision of a part's operators, e.g. `wq-aq`; throws when they differ. */
function precisionOf(ops: readonly LayerDesc[], bits: boolean, what: string): string {
  const quantized = (width: number) => width < kFloatBits;
  const [first] = ops;
  for (const op of ops) {
    if (quantized(op.wBits) !== quantized(first.wBits) || quantized(op.aBits) !== quantized(first.aBits)) {
      const found = [...new Set(ops.map((l) => precision(l, bits)))];
      if (found.length > 1) throw cannotSplit(`the operators of ${what} run at different precisions (${found.join(', ')}); a part's key carries one precision`);
    }
  }
  return precision(first, bits);
}

function shapeOf(layer: LayerDesc): string {
  return `${layer.inH}x${layer.inW}`;
}

/** The inverted-residual form of a block key (`24-72-32:k5s1:relu+se+add`), or undefined when `ops` are not that block. */
function mbconvForm(ops: readonly LayerDesc[]): string | undefined {
  let i = 0;
  const expand = ops[i++];
  const dw = ops[i++];
  if (expand?.kind !== 'conv' || expand.kernel !== 1 || expand.stride !== 1 || dw?.kind !== 'dwconv' || expand.act !== dw.act) return undefined;
  let extras = '';
  if (ops[i]?.kind === 'se') {
    extras += '+se';
    i++;
  }
  const project = ops[i++];
  if (project?.kind !== 'conv' || project.kernel !== 1 || project.stride !== 1 || project.act !== 'none') return undefined;
  if (ops[i]?.kind === 'add' && ops[i].act === 'none') {
    extras += '+add';
    i++;
  }
  if (i !== ops.length) return undefined;
  return `${expand.inC}-${expand.outC}-${project.outC}:k${dw.kernel}s${dw.stride}:${dw.act}${extras}`;
}

/** One operator of the general block key, e.g. `conv3s2/16-32+relu`. */
function operatorToken(layer: LayerDesc): string {
  const act = layer.act === 'none' ? '' : `+${layer.act}`;
  switch (layer.kind) {
    case 'conv': return `conv${layer.kernel}s${layer.stride}/${layer.inC}-${layer.outC}${act}`;
    case 'dwconv': return `dw${layer.kernel}s${layer.stride}/${layer.inC}${act}`;
    case 'fc': return `fc/${layer.inC}-${layer.outC}${act}`;
    case 'se':
    case 'add':
    case 'pool':
      return `${layer.kind}/${layer.outC}${act}`;
  }
}

function stemPart(layers: readonly LayerDesc[], run: Run, bits: boolean): LatencyPart {
  const stem = layers[run.start];
  if (run.end - run.start !== 1 || stem.kind !== 'conv') {
    const kinds = layers.slice(run.start, run.end).map((l) => l.kind).join(', ');
    throw cannotSplit(`expected the stem to be one convolution before the first block, got ${kinds}`);
  }
  return {
    kind: 'stem', block: -1, start: run.start, end: run.end,
    key: `stem:${shapeOf(stem)}:${stem.inC}-${stem.outC}:k${stem.kernel}s${stem.stride}:${stem.act}:${precisionOf([stem], bits, 'the stem')}`,
    inputElements: stem.inH * stem.inW * stem.inC,
  };
}

function blockPart(layers: readonly LayerDesc[], run: Run, bits: boolean, inQ: boolean): LatencyPart {
  const ops = layers.slice(run.start, run.end);
  const first = ops[0];
  const form = mbconvForm(ops) ?? ops.map(operatorToken).join(',');
  return {
    kind: 'block', block: run.block, start: run.start, end: run.end,
    key: `block:${shapeOf(first)}:${form}:${precisionOf(ops, bits, `block ${run.block}`)}-${inQ ? 'inq' : 'inf'}`,
    inputElements: first.inH * first.inW * first.inC,
  };
}

function headPart(layers: readonly LayerDesc[], run: Run, bits: boolean, inQ: boolean): LatencyPart {
  const ops = layers.slice(run.start, run.end);
  const conv = ops.length === 3 ? ops[0] : undefined;
  const [pool, fc] = ops.slice(ops.length - 2);
  const convOk = conv === undefined || (conv.kind === 'conv' && conv.kernel === 1 && conv.stride === 1);
  if ((ops.length !== 2 && ops.length !== 3) || !convOk || pool.kind !== 'pool' || fc.kind !== 'fc') {
    throw cannotSplit(`expected the head after the last block to be [1x1 convolution,] global pool, classifier, got ${ops.map((l) => l.kind).join(', ')}`);
  }
  const input = ops[0];
  return {
    kind: 'head', block: -1, start: run.start, end: run.end,
    key: `head:${shapeOf(input)}:${input.inC}-${conv?.outC ?? 0}-${fc.outC}:${conv?.act ?? 'none'}:${precisionOf(ops, bits, 'the head')}-${inQ ? 'inq' : 'inf'}`,
    inputElements: input.inH * input.inW * input.inC,
  };
}

/** Splits a lowered network into its parts, in execution order: stem, blocks, head. */
export function latencyParts(layers: readonly LayerDesc[], options: PartOptions = {}): LatencyPart[] {
  const bits = options.bits ?? true;
  const runs = runsOf(layers);
  if (runs.length < 3 || runs[0].block !== -1 || runs[runs.length - 1].block !== -1) {
    const marks = runs.map((r) => `${r.block} x${r.end - r.start}`).join(', ') || 'no operators';
    throw cannotSplit(`expected stem operators (block -1), then blocks 0, 1, ..., then head operators (block -1), got runs of block marks [${marks}]`);
  }
  // Whether a part's output leaves quantized: its operators' (one) activation precision.
  const quantizedOut = (run: Run) => bits && layers[run.end - 1].aBits < kFloatBits;
  const parts = [stemPart(layers, runs[0], bits)];
  let inQ = quantizedOut(runs[0]);
  for (const [i, run] of runs.slice(1, -1).entries()) {
    if (run.block !== i) {
      throw cannotSplit(`expected block ${i}'s operators (consecutive, blocks numbered in execution order) at operators ${run.start}..${run.end - 1}, got block mark ${run.block}`);
    }
    parts.push(blockPart(layers, run, bits, inQ));
    inQ = quantizedOut(run);
  }
  parts.push(headPart(layers, runs[runs.length - 1], bits, inQ));
  return parts;
}
