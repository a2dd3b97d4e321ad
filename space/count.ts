/**
 * How many distinct subnets a space holds. Two configs are the same subnet when their
 * canonical forms are equal (skipped slots carry no meaning), so a stage with per-block choice
 * count c contributes sum over its depths d of c^d, times the number of width ratios.
 * The space checks in `schema.ts` reject spaces where two choices give the same channel
 * count, which is what makes this count exact.
 */
import type { SearchSpace } from './types.js';
import { kDefaultQuantOptions, type QuantOptions } from './searchSpace.js';

/** Choices per active block: kernel x expand (x weight bits x activation bits if mixed). */
function choicesPerBlock(space: SearchSpace, options: QuantOptions | undefined): bigint {
  const { quant } = { ...kDefaultQuantOptions, ...options };
  let c = BigInt(space.kernels.length * space.expands.length);
  if (quant === 'mixed') c *= BigInt(space.quant.weightBits.length * space.quant.actBits.length);
  return c;
}

/** The exact number of distinct subnets (fp32 by default, or with per-block bits). */
export function countSubnetsExact(space: SearchSpace, options?: QuantOptions): bigint {
  const c = choicesPerBlock(space, options);
  const ratios = BigInt(space.widthRatios.length);
  let total = 1n;
  for (const stage of space.stages) {
    let perStage = 0n;
    for (const d of stage.depths) perStage += c ** BigInt(d);
    total *= perStage * ratios;
  }
  return total;
}

/** The number of distinct subnets as a float (exact below 2^53). */
export function countSubnets(space: SearchSpace, options?: QuantOptions): number {
  return Number(countSubnetsExact(space, options));
}

/** `123456` below a million, else three significant digits: `2.05e+19`. */
export function formatCount(count: bigint | number): string {
  const n = typeof count === 'bigint' ? Number(count) : count;
  return n < 1e6 ? String(count) : n.toExponential(2);
}
