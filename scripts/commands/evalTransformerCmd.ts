/** `hwnas eval` of SubTransformers of a SuperTransformer checkpoint (no BatchNorm to recalibrate). */
import type { DataOptions } from '../../supernet/data/loadDataset.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSuperTransformer, resolveTransformerConfig } from '../../supernet/transformer/io.js';
import { evaluateTransformer } from '../../supernet/transformer/evaluate.js';
import { sampleTransformer } from '../../space/transformer/configs.js';
import { transformerCost } from '../../space/transformer/cost.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { Rng } from '../../space/rng.js';
import { TransformerAccuracyPredictor } from '../../predictors/TransformerAccuracyPredictor.js';

export interface TransformerEvalArgs extends DataOptions {
  checkpoint: string;
  config: string[];
  random: number;
  seed: number;
  split: 'val' | 'test';
  json?: boolean;
  predictor?: string;
}

/** Evaluates the SubTransformers `args` names on `args.split` and prints one row (or JSON object) each. */
export async function evalTransformerCommand(args: TransformerEvalArgs): Promise<void> {
  const { net, meta } = loadSuperTransformer(args.checkpoint);
  try {
    const { space } = net;
    const predictor = args.predictor === undefined ? undefined : TransformerAccuracyPredictor.load(args.predictor, space);
    const data = await loadTrainingData(args, space, meta.data, args.checkpoint);
    const configs: Array<[string, TransformerConfig]> = args.config.map((c) => [c, resolveTransformerConfig(space, c)]);
    const rng = new Rng(args.seed);
    for (let i = 0; i < args.random; i++) configs.push([`random${i}`, sampleTransformer(space, rng)]);
    const split = data[args.split];
    if (!args.json) {
      console.log(`SuperTransformer ${args.checkpoint}: step ${meta.step}/${meta.totalSteps}; ${args.split} split (${split.n} images)`);
      console.log(`config        accuracy    loss    MACs(M)  params(K)${predictor ? '  predicted' : ''}`);
    }
    const predicted = predictor?.predict(configs.map(([, cfg]) => cfg));
    configs.forEach(([name, cfg], i) => {
      const r = evaluateTransformer(net, cfg, split);
      const cost = transformerCost(space, cfg);
      const p = predicted?.[i];
      if (args.json) {
        console.log(JSON.stringify({ name, config: cfg, split: args.split, accuracy: r.accuracy, loss: r.loss, macs: cost.macs, params: cost.params, ...(p === undefined ? {} : { predicted: p }) }));
      } else {
        const column = p === undefined ? '' : `  ${(100 * p).toFixed(2).padStart(8)}%`;
        console.log(`${name.padEnd(12)}  ${(100 * r.accuracy).toFixed(2).padStart(6)}%  ${r.loss.toFixed(4)}  ${(cost.macs / 1e6).toFixed(2).padStart(7)}  ${(cost.params / 1e3).toFixed(1).padStart(9)}${column}`);
      }
    });
  } finally {
    net.dispose();
  }
}
