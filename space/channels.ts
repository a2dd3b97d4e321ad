/**
 * Channel arithmetic shared by the lowering, the space checks and the supernet layers, so
 * that every part of the system agrees on how many channels a choice gives.
 */
import type { BlockFamily, SearchSpace } from './types.js';

/** Channel counts are multiples of this. */
export const kChannelDivisor = 8;

/**
 * OFA's `make_divisible`: rounds `value` to the nearest multiple of `divisor`, never below
 * `minValue` (default `divisor`) and never more than 10% below `value`.
 */
export function makeDivisible(value: number, divisor = kChannelDivisor, minValue = divisor): number {
  let rounded = Math.max(minValue, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** Channels kept from `width` at width keep ratio `ratio`. */
export function keptChannels(width: number, ratio: number): number {
  return makeDivisible(width * ratio);
}

/** Output channels of every block of stage `stage` at width keep ratio `ratio`. */
export function stageChannels(space: SearchSpace, stage: number, ratio: number): number {
  return keptChannels(space.stages[stage].width, ratio);
}

/** Middle (expanded) channels of an inverted residual block reading `inC` channels. */
export function midChannels(inC: number, expand: number): number {
  return makeDivisible(Math.round(inC * expand));
}

/** Squeeze channels of a squeeze-and-excitation unit on `mid` channels. */
export function squeezeChannels(mid: number): number {
  return makeDivisible(mid / 4);
}

/**
 * Middle channels of a block of `family` reading `inC` and writing `outC` channels: mbconv and
 * fused expand their input, resnet its output; plain has no middle, so its one convolution's
 * output stands in (`outC`, whatever `expand`).
 */
export function familyMidChannels(family: BlockFamily, inC: number, outC: number, expand: number): number {
  switch (family) {
    case 'mbconv':
    case 'fused':
      return midChannels(inC, expand);
    case 'resnet':
      return midChannels(outC, expand);
    case 'plain':
      return outC;
  }
}

/** Output channels of the stem at the first stage's width ratio `ratio` (fixed unless `stem.widthFromStage`). */
export function stemChannels(space: SearchSpace, ratio: number): number {
  return space.stem.widthFromStage === true ? keptChannels(space.stem.width, ratio) : space.stem.width;
}
