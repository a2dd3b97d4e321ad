/** Errors of the search that callers may want to tell apart. */
import type { SubnetConfig } from '../space/types.js';

/** `x` rounded up to `digits` significant digits, so a suggested budget is always reachable. */
export function ceilSignificant(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return Math.ceil(x * scale - 1e-9) / scale;
}

/** No config of the space meets a latency budget on a target. */
export class InfeasibleBudgetError<C = SubnetConfig> extends RangeError {
  constructor(
    readonly target: string,
    readonly unit: string,
    readonly maxLatency: number,
    /** The fastest latency a min-latency search reached on the target. */
    readonly fastest: number,
    readonly fastestConfig: C,
  ) {
    const reach = ceilSignificant(fastest);
    super(
      `no config of the search space meets the budget on ${target}: latency <= ${maxLatency} ${unit} was asked, ` +
        `but the fastest the space reaches there is ${reach} ${unit}; raise the budget to at least ${reach} ${unit}`,
    );
    this.name = 'InfeasibleBudgetError';
  }
}
