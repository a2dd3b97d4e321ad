/**
 * Compressing one trained network. This file only re-exports, in groups:
 * - contracts: CompressProblem, CompressPolicy, PrunableLayer, PolicyResult, CompressMethod,
 *   CompressMethodOptions, CompressOutcome, kCompressMethods (types.ts)
 * - Condensa: CondensaMethod, CondensaOptions, kDefaultCondensaOptions; its schemes (prune,
 *   quantize, compose, kSchemes, schemeByName, schemeGrid, schemePolicy)
 * - evolution: EvolutionMethod, EvolutionMethodOptions, kDefaultEvolutionMethodOptions
 * - Gaussian-process regression: GaussianProcess, GpOptions, kDefaultGpOptions
 */
export * from './types.js';
export { CondensaMethod, kDefaultCondensaOptions, type CondensaOptions, type CondensaOutcome } from './condensa.js';
export {
  prune, quantize, compose, schemePolicy, schemeGrid, schemeByName, kSchemes, kSchemeNames, kMaxGridPoints,
  type Scheme, type SchemeName, type SchemePoint, type LayerSelect, type BlockSelect,
} from './schemes.js';
export { EvolutionMethod, kDefaultEvolutionMethodOptions, type EvolutionMethodOptions, type EvolutionOutcome } from './evolutionMethod.js';
export { GaussianProcess, kDefaultGpOptions, type GpOptions, type GpHyper, type GpPrediction, type KernelName } from './gp.js';
