/**
 * `hwnas finetune --checkpoint <SuperTransformer>`: what fine-tuning one SubTransformer needs
 * (finetune.ts runs it): SubTransformer configs, AdamW's lower default peak and the
 * SuperTransformer as the trained net; its teacher is of either kind, as a CNN subnet's is. The
 * result is a SuperTransformer checkpoint, so `hwnas eval`, `hwnas export` and `hwnas verify
 * --checkpoint` take it as they take the SuperTransformer.
 */
import { parseTransformerSpace } from '../../space/transformer/schema.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { kTransformerNet } from '../../supernet/train/netKinds.js';
import { kTransformerRecipe, transformerTrainingNet } from '../../supernet/transformer/trainingNet.js';
import type { FinetuneNet } from './finetune.js';

export const kTransformerFinetune: FinetuneNet<TransformerSpace, TransformerConfig> = {
  terms: kTransformerNet,
  lr: kTransformerRecipe.finetuneLr,
  space: (meta) => parseTransformerSpace(meta.space),
  trainingNet: transformerTrainingNet,
};
