/**
 * The accuracy predictor of a transformer space: OFA's MLP (trainMlp.ts, mlpForward.ts) on the
 * one-hot features of TransformerEncoder.ts, predicting val top-1 accuracy (a fraction) of many
 * SubTransformers at once. Saved as JSON (format 'hwnas-transformer-accuracy-predictor'), weights
 * as base64 float32 like the CNN predictor files.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';
import { readFailure } from '../util/fsErrors.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { float32FromBase64, float32ToBase64 } from '../util/float32Base64.js';
import { mlpForward, type DenseLayer, type MlpForward } from './mlpForward.js';
import type { PredictorMeta } from './MlpPredictor.js';
import { TransformerEncoder } from './TransformerEncoder.js';
import { trainMlp, type MlpTrainOptions, type MlpTrainResult } from './trainMlp.js';
import type { TransformerSample } from './types.js';

export const kTransformerPredictorFormat = 'hwnas-transformer-accuracy-predictor';

const posInt = z.number().int().positive();
const choices = z.array(z.number()).min(1);
const fileSchema = z.strictObject({
  format: z.literal(kTransformerPredictorFormat),
  version: z.literal(1),
  encoder: z.strictObject({ embedDims: choices, layers: posInt, heads: choices, mlpRatios: choices }),
  layers: z.array(z.strictObject({ inputs: posInt, outputs: posInt, weights: z.string(), bias: z.string() })).min(1),
  meta: z.record(z.string(), z.unknown()),
});

export class TransformerAccuracyPredictor {
  private forward: MlpForward | undefined;

  constructor(readonly encoder: TransformerEncoder, readonly layers: readonly DenseLayer[], readonly meta: PredictorMeta = {}) {
    let width = encoder.dim;
    layers.forEach((l, i) => {
      if (l.inputs !== width) throw new Error(`layer ${i} takes ${l.inputs} inputs but receives ${width}`);
      width = l.outputs;
    });
    if (width !== 1) throw new Error(`the last layer must have one output (got ${width})`);
  }

  predict(configs: readonly TransformerConfig[]): Float64Array {
    if (configs.length === 0) return new Float64Array(0);
    this.forward ??= mlpForward(this.layers);
    return Float64Array.from(this.forward(this.encoder.encodeBatch(configs), configs.length));
  }

  toJSON(): z.infer<typeof fileSchema> {
    return {
      format: kTransformerPredictorFormat, version: 1, encoder: structuredClone(this.encoder.spec),
      layers: this.layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weights: float32ToBase64(l.weights), bias: float32ToBase64(l.bias) })),
      meta: this.meta,
    };
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /** Loads a predictor file; with `space`, checks that it encodes that space's SubTransformers. */
  static load(path: string, space?: TransformerSpace): TransformerAccuracyPredictor {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw readFailure('predictor', path, err, 'give the file hwnas fit wrote');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`predictor ${path} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new Error(`predictor ${path} is not a transformer accuracy predictor (format '${kTransformerPredictorFormat}', version 1):\n  ${issues.join('\n  ')}\nfit one with 'hwnas fit --space SPACE --data DATASET'`);
    }
    const file = parsed.data;
    const encoder = new TransformerEncoder(file.encoder);
    if (space !== undefined && !encoder.sameAs(TransformerEncoder.forSpace(space))) {
      throw new Error(`predictor ${path} was trained for another transformer space than '${space.name}': fit one on samples of this space with 'hwnas fit --space ${space.name}'`);
    }
    try {
      const layers = file.layers.map((l, i) => ({
        inputs: l.inputs, outputs: l.outputs,
        weights: float32FromBase64(l.weights, l.inputs * l.outputs, `layers[${i}].weights`), bias: float32FromBase64(l.bias, l.outputs, `layers[${i}].bias`),
      }));
      return new TransformerAccuracyPredictor(encoder, layers, file.meta);
    } catch (err) {
      throw new Error(`predictor ${path} is damaged: ${(err as Error).message}: fit it again with 'hwnas fit --space SPACE --data DATASET'`);
    }
  }
}

/** Trains the accuracy predictor of `space` on `samples` (OFA's 3 x 400 MLP unless `options.hidden` says otherwise). */
export async function fitTransformerPredictor(
  space: TransformerSpace, samples: readonly TransformerSample[], options: MlpTrainOptions = {},
): Promise<{ predictor: TransformerAccuracyPredictor; train: MlpTrainResult }> {
  const encoder = TransformerEncoder.forSpace(space);
  const train = await trainMlp(encoder.encodeBatch(samples.map((s) => s.config)), samples.map((s) => s.accuracy), encoder.dim, options);
  const predictor = new TransformerAccuracyPredictor(encoder, train.layers, {
    kind: 'fp32', space: space.name, samples: samples.length, epochs: train.epochs, bestEpoch: train.bestEpoch,
  });
  return { predictor, train };
}
