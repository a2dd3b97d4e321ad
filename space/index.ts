/**
 * The search space as data and its exact accounting. Groups:
 * - validation at the boundary: parseSearchSpace, parseConfig, schemas, SpaceValidationError
 * - the space: blockSlots, isActiveSlot, sampleConfig, largestConfig, smallestConfig,
 *   canonicalConfig, configKey
 * - counting: countSubnets, countSubnetsExact, formatCount
 * - lowering and cost: layersOf, macs, params, bitOps, modelBytes
 * - channel arithmetic: makeDivisible, keptChannels, stageChannels, midChannels, squeezeChannels
 * - built-in spaces: fashionMbv3, kSpaces, spaceByName
 */
export {
  parseSearchSpace, parseConfig, configProblems, searchSpaceSchema, subnetConfigSchema, stageSpecSchema,
  SpaceValidationError,
} from './schema.js';
export { spaceProblems } from './spaceChecks.js';
export {
  blockSlots, isActiveSlot, sampleConfig, largestConfig, smallestConfig, canonicalConfig, configKey,
  kDefaultQuantOptions, type BlockSlot, type QuantMode, type QuantOptions,
} from './searchSpace.js';
export { countSubnets, countSubnetsExact, formatCount } from './count.js';
export { layersOf, macs, params, bitOps, modelBytes } from './layers.js';
export { makeDivisible, keptChannels, stageChannels, midChannels, squeezeChannels, kChannelDivisor } from './channels.js';
export { fashionMbv3, kSpaces, kDefaultSpaceName, spaceByName, type SpaceName } from './defaultSpace.js';
