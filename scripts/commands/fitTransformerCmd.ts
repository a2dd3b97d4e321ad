/** `hwnas fit --space <transformer space>`: the accuracy predictor of SubTransformers from a collected dataset. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TransformerSpace } from '../../space/transformer/types.js';
import { loadTransformerDataset } from '../../predictors/collectTransformers.js';
import { splitHoldOut } from '../../predictors/fitPredictor.js';
import { evaluationNoisePp, predictorMetrics, type PredictorMetrics } from '../../predictors/metrics.js';
import { fitTransformerPredictor } from '../../predictors/TransformerAccuracyPredictor.js';
import type { MlpTrainOptions } from '../../predictors/trainMlp.js';

export interface TransformerFitArgs {
  data: string;
  quantData?: string;
  out: string;
  fraction: number;
  seed: number;
  train: MlpTrainOptions;
}

/** Fits, scores on a held-out part and saves; `line` formats a metrics row as the CNN fit prints it. */
export async function fitTransformerCommand(space: TransformerSpace, args: TransformerFitArgs, line: (label: string, m: PredictorMetrics) => string): Promise<void> {
  if (args.quantData !== undefined) throw new Error('--quant-data is for CNN spaces: SubTransformers are collected in fp32 (their int8 export is dynamic); drop --quant-data');
  const { samples, duplicates, partialBytes } = loadTransformerDataset(args.data, space);
  if (duplicates > 0) console.log(`${args.data}: dropped ${duplicates} duplicate lines (a config already in an earlier line): fitting on ${samples.length} distinct configs`);
  if (partialBytes > 0) console.log(`${args.data}: its last line is incomplete (${partialBytes} bytes) and is left out`);
  const split = splitHoldOut(samples, args.fraction, args.seed);
  if (split.train.length < 3) throw new Error(`${args.data} has ${samples.length} SubTransformers, ${split.train.length} left to train on after the hold-out: collect more with 'hwnas collect --n'`);
  const acc = samples.map((s) => 100 * s.accuracy);
  console.log(`data ${args.data}: ${samples.length} SubTransformers of ${space.name}, val accuracy ${Math.min(...acc).toFixed(2)}-${Math.max(...acc).toFixed(2)}%`);
  const { predictor, train } = await fitTransformerPredictor(space, split.train, args.train);
  const m = predictorMetrics(predictor.predict(split.test.map((s) => s.config)), split.test.map((s) => s.accuracy));
  const noise = evaluationNoisePp(split.test);
  console.log(`transformer predictor (${train.layers.slice(0, -1).map((l) => l.outputs).join('x')}, trained on ${split.train.length}, best epoch ${train.bestEpoch}/${train.epochs}):`);
  console.log(line('  held-out', m));
  console.log(`  evaluation noise on the held-out samples: ${noise.toFixed(3)} pp (binomial standard error of the val accuracy)`);
  Object.assign(predictor.meta, { holdOut: m, holdOutNoisePp: noise, data: args.data });
  mkdirSync(dirname(args.out), { recursive: true });
  predictor.save(args.out);
  console.log(`transformer accuracy predictor: ${args.out}`);
}
