/**
 * What every compression method does with its `CompressMethodOptions` and its history: checks
 * that name the option, and the outcome's `best` (the most accurate evaluated policy within the
 * latency budget).
 */
import type { CompressMethodOptions, PolicyResult } from './types.js';

/** Throws a RangeError naming the first bad option. */
export function checkMethodOptions(options: CompressMethodOptions): void {
  if (!(options.maxLatencyMs > 0 && Number.isFinite(options.maxLatencyMs))) {
    throw new RangeError(`options.maxLatencyMs must be a positive number of milliseconds (got ${options.maxLatencyMs})`);
  }
  if (!Number.isInteger(options.evaluations) || options.evaluations <= 0) {
    throw new RangeError(`options.evaluations must be a positive integer (got ${options.evaluations})`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0) {
    throw new RangeError(`options.seed must be a non-negative integer (got ${options.seed})`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new RangeError('options.onProgress must be a function (done, total, best) or undefined');
  }
}

/** The most accurate result within `maxLatencyMs` (ties: the faster, then the earlier); undefined when none is. */
export function mostAccurate(results: readonly PolicyResult[], maxLatencyMs: number): PolicyResult | undefined {
  let best: PolicyResult | undefined;
  for (const r of results) {
    if (r.latencyMs > maxLatencyMs) continue;
    if (!best || r.accuracy > best.accuracy || (r.accuracy === best.accuracy && r.latencyMs < best.latencyMs)) best = r;
  }
  return best;
}
