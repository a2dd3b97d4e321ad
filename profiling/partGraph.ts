/**
 * One part of a deployed graph (the stem, one block, or the head) as a graph of its own, and
 * the baseline graph its time is measured against.
 *
 * A part owns the operators whose output tensor carries its name prefix (`stem`, `block<slot>.`,
 * `head`/`pool`/`classifier`). When its input is the output of the previous part's quant op,
 * that op comes along as a prologue, so the part reads a quantized tensor as it does in the
 * whole network. The baseline is the same input (and prologue) with nothing after it: both
 * graphs pay the same per-run overhead, input transpose and prologue, so the difference of
 * their medians is the part's own time.
 */
import type { DeployGraph, DeployOp } from '../supernet/quant/deployGraph.js';
import type { PartKind } from '../latency/latencyParts.js';

/** A graph to time, with its output shape per image (`[H, W, C]`). */
export interface TimedGraph {
  graph: DeployGraph;
  outputShape: [number, number, number];
}

export interface PartGraphs {
  part: TimedGraph;
  baseline: TimedGraph;
}

/** Where a part sits in the whole network. */
export interface PartSpec {
  kind: PartKind;
  /** Block slot (blocks only): the op prefix is `block<slot>.`. */
  slot?: number;
  inputShape: [number, number, number];
  outputShape: [number, number, number];
}

function owner(spec: PartSpec): (tensor: string) => boolean {
  const under = (name: string, prefix: string) => name === prefix || name.startsWith(`${prefix}.`);
  if (spec.kind === 'stem') return (t) => under(t, 'stem');
  if (spec.kind === 'head') return (t) => under(t, 'head') || under(t, 'pool') || under(t, 'classifier');
  if (spec.slot === undefined) throw new Error('a block part needs its slot');
  const prefix = `block${spec.slot}.`;
  return (t) => t.startsWith(prefix);
}

function reads(op: DeployOp): string[] {
  switch (op.op) {
    case 'add':
      return [op.a, op.b];
    case 'scale':
      return [op.x, op.gate];
    default:
      return [op.x];
  }
}

/** The part of `graph` that `spec` names, and its baseline. Throws when the cut is not clean. */
export function partGraphs(graph: DeployGraph, spec: PartSpec): PartGraphs {
  const owns = owner(spec);
  const ops = graph.ops.filter((op) => owns(op.y));
  if (ops.length === 0) throw new Error(`the graph has no operators of part ${spec.kind}${spec.slot ?? ''}`);
  const produced = new Set(ops.map((op) => op.y));
  const inputs = new Set(ops.flatMap(reads).filter((t) => !produced.has(t)));
  if (inputs.size !== 1) {
    throw new Error(`part ${spec.kind}${spec.slot ?? ''} reads ${inputs.size} outside tensors (${[...inputs].join(', ')}); expected exactly one`);
  }
  const input = [...inputs][0];
  const prologue = graph.ops.find((op): op is DeployOp & { op: 'quant' } => op.op === 'quant' && op.y === input);
  const start = prologue ? prologue.x : input;
  const head: DeployOp[] = prologue ? [prologue] : [];
  const [h, w, c] = spec.inputShape;
  const [oh, ow, oc] = spec.outputShape;
  const quantized = graph.quantized && (head.length > 0 || ops.some((op) => op.op === 'quant' || (op.op === 'conv' && op.w.quant !== undefined)));
  const base = { input: start, inputShape: spec.inputShape, quantized };
  return {
    part: {
      graph: { ...base, output: ops[ops.length - 1].y, classes: oh * ow * oc, ops: [...head, ...ops] },
      outputShape: spec.outputShape,
    },
    baseline: {
      graph: { ...base, output: prologue ? prologue.y : start, classes: h * w * c, ops: head },
      outputShape: spec.inputShape,
    },
  };
}
