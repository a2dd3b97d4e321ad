/**
 * Galen's per-layer sensitivity, reduced to one point per curve: the accuracy lost when only
 * one layer is pruned to about `keep` (pruning sensitivity), and when only one block is
 * quantized to its mildest non-float bits, usually 8 (quantization sensitivity), everything
 * else unchanged. Galen measures 10-point curves per layer; one point each keeps the cost at
 * (layers + blocks) evaluations, which count against the method's budget.
 */
import type { BudgetedEvaluator } from './budgetedEvaluator.js';
import { allowedKeeps, nearest } from './layerState.js';
import type { CompressPolicy, CompressProblem } from './types.js';

export interface Sensitivity {
  /** Whether the probes were evaluated (false: the budget could not afford them, all zeros). */
  measured: boolean;
  /** Accuracy lost per layer when only it is pruned. */
  prune: number[];
  /** Accuracy lost per block when only it is quantized. */
  quant: number[];
}

/** The probe policies: one per prunable layer, then one per block (undefined where nothing changes). */
export function sensitivityProbes(problem: CompressProblem, keep: number, minKeep: number): (CompressPolicy | undefined)[] {
  const below = <T extends number>(bits: readonly T[]): T | undefined => bits.filter((b) => b < 32).at(-1);
  const w = below(problem.weightBits);
  const a = below(problem.actBits);
  const prune = problem.layers.map((l, i) => {
    const k = nearest(allowedKeeps(l, minKeep), keep);
    if (k >= 1) return undefined;
    const p = problem.identity();
    p.keep[i] = k;
    return problem.snap(p);
  });
  const quant = Array.from({ length: problem.blocks }, (_, b) => {
    if (w === undefined && a === undefined) return undefined;
    const p = problem.identity();
    if (w !== undefined) p.wBits[b] = w;
    if (a !== undefined) p.aBits[b] = a;
    return problem.snap(p);
  });
  return [...prune, ...quant];
}

/**
 * Evaluates the probes when they take at most `maxEvaluations` of the budget; otherwise
 * returns zeros without evaluating anything.
 */
export async function measureSensitivity(
  problem: CompressProblem, evaluator: BudgetedEvaluator, probes: readonly (CompressPolicy | undefined)[], maxEvaluations: number,
): Promise<Sensitivity> {
  const layers = problem.layers.length;
  const zeros: Sensitivity = { measured: false, prune: new Array<number>(layers).fill(0), quant: new Array<number>(problem.blocks).fill(0) };
  const needed = new Set(probes.filter((p) => p !== undefined).map((p) => JSON.stringify(p))).size;
  if (needed > maxEvaluations) return zeros;
  const lost: number[] = [];
  for (const p of probes) {
    if (!p) {
      lost.push(0);
      continue;
    }
    const r = await evaluator.evaluate(p);
    if (!r) throw new Error(`unreachable: the budget ran out during the sensitivity probes (${needed} <= ${maxEvaluations})`);
    lost.push(Math.max(0, problem.original.accuracy - r.accuracy));
  }
  return { measured: true, prune: lost.slice(0, layers), quant: lost.slice(layers) };
}
