/**
 * The SuperTransformer as the supernet trainer sees it (see ../train/trainingNet.ts): its
 * checkpoints are of kind 'hwnas-supertransformer', its replicas load transformerReplica.js,
 * and each step trains the largest SubTransformer, HAT's one uniformly random SubTransformer
 * (`uniform` phases), the sandwich rule with in-place distillation, or one SubTransformer on its
 * own (a phase with `config`: fine-tuning, optionally from a frozen teacher) - as the phase says.
 */
import { deriveSeed } from '../data/batches.js';
import { Rng } from '../../space/rng.js';
import { largestTransformer, sampleTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import { isTransformerJson, type TransformerConfig, type TransformerSpace } from '../../space/transformer/types.js';
import type { PhaseSpec } from '../train/schedule.js';
import type { TrainingNet } from '../train/trainingNet.js';
import { SuperTransformer } from './SuperTransformer.js';
import { evaluateTransformer } from './evaluate.js';
import type { TransformerReplicaInit } from './transformerReplica.js';

/**
 * The training recipe of a SuperTransformer where the CNN supernet's does not fit: AdamW
 * (HAT trains with Adam; on fashion-vit's largest, 3 epochs of 2,048 images at batch 64, SGD
 * with Nesterov momentum at lr 0.05 or 0.2 reached train loss 1.71-1.78 and 48-53% on 500 val
 * images, AdamW at lr 1e-3 1.51 and 58%), peak learning rates for it, and ViT's weight decay
 * 0.05 (decoupled; on the weight matrices only). Fine-tuning one SubTransformer peaks lower
 * than the sandwich did (5e-4): the weights start trained, and AdamW's first steps move every
 * weight by about the learning rate whatever its gradient's size.
 */
export const kTransformerRecipe = Object.freeze({
  hyper: Object.freeze({ momentum: 0.9, weightDecay: 0.05, labelSmoothing: 0.1, kdWeight: 1, optimizer: 'adamw' as const }),
  largestLr: 1e-3,
  subnetsLr: 5e-4,
  extendLr: 2.5e-4,
  finetuneLr: 2e-4,
});

/** The SubTransformers trained at `step` of `phase`, seeded by (seed, step) as the CNN supernet's are. */
export function transformerStepConfigs(space: TransformerSpace, phase: PhaseSpec<TransformerConfig>, seed: number, step: number): TransformerConfig[] {
  if (phase.config !== undefined) {
    const given = [phase.config, ...(phase.teacher === undefined ? [] : [phase.teacher])];
    if (given.some((c) => !isTransformerJson(c))) {
      throw new Error(`phase '${phase.name}' trains a CNN config: a SuperTransformer trains SubTransformer configs (kind 'vit'); give one of space '${space.name}'`);
    }
    return phase.teacher === undefined ? [phase.config] : [phase.teacher, phase.config];
  }
  const rng = new Rng(deriveSeed(seed, 0x5a, step));
  if (phase.uniform === true) return Array.from({ length: phase.randomSubnets }, () => sampleTransformer(space, rng));
  if (!phase.sandwich) return [largestTransformer(space)];
  const configs = [largestTransformer(space), smallestTransformer(space)];
  for (let i = 0; i < phase.randomSubnets; i++) configs.push(sampleTransformer(space, rng));
  return configs;
}

export function transformerTrainingNet(space: TransformerSpace): TrainingNet<TransformerSpace, TransformerConfig> {
  return {
    checkpointKind: 'hwnas-supertransformer',
    space,
    replicaModule: new URL('./transformerReplica.js', import.meta.url),
    replicaInit: (seed, hyper): TransformerReplicaInit => ({ space, seed, hyper }),
    stepConfigs: (phase, seed, step) => transformerStepConfigs(space, phase, seed, step),
    epochAccuracy(params, seed, phase, _calibration, data, limit) {
      const net = new SuperTransformer(space, seed);
      try {
        net.store.assignFlat(params);
        const accuracy = (cfg: TransformerConfig) => ({
          val: evaluateTransformer(net, cfg, data.val, limit).accuracy,
          test: evaluateTransformer(net, cfg, data.test, limit).accuracy,
        });
        const none = { val: NaN, test: NaN };
        if (phase.config !== undefined) return { largest: none, smallest: none, trained: accuracy(phase.config) };
        return { largest: accuracy(largestTransformer(space)), smallest: accuracy(smallestTransformer(space)) };
      } finally {
        net.dispose();
      }
    },
  };
}
