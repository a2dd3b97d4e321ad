/**
 * A frozen teacher for a SubTransformer from a SuperTransformer-kind checkpoint (`hwnas
 * finetune --teacher` of a SuperTransformer's fine-tune): a SuperTransformer written by `hwnas
 * train --space`, or a SubTransformer fine-tuned by `hwnas finetune`.
 */
import { largestTransformer } from '../../space/transformer/configs.js';
import { parseTransformerSpace } from '../../space/transformer/schema.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { SpaceValidationError } from '../../space/schema.js';
import { hasCheckpointMagic, loadCheckpoint } from '../train/checkpoint.js';
import type { TeacherSource } from '../train/frozenTeacher.js';
import { onlyConfig } from '../train/schedule.js';
import type { TrainMeta } from '../train/trainTypes.js';
import { resolveTransformerConfig } from './io.js';

type TransformerMeta = TrainMeta<TransformerSpace, TransformerConfig>;

const kWhatToGive = "give a SuperTransformer checkpoint written by 'hwnas train --space <transformer space>' or by hwnas finetune";

/** The network a SuperTransformer checkpoint trained: its fine-tuned SubTransformer, or its largest. */
export function trainedTransformer(meta: Pick<TransformerMeta, 'space' | 'options'>): TransformerConfig {
  return onlyConfig(meta.options.phases) ?? largestTransformer(meta.space);
}

/**
 * The teacher in SuperTransformer checkpoint `path`: SubTransformer `configArg` of its space (a
 * config file, a search's results, or largest/smallest), by default `defaultConfig` of it (the
 * network it trained). Throws naming the flag, the problem and the fix.
 */
export function loadTransformerTeacher(
  path: string, configArg?: string, defaultConfig: (meta: Pick<TransformerMeta, 'space' | 'options'>) => TransformerConfig = trainedTransformer,
): TeacherSource<TransformerSpace, TransformerConfig> {
  let magic: boolean;
  try {
    magic = hasCheckpointMagic(path);
  } catch (err) {
    throw new Error(`--teacher: ${(err as Error).message}`);
  }
  if (!magic) throw new Error(`--teacher ${path} is not a checkpoint of hwnas: ${kWhatToGive}`);
  const { meta, arrays } = loadCheckpoint<Partial<TransformerMeta>>(path);
  if (meta.kind !== 'hwnas-supertransformer' || meta.space === undefined || meta.options === undefined || arrays.params === undefined) {
    const what = meta.kind === 'hwnas-supernet' ? 'a CNN training checkpoint (a supernet, or a network trained on its own)' : `not a training checkpoint (kind ${String(meta.kind)})`;
    throw new Error(`--teacher ${path} is ${what}, and a SubTransformer learns from a SuperTransformer: ${kWhatToGive}`);
  }
  const space = parseTransformerSpace(meta.space);
  let config = defaultConfig({ space, options: meta.options });
  if (configArg !== undefined) {
    try {
      config = resolveTransformerConfig(space, configArg);
    } catch (err) {
      const why = err instanceof SpaceValidationError ? err.problems.join('; ') : (err as Error).message;
      throw new Error(`--teacher-config ${configArg} is not a SubTransformer of ${path}'s space '${space.name}' (${why}): give a config of that space, or largest`);
    }
  }
  return { space, params: arrays.params, config, from: path, ...(meta.data === undefined ? {} : { data: meta.data }) };
}
