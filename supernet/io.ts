/** Loading trained supernets and resolving spaces and configs given on the command line or in files. */
import { existsSync, readFileSync } from 'node:fs';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { Supernet } from './Supernet.js';
import { loadCheckpoint } from './train/checkpoint.js';
import type { TrainMeta } from './train/trainTypes.js';
import { parseConfig, parseSearchSpace, SpaceValidationError } from '../space/schema.js';
import { spaceByName } from '../space/defaultSpace.js';
import { largestConfig, smallestConfig } from '../space/searchSpace.js';
import { configSpace, isStandaloneSpace, parentSpaceName } from '../space/configSpace.js';
import { isTransformerJson } from '../space/transformer/types.js';

/** A built-in space name, or a path to a space JSON file. */
export function resolveSpace(nameOrPath: string): SearchSpace {
  if (nameOrPath.endsWith('.json') || existsSync(nameOrPath)) {
    if (!existsSync(nameOrPath)) throw new Error(`search space file ${nameOrPath} does not exist`);
    return parseSearchSpace(readFileSync(nameOrPath, 'utf8'));
  }
  return spaceByName(nameOrPath);
}

/** 'largest', 'smallest', or a path to a config JSON file, validated against `space`. */
export function resolveConfig(space: SearchSpace, arg: string): SubnetConfig {
  if (arg === 'largest') return largestConfig(space);
  if (arg === 'smallest') return smallestConfig(space);
  if (!existsSync(arg)) throw new Error(`config ${arg} is neither 'largest', 'smallest' nor an existing JSON file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(arg, 'utf8'));
  } catch (err) {
    throw new Error(`config file ${arg} is not valid JSON: ${(err as Error).message}`);
  }
  const inner = wrappedConfig(json, arg);
  const vit = isTransformerJson(inner) || isTransformerJson((json as { result?: { best?: { config?: unknown } } } | null)?.result?.best?.config);
  if (vit) throw new Error(`config ${arg} is a SubTransformer config (kind 'vit'), not a subnet of CNN space '${space.name}': give a config of that space, or largest/smallest`);
  try {
    return parseConfig(space, inner);
  } catch (err) {
    if (!isStandaloneSpace(space) || !(err instanceof SpaceValidationError)) throw err;
    const reindexed = inParentSpace(space, inner);
    if (reindexed !== undefined) return reindexed;
    const hint = `the checkpoint holds one network trained on its own ('hwnas train --config') in its own space '${space.name}': ` +
      "give the config it was trained from (a config of the built-in space it came from), or its config in that reduced space";
    throw new SpaceValidationError(`subnet config for space '${space.name}'`, [...err.problems, hint]);
  }
}

/**
 * `json` as a config of the built-in space a standalone network's reduced space came from,
 * re-indexed into the reduced space - when it is that network (its reduced space is `space`).
 */
function inParentSpace(space: SearchSpace, json: unknown): SubnetConfig | undefined {
  let parent: SearchSpace;
  try {
    parent = spaceByName(parentSpaceName(space));
  } catch {
    return undefined; // Not a built-in space: only the reduced space's own config names it.
  }
  try {
    const reduced = configSpace(parent, parseConfig(parent, json));
    return JSON.stringify(reduced.space) === JSON.stringify(space) ? reduced.config : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config inside a file's JSON: a bare config, one wrapped as { config }, or the chosen
 * config of a budget search's results file ({ mode: 'budget', best: { config } }).
 */
function wrappedConfig(json: unknown, file: string): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const o = json as { config?: unknown; mode?: unknown; best?: { config?: unknown } | null };
  if ('config' in o) return o.config;
  if (o.mode === 'pareto') throw new Error(`${file} is the results of a Pareto search (a front of configs): export the one you want as a config JSON, or run 'hwnas search' with --max-latency to choose one`);
  if (o.mode === 'budget') {
    if (o.best?.config === undefined) throw new Error(`${file} is the results of a budget search that found no config within its budget: search again with a larger --max-latency`);
    return o.best.config;
  }
  return json;
}

export interface LoadedSupernet {
  net: Supernet;
  meta: TrainMeta;
}

/** A trained supernet from a training checkpoint. */
export function loadSupernet(path: string): LoadedSupernet {
  const { meta, arrays } = loadCheckpoint<TrainMeta>(path);
  if (meta.kind !== 'hwnas-supernet') throw new Error(`${path} is not a supernet checkpoint (kind ${String(meta.kind)})`);
  const space = parseSearchSpace(meta.space);
  const net = new Supernet(space, meta.options.seed);
  net.store.assignFlat(arrays.params);
  return { net, meta };
}
