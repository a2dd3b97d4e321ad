/**
 * `--profile TARGET=FILE` values: the latency profile a measured target is searched (or
 * verified) with instead of its shipped one. Parsed once at the boundary into a map from the
 * target spec as given to an absolute path, checked against the --target list; and the latency
 * model of every target built once before any work, so that a missing or wrong profile stops a
 * command before it writes anything.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTargetModel, resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { layersOf } from '../space/layers.js';
import type { SearchSpace } from '../space/types.js';

/**
 * Map of `values` ('TARGET=FILE') keyed by the spec as given of the `targets` each names (null:
 * any target, keyed by its canonical spec). Throws naming the bad value.
 */
export function parseProfileArgs(values: readonly string[], targets: readonly ResolvedTarget[] | null, what = 'the --target values'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new Error(`--profile '${value}' is not TARGET=FILE: give e.g. --profile ort-cpu:1=profiles/mine.json`);
    }
    const spec = value.slice(0, eq);
    const file = value.slice(eq + 1);
    const target = resolveTarget(spec);
    if (target.kind !== 'measured') {
      throw new Error(`--profile ${value}: ${spec} is ${target.kind === 'estimate' ? 'an analytic estimate' : 'a proxy'} and reads no latency profile; profiles are for measured targets (ort-cpu, tfjs-wasm, tfjs-node)`);
    }
    // A target searched at several budgets is listed once per budget: one profile serves them all.
    const matching = targets === null ? [target.spec] : [...new Set(targets.filter((t) => t.spec === target.spec).map((t) => t.given))];
    if (matching.length === 0) throw new Error(`--profile ${value}: ${spec} is not one of ${what} (${(targets ?? []).map((t) => t.given).join(', ')})`);
    if (!existsSync(file)) throw new Error(`--profile ${value}: ${file} does not exist: measure one with 'hwnas profile --target ${target.spec} --out ${file}'`);
    for (const t of matching) {
      if (out[t] !== undefined) throw new Error(`--profile is given twice for ${t}`);
      out[t] = resolve(file);
    }
  }
  return out;
}

/** Builds the latency model of each target once (a measured one reads its profile); throws on a missing or wrong profile. */
export async function checkTargetModels(space: SearchSpace, targets: readonly ResolvedTarget[], profiles: Record<string, string>): Promise<void> {
  for (const target of new Map(targets.map((t) => [t.given, t])).values()) {
    await createTargetModel(target, (cfg) => layersOf(space, cfg), { profile: profiles[target.given] });
  }
}
