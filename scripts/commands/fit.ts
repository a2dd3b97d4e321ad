/**
 * `hwnas fit`: trains the fp32 accuracy predictor (and, given quantized samples, the
 * quantization-aware one by transfer) and prints held-out metrics next to the evaluation noise.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { addBackendOption, type CommonOptions } from '../options.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { startBackend } from '../runtime.js';
import { resolveSpace } from '../../supernet/io.js';
import type { SearchSpace } from '../../space/types.js';
import type { AccuracySample } from '../../predictors/types.js';
import { loadDataset } from '../../predictors/samples.js';
import { fitPredictor, splitHoldOut } from '../../predictors/fitPredictor.js';
import { fitQuantAware } from '../../predictors/QuantAwarePredictor.js';
import { transferAblation, kDefaultAblationSizes } from '../../predictors/transferAblation.js';
import { evaluationNoisePp, predictorMetrics, type PredictorMetrics } from '../../predictors/metrics.js';
import { kDefaultMlpTrainOptions, type MlpTrainOptions } from '../../predictors/trainMlp.js';
import type { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { resolveTransformerSpace } from '../../supernet/transformer/io.js';
import { fitTransformerCommand } from './fitTransformerCmd.js';

interface FitCliOptions extends CommonOptions {
  data: string;
  quantData?: string;
  out: string;
  quantOut?: string;
  space: string;
  testFraction: string;
  seed: string;
  hidden: string;
  lr: string;
  batchSize: string;
  epochs: string;
  patience: string;
  sizes: string;
  force?: boolean;
}

function positive(name: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'} (got '${value}')`);
  return n;
}

function intList(name: string, value: string): number[] {
  return value.split(',').map((v) => positive(name, v.trim(), true));
}

function metricsLine(label: string, m: PredictorMetrics): string {
  return `${label.padEnd(22)} RMSE ${m.rmsePp.toFixed(3)} pp  MAE ${m.maePp.toFixed(3)} pp  Kendall tau ${m.kendallTau.toFixed(3)}  ` +
    `Spearman ${m.spearman.toFixed(3)}  pairwise ${(100 * m.pairwiseAccuracy).toFixed(1)}%  (n ${m.n})`;
}

function score(predictor: MlpPredictor, test: readonly AccuracySample[]): PredictorMetrics {
  return predictorMetrics(predictor.predict(test.map((s) => s.config)), test.map((s) => s.accuracy));
}

function describeSet(name: string, samples: readonly AccuracySample[]): string {
  const acc = samples.map((s) => 100 * s.accuracy);
  return `${name}: ${samples.length} samples, val accuracy ${Math.min(...acc).toFixed(2)}-${Math.max(...acc).toFixed(2)}%, ` +
    `binomial standard error ${evaluationNoisePp(samples).toFixed(3)} pp (RMS over samples)`;
}

function quantOutPath(out: string): string {
  return out.endsWith('.json') ? `${out.slice(0, -5)}.quant.json` : `${out}.quant`;
}

/** A dataset's samples (each config once), saying what was left out. */
function loadFitData(path: string, space: SearchSpace): AccuracySample[] {
  const { samples, duplicates, partialBytes } = loadDataset(path, space);
  if (duplicates > 0) {
    console.log(`${path}: dropped ${duplicates} duplicate line${duplicates === 1 ? '' : 's'} (a config already in an earlier line; two collect runs on one file?): fitting on ${samples.length} distinct configs`);
  }
  if (partialBytes > 0) {
    console.log(`${path}: its last line is incomplete (${partialBytes} bytes without a newline, left by an interrupted write) and is left out; ` +
      `'hwnas collect --out ${path}' with the same settings cuts it off and re-evaluates that config`);
  }
  return samples;
}

async function fitQuantized(
  space: SearchSpace, fp32: MlpPredictor, path: string, samples: AccuracySample[], out: string, train: MlpTrainOptions, sizes: number[], fraction: number, seed: number,
): Promise<void> {
  const split = splitHoldOut(samples, fraction, seed);
  console.log(describeSet(`quantized data ${path}`, samples));
  console.log(`transfer ablation (quantization-aware predictor, scored on ${split.test.length} held-out quantized samples):`);
  const ablation = await transferAblation(space, fp32, split.train, split.test, {
    sizes, train, seed,
    onRow: (row) => {
      console.log(metricsLine(`  ${row.size} scratch`, row.scratch));
      console.log(metricsLine(`  ${row.size} transfer`, row.transfer));
    },
  });
  if (ablation.skipped.length > 0) {
    console.log(`  skipped sizes ${ablation.skipped.join(', ')}: only ${split.train.length} quantized training samples`);
  }
  const final = await fitQuantAware(space, split.train, { ...train, from: fp32 });
  const m = score(final.predictor, split.test);
  console.log(metricsLine(`transfer, all ${split.train.length}`, m));
  Object.assign(final.predictor.meta, { holdOut: m, holdOutNoisePp: evaluationNoisePp(split.test), data: path });
  mkdirSync(dirname(out), { recursive: true });
  final.predictor.save(out);
  console.log(`quantization-aware predictor: ${out}`);
}

