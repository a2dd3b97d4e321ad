/**
 * The held-out subnets of a `hwnas profile --evaluate --json` report, read back for offline
 * analysis: any latency model can then be scored on subnets measured independently of its
 * training set, without measuring again. Since this version the report's rows record each
 * subnet's config; older reports hold its key only, and the configs are drawn again as
 * evaluateProfile drew them (its seed per group, the profile's training subnets excluded),
 * each checked against the recorded key.
 */
import { z } from 'zod';
import { subnetConfigSchema } from '../space/schema.js';
import { configKey } from '../space/searchSpace.js';
import type { SubnetConfig } from '../space/types.js';
import type { LatencyProfile } from '../latency/latencyProfile.js';
import { kDefaultEvaluateOptions } from './evaluateProfile.js';
import { kSubnetGroups, sampleSubnets, subnetGroups, type SubnetGroup } from './subnetSets.js';

const reportSchema = z.object({
  target: z.string(),
  groups: z.array(z.object({
    group: z.enum(kSubnetGroups),
    rows: z.array(z.object({ key: z.string(), measuredMs: z.number().positive(), predictedMs: z.number(), config: subnetConfigSchema.optional() })).min(1),
  })),
});

export interface EvaluatedSubnet {
  group: SubnetGroup;
  config: SubnetConfig;
  /** At the profile's speed, as the report compares it. */
  ms: number;
  /** What the evaluated profile predicted. */
  predictedMs: number;
}

/**
 * The held-out subnets of `report` (parsed JSON), an evaluation of `profile`; `origin` names it
 * in errors. Throws when the report is of another profile (another target, or rows among the
 * profile's training subnets) or, without recorded configs, was drawn with another seed.
 */
export function evaluatedSubnets(profile: LatencyProfile, report: unknown, origin: string): EvaluatedSubnet[] {
  const parsed = reportSchema.safeParse(report);
  if (!parsed.success) {
    throw new Error(`${origin} is not a report of 'hwnas profile --evaluate --json' with held-out rows: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  }
  const e = parsed.data;
  const target = `${profile.target}:${profile.threads}`;
  if (e.target !== target) throw new Error(`${origin} evaluates a profile of ${e.target}, not of ${target}`);
  const { space } = profile;
  const training = new Set(profile.subnets.map((s) => configKey(space, s.config)));
  const groups = subnetGroups(profile.bits);
  return e.groups.flatMap(({ group, rows }) => {
    const g = groups.indexOf(group);
    const drawn = rows.every((r) => r.config !== undefined) ? [] : sampleSubnets(space, group, rows.length, kDefaultEvaluateOptions.seed + 7919 * g, training);
    return rows.map((r, i) => {
      const config = (r.config as SubnetConfig | undefined) ?? drawn[i];
      if (configKey(space, config) !== r.key) {
        throw new Error(`${origin}: held-out ${group} subnet ${i} is not the one evaluateProfile draws with its default seed from this profile: evaluate it again with this version, which records configs`);
      }
      if (training.has(r.key)) {
        throw new Error(`${origin}: held-out ${group} subnet ${i} is one of the profile's own training subnets, so the report is no held-out check of it: pair the report with the profile it evaluated`);
      }
      if (training.has(r.key)) {
        throw new Error(`${origin}: held-out ${group} subnet ${i} is one of the profile's own training subnets, so it is no held-out check of this profile: pair the report with the profile it evaluated`);
      }
      return { group, config, ms: r.measuredMs, predictedMs: r.predictedMs };
    });
  });
}
