/**
 * An MLP accuracy predictor without tfjs: ReLU hidden layers and one linear output (the
 * accuracy fraction), run by mlpForward.ts (wasm SIMD GEMM, or plain typed-array loops), so a
 * search worker loads and runs it cheaply. Training lives in trainMlp.ts.
 *
 * File format (JSON, `.json`):
 *   {
 *     "format": "hwnas-accuracy-predictor", "version": 1,
 *     "encoder": EncoderSpec,                       // what is encoded: slots, choices, and (spaces
 *                                                   // with family genes) families and stem strides;
 *                                                   // see ConfigEncoder.ts for the feature layout
 *     "layers": [{ "inputs": I, "outputs": O,
 *                  "weights": base64 of I*O little-endian float32, row-major [I][O],
 *                  "bias": base64 of O float32 }],  // hidden layers use ReLU, the last is linear
 *     "output": { "kind": "penalty", "scale": s },  // optional: prediction = -s * softplus(last)
 *     "base": { a bit-free predictor file },        // optional: its prediction is added
 *     "meta": { ... }                               // free-form provenance and metrics
 *   }
 * Loading checks the shape with a schema, that the layers chain from the encoder's width to one
 * output, that each array is base64 of its stated length and that every number is finite
 * (util/float32Base64.ts, shared with the transformer latency profiles).
 */
import { readFailure } from '../util/fsErrors.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { AccuracyPredictor } from './types.js';
import { ConfigEncoder, type EncoderSpec } from './ConfigEncoder.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { float32FromBase64, float32ToBase64 } from '../util/float32Base64.js';
import { mlpForward, type DenseLayer, type MlpForward } from './mlpForward.js';

export type { DenseLayer } from './mlpForward.js';

export type PredictorMeta = Record<string, unknown>;

export const kPredictorFormat = 'hwnas-accuracy-predictor';

const posInt = z.number().int().positive();
const choices = z.array(z.number()).min(1);
const layerSchema = z.strictObject({ inputs: posInt, outputs: posInt, weights: z.string(), bias: z.string() });
const archEncoderSchema = z.strictObject({
  stageSlots: z.array(posInt).min(1),
  kernels: choices,
  expands: choices,
  widthRatios: choices,
  /** Spaces with family genes only; files written before them have neither and load as before. */
  families: z.array(z.strictObject({ name: z.string(), expands: choices })).min(1).optional(),
  stem: z.strictObject({ strides: choices, stride: z.number() }).optional(),
});
/** A bit-free predictor: the base of a transferred quantization-aware one. */
const baseSchema = z.strictObject({
  format: z.literal(kPredictorFormat),
  version: z.literal(1),
  encoder: archEncoderSchema,
  layers: z.array(layerSchema).min(1),
  meta: z.record(z.string(), z.unknown()),
});
const outputSchema = z.strictObject({ kind: z.literal('penalty'), scale: z.number().positive().finite() });
const fileSchema = baseSchema.extend({
  encoder: archEncoderSchema.extend({ bits: z.strictObject({ weight: choices, act: choices }).optional() }),
  /** Absent: the last layer is the prediction. A penalty: -scale * softplus(last layer). */
  output: outputSchema.optional(),
  /** A bit-free predictor whose prediction on the config's architecture is added (see `base`). */
  base: baseSchema.optional(),
});

export type PredictorFile = z.infer<typeof fileSchema>;

/** How the last layer's output becomes the prediction (before a base is added). */
export type MlpOutput = { kind: 'linear' } | z.infer<typeof outputSchema>;

/** softplus(x) = log(1 + e^x), without overflow for large x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Predicts with fixed weights: the layers' arrays must not change after the first prediction.
 *
 * With a `base` (a bit-free predictor of the same architecture features), the prediction is the
 * base's prediction on the architecture plus this MLP's output: the quantization-aware predictor
 * transferred from an fp32 one keeps the fp32 predictor whole and learns what the bits change
 * (QuantAwarePredictor.ts). With a 'penalty' output that MLP can only lower the base's
 * prediction, and a config that quantizes nothing (every running block at 32 bits: the float
 * model, see deployedConfig) pays no penalty - its prediction is the base's, the fp32
 * predictor's - so float models and quantized ones are compared on one scale.
 */
export class MlpPredictor implements AccuracyPredictor {
  private forward: MlpForward | undefined;
  /** The encoder's quantized-bit feature indices (a penalty output's "quantizes nothing" test). */
  private quantized: Int32Array | undefined;

