/**
 * hwnas: hardware-aware neural architecture search and compression. This file only
 * re-exports the public API, in groups:
 * - backend: initBackend, backendInfo (tfjs backend selection and custom kernels)
 * - data: loadFashionMnist, fillBatch, batchIndices, trainBatches, evalBatches
 * - search space: parseSearchSpace, parseConfig, sampleConfig, largestConfig, smallestConfig,
 *   countSubnets, layersOf, macs, params, bitOps, modelBytes, subnetPlan, fashionMbv3
 * - supernet: Supernet, Subnet, extract, calibrateBatchNorm, evaluateConfig, loadSupernet,
 *   SupernetTrainer, DataParallelTrainer
 * - quantization and export: quantizeSubnet, QuantizedSubnet, withUniformBits, fineTuneQuantized,
 *   exportSubnet, exportConfig, toOnnx, loadTfjsModel
 * - hardware: measureLatency, device specs, RooflineModel, target registry, onnxruntime sessions,
 *   latency profiles (ProfileLatencyModel, loadLatencyProfile, profileDevice, evaluateProfile)
 * - predictors: contracts in predictors/types.ts
 * - evolution: EvolutionFinder (full or bits-only genome), FitnessPool, InfeasibleBudgetError,
 *   baselines (randomSearch, handMadeFamily, bestWithin), NSGA-II helpers, result types
 * - transformers (HAT's SuperTransformer as a ViT): the space (space/transformer/index.ts),
 *   SuperTransformer, transformerTrainingNet, kTransformerRecipe, loadSuperTransformer,
 *   exportTransformer, transformerToOnnx; their latency (transformerParts, transformerFeatures,
 *   TransformerTableModel, loadTransformerProfile, TransformerLatencyMlp, profileTransformerDevice,
 *   evaluateTransformerProfile), accuracy predictor (TransformerEncoder,
 *   TransformerAccuracyPredictor, collectTransformers), search (TransformerEvolutionFinder,
 *   runTransformerSearch, verifyTransformerResults, timeTransformerExport) and the demo's job
 *   (transformerBudgets, searchAndVerifyTransformers)
 * - compression of a trained network: compress/index.ts (its policy space and problem, AMC,
 *   Galen, Condensa, the l1/l2 surrogate, evolution) and the job runCompress
 * - utilities: Rng
 */
