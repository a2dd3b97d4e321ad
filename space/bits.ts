/** Giving a float config bits, and which model a config with bits deploys as. */
import { kFloatBits, type ActBits, type SearchSpace, type SubnetConfig, type WeightBits } from './types.js';
import { blockSlots } from './searchSpace.js';

/**
 * A copy of `cfg` with every block at `w` weight bits and `a` activation bits (stem and
 * classifier take the space's fixed bits). Throws when the space does not offer them.
 */
export function withUniformBits(space: SearchSpace, cfg: SubnetConfig, w: WeightBits, a: ActBits): SubnetConfig {
  if (!space.quant.weightBits.includes(w)) throw new RangeError(`weight bits ${w} are not one of the space's quant.weightBits [${space.quant.weightBits.join(', ')}]`);
  if (!space.quant.actBits.includes(a)) throw new RangeError(`activation bits ${a} are not one of the space's quant.actBits [${space.quant.actBits.join(', ')}]`);
  const n = blockSlots(space).length;
  return { ...cfg, wBits: new Array<WeightBits>(n).fill(w), aBits: new Array<ActBits>(n).fill(a) };
}

/** Whether `space` offers float blocks (32-bit weights and activations) in its bit choices. */
export function hasFloatBits(space: SearchSpace): boolean {
  return space.quant.weightBits.includes(kFloatBits as WeightBits) && space.quant.actBits.includes(kFloatBits as ActBits);
}

/**
 * The model a config deploys as. A config whose running blocks all keep 32-bit weights and
 * activations quantizes nothing, so its stem and classifier run float too: it is the float
 * model and loses its bits. Any other config is returned as it is. This makes the float model
 * a member of the joint genome (the all-32 corner) rather than a separate search.
 */
export function deployedConfig(space: SearchSpace, cfg: SubnetConfig): SubnetConfig {
  const { wBits, aBits, ...float } = cfg;
  if (wBits === undefined || aBits === undefined) return cfg;
  for (const s of blockSlots(space)) {
    if (s.block < cfg.depths[s.stage] && (wBits[s.slot] < kFloatBits || aBits[s.slot] < kFloatBits)) return cfg;
  }
  return float;
}
