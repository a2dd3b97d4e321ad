/**
 * Completes a deployed graph once activation ranges are known: uint8 parameters on every quant
 * op, and int32 biases for convolutions whose input and weights are both quantized (the form
 * onnxruntime's QLinearConv takes; a float bias there would be rounded to that grid by
 * onnxruntime anyway).
 */
import type { DeployGraph, DeployOp } from './deployGraph.js';
import { actQuantParams, quantizeBias, type ActQuant } from './fakeQuant.js';

/** Observed value range of one activation site. */
export interface ActRange {
  min: number;
  max: number;
}

/** A copy of `graph` with quantization parameters from `ranges` (one per quant site). */
export function finalizeGraph(graph: DeployGraph, ranges: ReadonlyMap<string, ActRange>): DeployGraph {
  const params = new Map<string, ActQuant>();
  const ops: DeployOp[] = graph.ops.map((op) => {
    if (op.op !== 'quant') return op;
    const range = ranges.get(op.site);
    if (!range) throw new Error(`no calibrated range for activation site '${op.site}': calibrate with the same graph`);
    const qp = actQuantParams(range.min, range.max);
    params.set(op.y, qp);
    return { ...op, qp };
  });
  return {
    ...graph,
    ops: ops.map((op) => {
      if (op.op !== 'conv' || !op.w.quant) return op;
      const input = params.get(op.x);
      if (!input) return op;
      const { quant, dequantized } = quantizeBias(op.b.values, input.scale, op.w.quant.scales);
      return { ...op, b: { values: dequantized, quant, float: op.b.values } };
    }),
  };
}

/** Whether every quant op of `graph` has parameters. */
export function isFinalized(graph: DeployGraph): boolean {
  return graph.ops.every((op) => op.op !== 'quant' || op.qp !== undefined);
}
