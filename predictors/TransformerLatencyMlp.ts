/**
 * HAT's latency predictor: a ReLU MLP (3 hidden layers of 400, as in HAT) on a SubTransformer's
 * architecture features (latency/transformer/transformerFeatures.ts), trained with the accuracy
 * predictors' trainer (trainMlp.ts: Adam on squared error, early stopping) on measured whole
 * SubTransformer latencies, and run with their forward pass (mlpForward.ts). Its weights are
 * kept as the profile stores them, tagged base64 float32 (util/float32Base64.ts).
 */
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';
import { transformerFeatureNames, transformerFeatures } from '../latency/transformer/transformerFeatures.js';
import type { TransformerProfile } from '../latency/transformer/transformerProfile.js';
import type { TransformerLatencyModel } from '../latency/transformer/types.js';
import { mlpForward, type DenseLayer, type MlpForward } from './mlpForward.js';
import { trainMlp, type MlpTrainOptions } from './trainMlp.js';
import { decodeFloat32, encodeFloat32 } from '../util/float32Base64.js';

/** The profile's `mlp` entry. */
export type LatencyMlpEntry = TransformerProfile['mlp'];

function featureMatrix(space: TransformerSpace, configs: readonly TransformerConfig[]): Float32Array {
  const dim = transformerFeatureNames(space).length;
  const x = new Float32Array(configs.length * dim);
  configs.forEach((cfg, i) => x.set(transformerFeatures(space, cfg), i * dim));
  return x;
}

/** Trains HAT's predictor on measured SubTransformers (ms); `options` as trainMlp's (default 3 x 400 hidden). */
export async function fitTransformerLatencyMlp(
  space: TransformerSpace, subnets: ReadonlyArray<{ config: TransformerConfig; ms: number }>, options: MlpTrainOptions = {},
): Promise<LatencyMlpEntry> {
  const names = transformerFeatureNames(space);
  const train = await trainMlp(featureMatrix(space, subnets.map((s) => s.config)), subnets.map((s) => s.ms), names.length, { hidden: [400, 400, 400], ...options });
  return {
    features: names,
    layers: train.layers.map((l) => ({
      inputs: l.inputs, outputs: l.outputs, weights: encodeFloat32(l.weights, [l.inputs, l.outputs]), bias: encodeFloat32(l.bias, [l.outputs]),
    })),
    subnets: subnets.length,
    holdOutRmseMs: train.holdOutRmse,
  };
}

/** HAT's predictor of a profile as a latency model. */
export class TransformerLatencyMlp implements TransformerLatencyModel {
  readonly kind = 'mlp' as const;
  readonly target: string;
  private readonly forward: MlpForward;

  constructor(private readonly profile: Pick<TransformerProfile, 'target' | 'threads' | 'space' | 'mlp'>) {
    this.target = `${profile.target}:${profile.threads}`;
    const layers: DenseLayer[] = profile.mlp.layers.map((l, i) => ({
      inputs: l.inputs, outputs: l.outputs,
      weights: decodeFloat32(l.weights, [l.inputs, l.outputs], `mlp.layers.${i}.weights`), bias: decodeFloat32(l.bias, [l.outputs], `mlp.layers.${i}.bias`),
    }));
    this.forward = mlpForward(layers);
  }

  predict(configs: readonly TransformerConfig[]): Float64Array {
    if (configs.length === 0) return new Float64Array(0);
    return Float64Array.from(this.forward(featureMatrix(this.profile.space, configs), configs.length));
  }
}
