/**
 * `hwnas finetune --checkpoint <SuperTransformer>`: what fine-tuning one SubTransformer needs
 * (finetune.ts runs it): SubTransformer configs, AdamW's lower default peak, the
 * SuperTransformer as the trained net, and SuperTransformer checkpoints as teachers. The result is
 * a SuperTransformer checkpoint, so `hwnas eval`, `hwnas export` and `hwnas verify --checkpoint`
 * take it as they take the SuperTransformer.
 */
import { parseTransformerSpace } from '../../space/transformer/schema.js';
import { largestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { resolveTransformerConfig } from '../../supernet/transformer/io.js';
import { loadTransformerTeacher } from '../../supernet/transformer/loadTransformerTeacher.js';
import { kTransformerRecipe, transformerTrainingNet } from '../../supernet/transformer/trainingNet.js';
import type { FinetuneNet } from './finetune.js';

export const kTransformerFinetune: FinetuneNet<TransformerSpace, TransformerConfig> = {
  terms: {
    kind: 'hwnas-supertransformer',
    what: 'SubTransformer',
    key: (_space, cfg) => transformerConfigKey(cfg),
    resolve: resolveTransformerConfig,
    same: (_space, a, b) => transformerConfigKey(a) === transformerConfigKey(b),
  },
  lr: kTransformerRecipe.finetuneLr,
  space: (meta) => parseTransformerSpace(meta.space),
  trainingNet: transformerTrainingNet,
  teacher: (path, configArg, largest) => loadTransformerTeacher(path, configArg, largest ? (meta) => largestTransformer(meta.space) : undefined),
};