export { initBackend, backendInfo, type BackendInfo, type BackendName } from './supernet/backend/backend.js';
export { loadFashionMnist, resolveFashionMnistDir } from './supernet/data/fashionMnist.js';
export type { DataSplit, FashionMnist, ImageSet } from './supernet/data/types.js';
export { fillBatch, batchIndices } from './supernet/data/batches.js';
export { trainBatches, evalBatches } from './supernet/data/tensorBatches.js';
export * from './space/index.js';
export { subnetPlan, type SubnetPlan, type BlockPlan } from './space/plan.js';
export type { SearchSpace, SubnetConfig, WeightBits, ActBits } from './space/types.js';
export { Supernet } from './supernet/Supernet.js';
export { Subnet } from './supernet/Subnet.js';
export { extract, extractWithStats, calibrateBatchNorm } from './supernet/extract.js';
export { calibrationSet, evaluateConfig, evaluateOn, type EvalResult } from './supernet/evaluate.js';
export { loadSupernet, resolveConfig, resolveSpace } from './supernet/io.js';
export { SupernetTrainer } from './supernet/train/SupernetTrainer.js';
export { kDefaultTrainOptions, type TrainOptions, type PhaseSpec } from './supernet/train/schedule.js';
export type { EpochRecord } from './supernet/train/trainTypes.js';
export { DataParallelTrainer } from './supernet/train/dataParallel.js';
export { quantizeSubnet, floatSubnet, withDefaultBits, QuantizedSubnet } from './supernet/quant/QuantizedSubnet.js';
export { withUniformBits } from './space/bits.js';
export { fineTuneQuantized, type FineTuneOptions } from './supernet/quant/fineTune.js';
export type { RangeMethod, RangeOptions } from './supernet/quant/calibrateRanges.js';
export { exportSubnet, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './supernet/export/exportSubnet.js';
export { exportConfig, type ConfigExportOptions } from './supernet/export/exportConfig.js';
export { toOnnx, type OnnxWeightType } from './supernet/export/onnx/toOnnx.js';
export { loadTfjsModel } from './supernet/export/tfjs/loadTfjsModel.js';
export { createSession, cachedSession, releaseCachedSessions, OrtSession, type OrtSessionOptions } from './profiling/ort.js';
export { measureLatency, type Measurement, type MeasureOptions } from './profiling/measure.js';
export { loadDeviceSpec, listDeviceSpecs } from './latency/deviceSpec.js';
export { RooflineModel } from './latency/roofline.js';
export { ProfileLatencyModel } from './latency/ProfileLatencyModel.js';
export { loadLatencyProfile, parseLatencyProfile, type LatencyProfile } from './latency/latencyProfile.js';
export { latencyParts, type LatencyPart } from './latency/latencyParts.js';
export { profileDevice, kDefaultProfileOptions, type ProfileOptions, type ProfileRun } from './profiling/profileDevice.js';
export { evaluateProfile, type EvaluateOptions, type ProfileEvaluation } from './profiling/evaluateProfile.js';
export { createBenchRuntime, type BenchRuntime } from './profiling/benchRuntime.js';
export { getTarget, listTargets, parseTargetSpec, resolveTarget, createTargetModel, type ResolvedTarget } from './latency/targets.js';
export type { LayerDesc } from './space/layerDesc.js';
export type { LatencyModel } from './latency/types.js';
export type { AccuracyPredictor, AccuracySample } from './predictors/types.js';
export {
  EvolutionFinder, FitnessPool, InfeasibleBudgetError, kDefaultSearchOptions, kDefaultFitnessPoolOptions,
  fullGenome, bitsGenome, randomSearch, handMadeFamily, bestWithin,
  nonDominatedSort, crowdingDistance, selectSurvivors, paretoFront2d,
  type SearchOptions, type FitnessPoolOptions, type SearchGenome, type RandomSearchOptions, type FamilyOptions, type UniformBits,
} from './evolution/index.js';
export type {
  Fitness, FitnessSpec, PredictorSpec, LatencyBudget, TargetInfo, Scores, ScoredConfig, SearchResult, ParetoResult,
  FastestResult, GenerationStats, BaselineResult,
} from './evolution/types.js';
export { Rng } from './space/rng.js';
export * from './space/transformer/index.js';
export { SuperTransformer } from './supernet/transformer/SuperTransformer.js';
export { transformerTrainingNet, transformerStepConfigs, kTransformerRecipe } from './supernet/transformer/trainingNet.js';
export { loadSuperTransformer, resolveTransformerSpace, resolveTransformerConfig } from './supernet/transformer/io.js';
export { exportTransformer, type TransformerExportOptions, type TransformerExportResult } from './supernet/transformer/exportTransformer.js';
export { transformerToOnnx } from './supernet/export/onnx/transformerToOnnx.js';
export { transformerParts, transformerPartVariants, transformerTableSum } from './latency/transformer/transformerParts.js';
export { transformerFeatures, transformerFeatureNames } from './latency/transformer/transformerFeatures.js';
export { TransformerTableModel } from './latency/transformer/TransformerTableModel.js';
export { loadTransformerProfile, parseTransformerProfile, type TransformerProfile } from './latency/transformer/transformerProfile.js';
export type { TransformerLatencyModel, TransformerLatencyKind } from './latency/transformer/types.js';
export { TransformerLatencyMlp, fitTransformerLatencyMlp } from './predictors/TransformerLatencyMlp.js';
export { TransformerEncoder } from './predictors/TransformerEncoder.js';
export { TransformerAccuracyPredictor, fitTransformerPredictor } from './predictors/TransformerAccuracyPredictor.js';
export { collectTransformers, loadTransformerDataset } from './predictors/collectTransformers.js';
export { TransformerEvolutionFinder, type TransformerFitness } from './evolution/TransformerEvolutionFinder.js';
export { profileTransformerDevice, evaluateTransformerProfile, transformerLatencyModel } from './pipeline/transformerProfile.js';
export { runTransformerSearch, readTransformerResult } from './pipeline/transformerSearch.js';
export { verifyTransformerResults, timeTransformerExport } from './pipeline/transformerVerify.js';
export { transformerBudgets, searchAndVerifyTransformers } from './pipeline/transformerDemo.js';
export type { TrainingNet, NetSpace } from './supernet/train/trainingNet.js';
export * from './compress/index.js';
export { runCompress, kDefaultCompressOptions, type CompressJob, type CompressOptions, type CompressReport } from './pipeline/compress.js';
