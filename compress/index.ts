/**
 * Compressing one trained network. This file only re-exports, in groups:
 * - contracts: CompressProblem, CompressPolicy, PrunableLayer, PolicyResult, CompressMethod,
 *   CompressMethodOptions, CompressOutcome, kCompressMethods (types.ts)
 * - Condensa: CondensaMethod, CondensaOptions, kDefaultCondensaOptions; its schemes (prune,
 *   quantize, compose, kSchemes, schemeByName, schemeGrid, schemePolicy)
 * - evolution: EvolutionMethod, EvolutionMethodOptions, kDefaultEvolutionMethodOptions
 * - Gaussian-process regression: GaussianProcess, GpOptions, kDefaultGpOptions
 * - AMC and Galen (RL agents): AmcMethod, AmcOptions, kDefaultAmcOptions; GalenMethod,
 *   GalenOptions, kDefaultGalenOptions, galenReward; their DDPG agent (DdpgAgent, DdpgOptions,
 *   kDefaultDdpgOptions) and shared loop options (AgentSearchOptions, kDefaultAgentSearchOptions)
 * - the l1/l2 latency surrogate: L1L2Method, L1L2Options, kDefaultL1L2Options
 * - a trained network and its problem: loadCompressible, policySpace, TrainedNetworkProblem,
 *   withParams, createMethod
 * - least-squares weight reconstruction of pruned layers: WeightReconstruction,
 *   ReconstructionOptions, kDefaultReconstructionOptions; the layers it re-solves (convSites)
 */
export * from './types.js';
export { CondensaMethod, kDefaultCondensaOptions, type CondensaOptions, type CondensaOutcome } from './condensa.js';
export {
  prune, quantize, compose, schemePolicy, schemeGrid, schemeByName, kSchemes, kSchemeNames, kMaxGridPoints,
  type Scheme, type SchemeName, type SchemePoint, type LayerSelect, type BlockSelect,
} from './schemes.js';
export { EvolutionMethod, kDefaultEvolutionMethodOptions, type EvolutionMethodOptions, type EvolutionOutcome } from './evolutionMethod.js';
export { GaussianProcess, kDefaultGpOptions, type GpOptions, type GpHyper, type GpPrediction, type KernelName } from './gp.js';
export { AmcMethod, kDefaultAmcOptions, type AmcOptions } from './amc.js';
export { GalenMethod, kDefaultGalenOptions, galenReward, type GalenOptions } from './galen.js';
export { DdpgAgent, kDefaultDdpgOptions, type DdpgOptions, type DdpgUpdate } from './ddpg.js';
export { kDefaultAgentSearchOptions, type AgentSearchOptions } from './rlSearch.js';
export { L1L2Method, kDefaultL1L2Options, type L1L2Options } from './l1l2.js';
export { loadCompressible, type CompressibleNetwork } from './network.js';
export { policySpace, type PolicySpace } from './policySpace.js';
export { TrainedNetworkProblem, withParams, type ProblemData } from './problem.js';
export { WeightReconstruction, kDefaultReconstructionOptions, type ReconstructionOptions } from './reconstruct.js';
export { convSites, type ConvSite } from './convSites.js';
export { createMethod, type MethodContext } from './methods.js';
