/**
 * Accuracy predictors. This file only re-exports, in groups:
 * - contracts: AccuracyPredictor, AccuracySample
 * - features: ConfigEncoder, EncoderSpec
 * - predictors (no tfjs): MlpPredictor, DenseLayer, PredictorFile, mlpForward (wasm SIMD or loops)
 * - training (tfjs): trainMlp, fitPredictor, fitQuantAware, quantAwareFromFp32, splitHoldOut,
 *   transferAblation
 * - metrics: predictorMetrics, rmsePp, pairwiseAccuracy, binomialStdErrPp, evaluationNoisePp
 * - datasets: collect, planConfigs, LocalEvaluator, PoolEvaluator, readSamples, loadDataset
 */
export type { AccuracyPredictor, AccuracySample } from './types.js';
export { ConfigEncoder, type EncoderSpec } from './ConfigEncoder.js';
export { MlpPredictor, kPredictorFormat, type DenseLayer, type PredictorFile, type PredictorMeta } from './MlpPredictor.js';
export { trainMlp, initLayers, kDefaultMlpTrainOptions, type MlpTrainOptions, type MlpTrainResult } from './trainMlp.js';
export { fitPredictor, fitWithEncoder, splitHoldOut, type FitResult, type HoldOutSplit } from './fitPredictor.js';
export { fitQuantAware, quantAwareFromFp32, type QuantAwareFitOptions } from './QuantAwarePredictor.js';
export { transferAblation, kDefaultAblationSizes, type TransferAblation, type TransferAblationRow, type TransferAblationOptions } from './transferAblation.js';
export { predictorMetrics, rmsePp, pairwiseAccuracy, binomialStdErrPp, evaluationNoisePp, type PredictorMetrics } from './metrics.js';
export { collect, planConfigs, kDefaultCollectOptions, type CollectOptions, type CollectProgress, type CollectSummary } from './collect.js';
export { LocalEvaluator, PoolEvaluator, type SubnetEvaluator, type PoolEvaluatorOptions } from './SubnetEvaluator.js';
export { evaluateSample, hasBits, scoreLogits, type SampleEvalOptions } from './evaluateSample.js';
export { mlpForward, jsForward, simdForward, simdAvailable, type MlpForward } from './mlpForward.js';
export { readSamples, parseSample, repairTail, loadDataset, type SampleFile } from './samples.js';
