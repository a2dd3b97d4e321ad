/** Transformer spaces and configs from the command line or files, and trained SuperTransformers from checkpoints. */
import { existsSync, readFileSync } from 'node:fs';
import { isTransformerJson, type TransformerConfig, type TransformerSpace } from '../../space/transformer/types.js';
import { parseTransformerConfig, parseTransformerSpace } from '../../space/transformer/schema.js';
import { isTransformerSpaceName, transformerSpaceByName } from '../../space/transformer/fashionVit.js';
import { largestTransformer, smallestTransformer } from '../../space/transformer/configs.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import type { TrainMeta } from '../train/trainTypes.js';
import { SuperTransformer } from './SuperTransformer.js';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The transformer space named `nameOrPath` (a built-in name, or a space JSON file with
 * `kind: 'vit'`); undefined when it names something else (a CNN space).
 */
export function resolveTransformerSpace(nameOrPath: string): TransformerSpace | undefined {
  if (isTransformerSpaceName(nameOrPath)) return transformerSpaceByName(nameOrPath);
  if (!existsSync(nameOrPath) || !nameOrPath.endsWith('.json')) return undefined;
  const json = readJson(nameOrPath, 'search space file');
  return isTransformerJson(json) ? parseTransformerSpace(json) : undefined;
}

/** The config a parsed config file `file` holds: itself, its `config`, or a budget search's chosen one (`result.best.config`). */
function configIn(json: unknown, file: string): unknown {
  if (typeof json !== 'object' || json === null) return json;
  if ('config' in json) return (json as { config: unknown }).config;
  const result = (json as { result?: { mode?: unknown; best?: { config?: unknown } } }).result;
  if (result?.mode === 'pareto') throw new Error(`${file} is the results of a Pareto search (a front of SubTransformers): save the one you want as a config JSON, or search with --max-latency to choose one`);
  return result?.best?.config ?? json;
}

/**
 * 'largest', 'smallest', or a config JSON file (or a results file wrapping it as `config`, or a
 * transformer budget search's results), validated against `space`. A CNN subnet config is
 * refused as such.
 */
export function resolveTransformerConfig(space: TransformerSpace, arg: string): TransformerConfig {
  if (arg === 'largest') return largestTransformer(space);
  if (arg === 'smallest') return smallestTransformer(space);
  if (!existsSync(arg)) throw new Error(`config ${arg} is neither 'largest', 'smallest' nor an existing JSON file`);
  const inner = configIn(readJson(arg, 'config file'), arg);
  if (typeof inner === 'object' && inner !== null && !isTransformerJson(inner) && 'depths' in inner && 'widths' in inner) {
    throw new Error(`config ${arg} is a CNN subnet config, not a SubTransformer of space '${space.name}': give a config with "kind": "vit" (e.g. one 'hwnas search --checkpoint <SuperTransformer>' chose), or largest/smallest`);
  }
  return parseTransformerConfig(space, inner);
}

export interface LoadedSuperTransformer {
  net: SuperTransformer;
  meta: TrainMeta<TransformerSpace, TransformerConfig>;
}

/** A trained SuperTransformer from its training checkpoint. */
export function loadSuperTransformer(path: string): LoadedSuperTransformer {
  const { meta, arrays } = loadCheckpoint<TrainMeta<TransformerSpace, TransformerConfig>>(path);
  if (meta.kind !== 'hwnas-supertransformer') {
    throw new Error(`${path} is not a SuperTransformer checkpoint (kind ${String(meta.kind)}): pass one written by 'hwnas train --space fashion-vit'`);
  }
  const net = new SuperTransformer(parseTransformerSpace(meta.space), meta.options.seed);
  net.store.assignFlat(arrays.params);
  return { net, meta };
}
