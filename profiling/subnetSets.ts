/**
 * The whole random subnets a profile is fitted and evaluated on, in precision groups:
 *   fp32  - float configs (no bits);
 *   int8  - every block at 8-bit weights and activations;
 *   mixed - random per-block weight and activation bits.
 * Runtimes that run float graphs only (tfjs) use the fp32 group alone. Draws are seeded and
 * distinct by configKey; an exclusion set keeps evaluation subnets out of the training set.
 */
import { Rng } from '../space/rng.js';
import { blockSlots, canonicalConfig, configKey, sampleConfig } from '../space/searchSpace.js';
import type { ActBits, SearchSpace, SubnetConfig, WeightBits } from '../space/types.js';

export const kSubnetGroups = Object.freeze(['fp32', 'int8', 'mixed'] as const);
export type SubnetGroup = (typeof kSubnetGroups)[number];

/** The groups a runtime is measured on. */
export function subnetGroups(bits: boolean): SubnetGroup[] {
  return bits ? [...kSubnetGroups] : ['fp32'];
}

function highestUpTo<T extends number>(choices: readonly T[], limit: number): T {
  const fitting = choices.filter((c) => c <= limit);
  return fitting.length > 0 ? fitting[fitting.length - 1] : choices[0];
}

/** One random config of `group`. */
export function sampleGroupConfig(space: SearchSpace, rng: Rng, group: SubnetGroup): SubnetConfig {
  if (group === 'fp32') return sampleConfig(space, rng, { quant: 'fp32' });
  const cfg = sampleConfig(space, rng, { quant: 'mixed' });
  if (group === 'mixed') return cfg;
  const n = blockSlots(space).length;
  cfg.wBits = new Array<WeightBits>(n).fill(highestUpTo(space.quant.weightBits, 8));
  cfg.aBits = new Array<ActBits>(n).fill(highestUpTo(space.quant.actBits, 8));
  return canonicalConfig(space, cfg);
}

/** The group a config belongs to. */
export function groupOf(space: SearchSpace, cfg: SubnetConfig): SubnetGroup {
  if (cfg.wBits === undefined || cfg.aBits === undefined) return 'fp32';
  const uniform = sampleGroupConfig(space, new Rng(0), 'int8');
  const w8 = uniform.wBits![0];
  const a8 = uniform.aBits![0];
  const active = blockSlots(space).filter((s) => s.block < cfg.depths[s.stage]);
  return active.every((s) => cfg.wBits![s.slot] === w8 && cfg.aBits![s.slot] === a8) ? 'int8' : 'mixed';
}

/**
 * `n` distinct configs of `group` from `seed`, skipping keys in `exclude`. Throws when the
 * space cannot supply them (after a bounded number of draws).
 */
export function sampleSubnets(space: SearchSpace, group: SubnetGroup, n: number, seed: number, exclude: ReadonlySet<string> = new Set()): SubnetConfig[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: SubnetConfig[] = [];
  const maxDraws = 50 * n + 1000;
  for (let draws = 0; out.length < n; draws++) {
    if (draws >= maxDraws) {
      throw new Error(`drew ${maxDraws} ${group} configs of space '${space.name}' but found only ${out.length} distinct new ones of the ${n} asked for: ask for fewer subnets`);
    }
    const cfg = sampleGroupConfig(space, rng, group);
    const key = configKey(space, cfg);
    if (seen.has(key) || exclude.has(key)) continue;
    seen.add(key);
    out.push(cfg);
  }
  return out;
}

/** Splits `total` subnets over `groups` as evenly as possible (earlier groups get the remainder). */
export function splitCount(total: number, groups: number): number[] {
  return Array.from({ length: groups }, (_, g) => Math.floor(total / groups) + (g < total % groups ? 1 : 0));
}
