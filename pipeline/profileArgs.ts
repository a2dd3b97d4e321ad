/**
 * `--profile TARGET=FILE` values: the latency profile a measured target is searched (or
 * verified) with instead of its shipped one. Parsed once at the boundary into a map from the
 * target spec as given to an absolute path, checked against the --target list; and the latency
 * model of every target built once before any work, so that a missing or wrong profile stops a
 * command before it writes anything.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { kDefaultMeasuredThreads } from '../latency/measuredTarget.js';
import { createTargetModel, getTarget, parseTargetSpec } from '../latency/targets.js';
import { layersOf } from '../space/layers.js';
import type { SearchSpace } from '../space/types.js';

/** The canonical form of a target spec: 'ort-cpu' -> 'ort-cpu:1'. */
function canonical(spec: string): string {
  const { name, threads } = parseTargetSpec(spec);
  return getTarget(name).kind === 'measured' ? `${name}:${threads ?? kDefaultMeasuredThreads}` : spec;
}

/**
 * Map of `values` ('TARGET=FILE') keyed by the spec of `targets` each names (null: any target,
 * e.g. verify's, whose targets come from its results files). Throws naming the bad value.
 */
export function parseProfileArgs(values: readonly string[], targets: readonly string[] | null, what = 'the --target values'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new Error(`--profile '${value}' is not TARGET=FILE: give e.g. --profile ort-cpu:1=profiles/mine.json`);
    }
    const spec = value.slice(0, eq);
    const file = value.slice(eq + 1);
    const target = getTarget(parseTargetSpec(spec).name);
    if (target.kind !== 'measured') {
      throw new Error(`--profile ${value}: ${spec} is ${target.kind === 'estimate' ? 'an analytic estimate' : 'a proxy'} and reads no latency profile; profiles are for measured targets (ort-cpu, tfjs-wasm, tfjs-node)`);
    }
    const matching = targets === null ? [canonical(spec)] : targets.filter((t) => canonical(t) === canonical(spec));
    if (matching.length === 0) throw new Error(`--profile ${value}: ${spec} is not one of ${what} (${(targets ?? []).join(', ')})`);
    if (!existsSync(file)) throw new Error(`--profile ${value}: ${file} does not exist: measure one with 'hwnas profile --target ${canonical(spec)} --out ${file}'`);
    for (const t of matching) {
      if (out[t] !== undefined) throw new Error(`--profile is given twice for ${t}`);
      out[t] = resolve(file);
    }
  }
  return out;
}

/** Builds the latency model of each target once (a measured one reads its profile); throws on a missing or wrong profile. */
export async function checkTargetModels(space: SearchSpace, targets: readonly string[], profiles: Record<string, string>): Promise<void> {
  for (const target of new Set(targets)) {
    await createTargetModel(target, (cfg) => layersOf(space, cfg), { profile: profiles[target] });
  }
}
