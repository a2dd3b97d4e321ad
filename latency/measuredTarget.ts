/**
 * Registry entries for measured targets. A measured target's model is a latency profile that
 * `hwnas profile` measured on the device: `options.profile` names the file, else the shipped
 * default <package root>/models/profiles/<target>-<threads>.json is used. Creating the model
 * only reads JSON: timing happens in `hwnas profile`, never inside a search.
 */
import { join } from 'node:path';
import { loadLatencyProfile } from './latencyProfile.js';
import { findPackageRoot } from '../util/packageRoot.js';
import { ProfileLatencyModel } from './ProfileLatencyModel.js';
import type { LowerFn, Target, TargetModel, TargetOptions } from './target.js';
import type { TargetName } from './targetNames.js';

/** Threads a measured target runs with when the spec gives none ('ort-cpu' = 'ort-cpu:1'). */
export const kDefaultMeasuredThreads = 1;

/** The shipped profile of a target and thread count. */
export function defaultProfilePath(target: string, threads: number): string {
  return join(findPackageRoot(import.meta.url), 'models', 'profiles', `${target}-${threads}.json`);
}

export function measuredTarget(name: TargetName, description: string): Target {
  return Object.freeze({
    name,
    kind: 'measured' as const,
    unit: 'ms',
    description,
    async createModel(lower: LowerFn, options: TargetOptions = {}): Promise<TargetModel> {
      const threads = options.threads ?? kDefaultMeasuredThreads;
      const spec = `${name}:${threads}`;
      const path = options.profile ?? defaultProfilePath(name, threads);
      let profile;
      try {
        profile = loadLatencyProfile(path);
      } catch (err) {
        const how = options.profile === undefined
          ? ` (the default for ${spec}; measure one with 'hwnas profile --target ${spec} --out FILE' and pass it with --profile ${spec}=FILE)`
          : '';
        throw new Error(`target ${spec}: ${(err as Error).message}${how}`, { cause: err });
      }
      if (profile.target !== name || profile.threads !== threads) {
        throw new Error(
          `target ${spec}: profile ${path} was measured for ${profile.target}:${profile.threads}: ` +
            `use a profile of ${spec}, or make one with 'hwnas profile --target ${spec} --out ${path}'`,
        );
      }
      return new ProfileLatencyModel(profile, lower, `profile ${path}`);
    },
  });
}