export function registerFit(program: Command): void {
  const d = kDefaultMlpTrainOptions;
  const cmd = program
    .command('fit')
    .description('train accuracy predictors on collected samples; print RMSE, Kendall tau and pairwise ranking accuracy on a held-out part next to the evaluation noise')
    .requiredOption('--data <path>', "fp32 dataset from 'hwnas collect --quant fp32'")
    .option('--quant-data <path>', "quantized dataset from 'hwnas collect --quant mixed': also fit the quantization-aware predictor and run the transfer ablation")
    .requiredOption('--out <path>', 'fp32 predictor file (JSON)')
    .option('--quant-out <path>', 'quantization-aware predictor file (default: <out>.quant.json)')
    .option('--force', 'replace existing predictor files')
    .option('--space <name|file>', 'search space the samples come from (a transformer space, e.g. fashion-vit, for a SuperTransformer\'s dataset)', 'fashion-mbv3')
    .option('--test-fraction <x>', 'share of each dataset held out for the metrics', '0.2')
    .option('--seed <n>', 'seed of the hold-out split and of training', String(d.seed))
    .option('--hidden <widths>', 'hidden layer widths', d.hidden.join(','))
    .option('--lr <x>', 'Adam learning rate', String(d.lr))
    .option('--batch-size <n>', 'samples per step', String(d.batchSize))
    .option('--epochs <n>', 'maximum epochs', String(d.maxEpochs))
    .option('--patience <n>', 'early stopping: epochs without a better held-out error', String(d.patience))
    .option('--sizes <list>', 'quantized training-set sizes of the transfer ablation', kDefaultAblationSizes.join(','));
  addBackendOption(cmd);
  cmd.action(async (opts: FitCliOptions) => {
    const vit = resolveTransformerSpace(opts.space);
    const fraction = positive('test-fraction', opts.testFraction, false);
    if (fraction >= 1) throw new Error(`--test-fraction must be below 1 (got '${opts.testFraction}')`);
    const seed = Number(opts.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer (got '${opts.seed}')`);
    const train: MlpTrainOptions = {
      hidden: intList('hidden', opts.hidden),
      lr: positive('lr', opts.lr, false),
      batchSize: positive('batch-size', opts.batchSize, true),
      maxEpochs: positive('epochs', opts.epochs, true),
      patience: positive('patience', opts.patience, true),
      seed,
    };
    if (vit !== undefined) {
      checkOutputPath(opts.out, { kind: 'file', existing: opts.force === true ? 'replace' : 'refuse' });
      await startBackend(opts);
      await fitTransformerCommand(vit, { data: opts.data, quantData: opts.quantData, out: opts.out, fraction, seed, train }, metricsLine);
      return;
    }
    const space = resolveSpace(opts.space);
    const sizes = intList('sizes', opts.sizes);
    const quantOut = opts.quantOut ?? quantOutPath(opts.out);
    const existing = opts.force === true ? 'replace' : 'refuse';
    checkOutputPath(opts.out, { kind: 'file', existing });
    if (opts.quantData) checkOutputPath(quantOut, { kind: 'file', flag: '--quant-out', existing });
    // Both datasets are read (and checked) before any training.
    const samples = loadFitData(opts.data, space);
    const quantSamples = opts.quantData === undefined ? undefined : loadFitData(opts.quantData, space);
    if (quantSamples?.some((s) => s.config.wBits === undefined)) {
      throw new Error(`${opts.quantData} holds fp32 samples (configs without bits): --quant-data takes a 'hwnas collect --quant mixed' dataset`);
    }
    await startBackend(opts);
    const split = splitHoldOut(samples, fraction, seed);
    console.log(describeSet(`fp32 data ${opts.data}`, samples));
    const fit = await fitPredictor(space, split.train, train);
    const m = score(fit.predictor, split.test);
    const noise = evaluationNoisePp(split.test);
    console.log(`fp32 predictor (${fit.predictor.hidden.join('x')}, trained on ${split.train.length}, best epoch ${fit.train.bestEpoch}/${fit.train.epochs}):`);
    console.log(metricsLine('  held-out', m));
    console.log(`  evaluation noise on the held-out samples: ${noise.toFixed(3)} pp (binomial standard error of the val accuracy)`);
    Object.assign(fit.predictor.meta, { holdOut: m, holdOutNoisePp: noise, data: opts.data });
    mkdirSync(dirname(opts.out), { recursive: true });
    fit.predictor.save(opts.out);
    console.log(`fp32 predictor: ${opts.out}`);
    if (opts.quantData && quantSamples) {
      await fitQuantized(space, fit.predictor, opts.quantData, quantSamples, quantOut, train, sizes, fraction, seed);
    }
  });
}