  constructor(
    readonly encoder: ConfigEncoder,
    readonly layers: readonly DenseLayer[],
    readonly meta: PredictorMeta = {},
    readonly base?: MlpPredictor,
    readonly output: MlpOutput = { kind: 'linear' },
  ) {
    if (output.kind === 'penalty' && !(output.scale > 0 && Number.isFinite(output.scale))) {
      throw new Error(`a penalty output needs a positive finite scale (got ${output.scale})`);
    }
    if (base !== undefined) {
      if (base.encoder.hasBits || base.base !== undefined) throw new Error('a base predictor must be a plain fp32 predictor (no bits, no base of its own)');
      if (!encoder.sameArchitecture(base.encoder)) {
        throw new Error('the base predictor encodes other architecture features than this predictor');
      }
    }
    let width = encoder.dim;
    layers.forEach((l, i) => {
      if (l.inputs !== width) throw new Error(`layer ${i} takes ${l.inputs} inputs but receives ${width}`);
      if (l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) {
        throw new Error(`layer ${i} needs ${l.inputs * l.outputs} weights and ${l.outputs} biases (got ${l.weights.length} and ${l.bias.length})`);
      }
      width = l.outputs;
    });
    if (width !== 1) throw new Error(`the last layer must have one output (got ${width})`);
  }

  /** Hidden layer widths, e.g. [400, 400, 400]. */
  get hidden(): number[] {
    return this.layers.slice(0, -1).map((l) => l.outputs);
  }

  /** Predicted accuracy fraction of every config. */
  predict(configs: SubnetConfig[]): Float64Array {
    return this.predictFeatures(this.encoder.encodeBatch(configs), configs.length);
  }

  /** Predictions for `n` already encoded rows (`[n, encoder.dim]`, row-major). */
  predictFeatures(features: Float32Array, n: number): Float64Array {
    const dim = this.encoder.dim;
    if (features.length !== n * dim) {
      throw new Error(`features must hold ${n} rows of ${dim} (got ${features.length} values)`);
    }
    this.forward ??= mlpForward(this.layers);
    const out = Float64Array.from(this.forward(features, n));
    if (this.output.kind === 'penalty') {
      const { scale } = this.output;
      this.quantized ??= this.encoder.quantizedFeatures();
      const quantized = this.quantized;
      for (let i = 0; i < n; i++) {
        const row = i * dim;
        let any = false;
        for (let k = 0; k < quantized.length && !any; k++) any = features[row + quantized[k]] !== 0;
        out[i] = any ? -scale * softplus(out[i]) : 0;
      }
    }
    if (this.base !== undefined) {
      // The architecture features are the first archDim of each row (ConfigEncoder's layout).
      const arch = this.encoder.archDim;
      const archRows = new Float32Array(n * arch);
      for (let i = 0; i < n; i++) archRows.set(features.subarray(i * dim, i * dim + arch), i * arch);
      const b = this.base.predictFeatures(archRows, n);
      for (let i = 0; i < n; i++) out[i] += b[i];
    }
    return out;
  }

  toJSON(): PredictorFile {
    return {
      format: kPredictorFormat,
      version: 1,
      encoder: structuredClone(this.encoder.spec),
      layers: this.layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weights: float32ToBase64(l.weights), bias: float32ToBase64(l.bias) })),
      meta: this.meta,
      ...(this.output.kind === 'penalty' ? { output: { ...this.output } } : {}),
      ...(this.base ? { base: this.base.toJSON() as z.infer<typeof baseSchema> } : {}),
    };
  }

  /** Writes the predictor atomically (readers see the old file or the complete new one). */
  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /** A predictor from its file contents (parsed JSON or text); `source` names it in errors. */
  static fromJSON(json: unknown, source = 'predictor'): MlpPredictor {
    let value = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (err) {
        throw new Error(`${source} is not valid JSON: ${(err as Error).message}`);
      }
    }
    const parsed = fileSchema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new Error(`${source} is not an hwnas accuracy predictor file (format '${kPredictorFormat}', version 1):\n  ${issues.join('\n  ')}`);
    }
    const file = parsed.data;
    const build = (f: z.infer<typeof baseSchema> | PredictorFile, where: string, base?: MlpPredictor, output?: MlpOutput): MlpPredictor => {
      const encoder = new ConfigEncoder(f.encoder as EncoderSpec);
      const layers = f.layers.map((l, i) => ({
        inputs: l.inputs,
        outputs: l.outputs,
        weights: float32FromBase64(l.weights, l.inputs * l.outputs, `${where}layers[${i}].weights`),
        bias: float32FromBase64(l.bias, l.outputs, `${where}layers[${i}].bias`),
      }));
      return new MlpPredictor(encoder, layers, f.meta, base, output);
    };
    try {
      return build(file, '', file.base === undefined ? undefined : build(file.base, 'base.'), file.output);
    } catch (err) {
      throw new Error(`${source} is damaged: ${(err as Error).message}`);
    }
  }

  /**
   * Loads a predictor file; with `space`, also checks that it encodes that space's configs
   * (same slots and choices), naming each difference.
   */
  static load(path: string, space?: SearchSpace): MlpPredictor {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw readFailure('predictor', path, err, 'give the file hwnas fit wrote');
    }
    const predictor = MlpPredictor.fromJSON(text, `predictor ${path}`);
    if (space) {
      const problems = predictor.encoder.problemsWith(space);
      if (problems.length > 0) {
        throw new Error(`predictor ${path} was trained for another search space than '${space.name}':\n  ${problems.join('\n  ')}\nfit a predictor on samples of this space with 'hwnas fit'`);
      }
    }
    return predictor;
  }
}
