/** Giving a float config bits: the same weight and activation bits in every block. */
import type { ActBits, SearchSpace, SubnetConfig, WeightBits } from '../types.js';
import { blockSlots } from '../space/searchSpace.js';

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
