/**
 * The quantization-aware accuracy predictor (APQ): the fp32 predictor plus an input branch for
 * the per-block bit one-hots, fine-tuned on quantized samples.
 *
 * The branch is a second weight matrix from the bit features into the first hidden layer,
 * summed with the architecture branch before the ReLU - stored as extra rows of the first
 * layer, after the architecture rows (see ConfigEncoder.ts for the feature order). Every other
 * weight is copied from the fp32 predictor and the branch starts at zero, so before
 * fine-tuning the predictor reproduces the fp32 predictions exactly; fine-tuning then learns
 * what each bit choice costs, starting from what the fp32 predictor knows about architectures.
 */
import type { SearchSpace } from '../supernet/types.js';
import type { AccuracySample } from './types.js';
import { MlpPredictor, type DenseLayer } from './MlpPredictor.js';
import { fitWithEncoder, type FitResult } from './fitPredictor.js';
import type { MlpTrainOptions } from './trainMlp.js';
import { ConfigEncoder } from './ConfigEncoder.js';

/** The fp32 predictor with a zero bit branch: same predictions, now accepting bits. */
export function quantAwareFromFp32(fp32: MlpPredictor, space: SearchSpace): MlpPredictor {
  if (fp32.encoder.hasBits) throw new Error('the predictor already encodes bits: transfer starts from an fp32 predictor');
  const problems = fp32.encoder.problemsWith(space);
  if (problems.length > 0) throw new Error(`the fp32 predictor is for another space than '${space.name}':\n  ${problems.join('\n  ')}`);
  const encoder = fp32.encoder.withBits(space);
  const [first, ...rest] = fp32.layers;
  const weights = new Float32Array(encoder.dim * first.outputs);
  // Row-major [inputs][outputs]: the architecture rows come first, the bit rows stay zero.
  weights.set(first.weights);
  const layers: DenseLayer[] = [
    { inputs: encoder.dim, outputs: first.outputs, weights, bias: first.bias.slice() },
    ...rest.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice() })),
  ];
  return new MlpPredictor(encoder, layers, { ...fp32.meta, kind: 'quant-aware', transferredFrom: 'fp32' });
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
  if (from) {
    const start = quantAwareFromFp32(from, space);
    return fitWithEncoder(start.encoder, samples, train, start.layers, meta);
  }
  return fitWithEncoder(ConfigEncoder.forSpace(space, { bits: true }), samples, train, undefined, meta);
}
