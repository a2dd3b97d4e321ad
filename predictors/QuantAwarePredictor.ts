/**
 * The quantization-aware accuracy predictor (APQ), by transfer from the fp32 predictor: the
 * fp32 predictor, kept whole, plus a branch that reads the architecture and the per-block bit
 * one-hots and predicts what the bits change:
 *
 *   accuracy(arch, bits) = fp32(arch) + branch(arch, bits)
 *
 * The branch is an MLP of the fp32 predictor's shape (stored as the predictor's own layers, the
 * fp32 predictor as its `base`, see MlpPredictor). `fitQuantAware` trains it, freshly
 * initialised, on the quantized samples' residuals (measured accuracy minus the fp32
 * prediction), so the predictor keeps everything the fp32 predictor knows about architectures
 * and spends the quantized samples on the bits. Its output is a penalty,
 * `branch = -scale * softplus(mlp)`, never above 0: quantization costs accuracy (in the shipped
 * mixed dataset 90% of the residuals are negative, none above +0.3 pp, the evaluation noise).
 * A linear branch let the search find bit patterns far from the samples that it predicted at
 * +0.8 to +1.1 pp over their own fp32 architecture; they measured 1-2 pp below the prediction.
 * A config that quantizes nothing - the float model, the joint genome's all-32-bit corner -
 * pays no penalty: it is predicted exactly as the fp32 predictor predicts it, so a search over
 * the joint genome ranks float models as an fp32 search would. `quantAwareFromFp32` is the same
 * predictor with a zero branch: the fp32 predictions for any bits, usable before any quantized
 * sample exists.
 *
 * Why not APQ's literal recipe (the fp32 weights with zero-initialised bit rows in the first
 * layer, fine-tuned end to end): on this supernet it was worse than training from scratch at
 * 100 and 200 quantized samples (held-out RMSE 0.66 / 0.63 pp vs 0.61 / 0.56 pp from scratch),
 * because fine-tuning must bend hidden features fitted to a 0.2 pp fp32 spread into a 4 pp
 * quantization spread; the residual branch was at or below scratch (0.60 / 0.55 pp). The
 * figures are in BENCHMARKS.md.
 */
import type { SearchSpace } from '../space/types.js';
import type { AccuracySample } from './types.js';
import { MlpPredictor } from './MlpPredictor.js';
import { fitWithEncoder, type FitResult } from './fitPredictor.js';
import type { MlpTrainOptions } from './trainMlp.js';
import { ConfigEncoder } from './ConfigEncoder.js';

function checkTransferable(fp32: MlpPredictor, space: SearchSpace): void {
  if (fp32.encoder.hasBits || fp32.base !== undefined) throw new Error('the predictor already encodes bits: transfer starts from an fp32 predictor');
  const problems = fp32.encoder.problemsWith(space);
  if (problems.length > 0) throw new Error(`the fp32 predictor is for another space than '${space.name}':\n  ${problems.join('\n  ')}`);
}

/** The fp32 predictor with a zero bit branch: the same predictions, now accepting bits. */
export function quantAwareFromFp32(fp32: MlpPredictor, space: SearchSpace): MlpPredictor {
  checkTransferable(fp32, space);
  const encoder = fp32.encoder.withBits(space);
  const zero = [encoder.dim, ...fp32.hidden].map((inputs, i, widths) => {
    const outputs = i + 1 < widths.length ? widths[i + 1] : 1;
    return { inputs, outputs, weights: new Float32Array(inputs * outputs), bias: new Float32Array(outputs) };
  });
  return new MlpPredictor(encoder, zero, { ...fp32.meta, kind: 'quant-aware', transferredFrom: 'fp32' }, fp32);
}

export interface QuantAwareFitOptions extends MlpTrainOptions {
  /** The fp32 predictor to transfer from; without it the predictor is trained from scratch. */
  from?: MlpPredictor;
}

/** A quantization-aware predictor fitted on quantized samples, by transfer or from scratch. */
export async function fitQuantAware(
  space: SearchSpace, samples: readonly AccuracySample[], options: QuantAwareFitOptions = {},
): Promise<FitResult> {
  const { from, ...train } = options;
  const meta = { kind: 'quant-aware', space: space.name, transfer: from !== undefined };
  const encoder = ConfigEncoder.forSpace(space, { bits: true });
  if (from === undefined) return fitWithEncoder(encoder, samples, train, undefined, meta);
  checkTransferable(from, space);
  const base = from.predict(samples.map(({ config: { wBits: _w, aBits: _a, ...arch } }) => arch));
  const residuals = samples.map((s, i) => ({ ...s, accuracy: s.accuracy - base[i] }));
  const branch = await fitWithEncoder(encoder, residuals, { ...train, hidden: from.hidden, output: 'penalty' }, undefined, meta);
  const { layers, meta: branchMeta, output } = branch.predictor;
  return { ...branch, predictor: new MlpPredictor(encoder, layers, branchMeta, from, output) };
}
