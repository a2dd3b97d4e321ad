/**
 * A method's view of `CompressProblem.evaluate` under its budget: counts the distinct policies
 * the method evaluated (a repeat is answered from its own record and costs nothing), records
 * them in order, keeps the most accurate one within the latency budget and reports progress.
 * The count is the method's own, not `problem.evaluations`, so a run that replays journaled
 * policies counts them exactly as the first run did.
 */
import { mostAccurate } from './methodOptions.js';
import type { CompressMethodName, CompressMethodOptions, CompressOutcome, CompressPolicy, CompressProblem, PolicyResult } from './types.js';

export class BudgetedEvaluator {
  /** Every distinct policy evaluated, in order. */
  readonly history: PolicyResult[] = [];
  private bestResult: PolicyResult | undefined;
  private readonly seen = new Map<string, PolicyResult>();

  constructor(private readonly problem: CompressProblem, private readonly options: CompressMethodOptions) {}

  /** Distinct policies evaluated so far. */
  get used(): number {
    return this.history.length;
  }

  get exhausted(): boolean {
    return this.history.length >= this.options.evaluations;
  }

  /** The most accurate evaluated policy within `options.maxLatencyMs` (ties: the faster, then the earlier). */
  get best(): PolicyResult | undefined {
    return this.bestResult;
  }

  /** The result of a (snapped) policy; undefined when it is new and the budget is spent. */
  async evaluate(policy: CompressPolicy): Promise<PolicyResult | undefined> {
    const key = JSON.stringify(policy);
    const known = this.seen.get(key);
    if (known) return known;
    if (this.exhausted) return undefined;
    const result = await this.problem.evaluate(policy);
    this.seen.set(key, result);
    this.history.push(result);
    if (result.latencyMs <= this.options.maxLatencyMs) this.bestResult = mostAccurate(this.history, this.options.maxLatencyMs);
    this.options.onProgress?.(this.history.length, this.options.evaluations, this.bestResult);
    return result;
  }

  outcome(method: CompressMethodName): CompressOutcome {
    return { method, best: this.bestResult, history: [...this.history] };
  }
}
