/** Synthetic accuracy samples with a known structure, for predictor tests. */
import type { AccuracySample } from '../../predictors/types.js';
import { Rng } from '../../space/rng.js';
import { blockSlots, configStemStride, hasFamilyGenes, sampleConfig, spaceFamilies, stageFamily, type QuantMode } from '../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';

/** Accuracy lost per active block by weight bit-width. */
export const kWeightBitPenalty: Readonly<Record<number, number>> = { 4: 0.02, 6: 0.008, 8: 0.002, 32: 0 };

/**
 * A smooth accuracy: larger kernels, expands and widths and more blocks help (with an
 * interaction between kernel and expand), low weight bits hurt. In a space with block
 * families the expand index is read in the stage's family, each later family adds more per
 * block and a stem stride of 1 adds a little (a family x expand interaction included).
 */
export function syntheticAccuracy(space: SearchSpace, cfg: SubnetConfig): number {
  let acc = 0.7;
  const families = hasFamilyGenes(space);
  for (const s of blockSlots(space)) {
    if (s.block >= cfg.depths[s.stage]) continue;
    const family = stageFamily(space, cfg, s.stage);
    const k = space.kernels.indexOf(cfg.kernels[s.slot]);
    const e = family.expands.indexOf(cfg.expands[s.slot]);
    acc += 0.01 + 0.006 * k + 0.004 * e + 0.003 * k * e;
    if (families) acc += 0.004 * spaceFamilies(space).indexOf(family) * (1 + 0.5 * e);
    if (cfg.wBits) acc -= kWeightBitPenalty[cfg.wBits[s.slot]];
  }
  cfg.widths.forEach((w) => (acc += 0.03 * w));
  if (families && configStemStride(space, cfg) === 1) acc += 0.01;
  return acc;
}

export function syntheticSamples(space: SearchSpace, n: number, seed: number, quant: QuantMode = 'fp32'): AccuracySample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const config = sampleConfig(space, rng, { quant });
    return { config, accuracy: syntheticAccuracy(space, config), loss: 0.5, n: 10_000, seconds: 1 };
  });
}
