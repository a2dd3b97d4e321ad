/**
 * The transformer spaces (HAT's SuperTransformer as a ViT classifier). Groups:
 * - types: TransformerSpace, TransformerConfig, isTransformerJson
 * - validation at the boundary: parseTransformerSpace, parseTransformerConfig
 * - the space: largestTransformer, smallestTransformer, sampleTransformer, transformerConfigKey,
 *   countTransformersExact
 * - cost: transformerCost, tokenCount, hiddenUnits
 * - built-in spaces: fashionVit, kTransformerSpaces, transformerSpaceByName
 */
export { isTransformerJson, kTokenPools, type TokenPool, type TransformerConfig, type TransformerSpace } from './types.js';
export {
  parseTransformerSpace, parseTransformerConfig, transformerSpaceProblems, transformerConfigProblems,
  transformerSpaceSchema, transformerConfigSchema,
} from './schema.js';
export { largestTransformer, smallestTransformer, sampleTransformer, transformerConfigKey, countTransformersExact, distinctTransformers } from './configs.js';
export { transformerCost, layerCost, tokenCount, hiddenUnits, type TransformerCost } from './cost.js';
export { fashionVit, kTransformerSpaces, isTransformerSpaceName, transformerSpaceByName } from './fashionVit.js';
