/**
 * Latency profile files: what `hwnas profile` measured on one device for one measured target
 * and thread count, and the model fitted to it. JSON, validated with a zod schema when loaded;
 * past this boundary nothing re-checks. Plain data: the search workers load these.
 *
 * Layout (version 2):
 *   format, version        'hwnas-latency-profile', 2
 *   target, threads        e.g. 'ort-cpu', 1
 *   bits                   whether the runtime executes a config's bits (false: float graphs)
 *   space                  the search space measured (configs are lowered with it)
 *   machine                cpu model, cores, platform/arch, node and runtime versions, date
 *   measurement            the harness settings used (warm-up, runs, spread limits; null = off)
 *   table                  part key (see latencyParts.ts) -> the part's own median time, ms
 *   model                  the latency model (latencyFeatures.ts): its feature names, and per
 *                          precision ('float', and 'quantized' when bits) the weights, the ridge
 *                          penalty and the cross-validated agreement on the measured subnets
 *   subnets                the whole random subnets measured for the fit: config, median ms
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { kLatencyFeatures } from './latencyFeatures.js';
import { configProblems, searchSpaceSchema, subnetConfigSchema } from '../space/schema.js';
import { spaceProblems } from '../space/spaceChecks.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';

export const kProfileFormat = 'hwnas-latency-profile';
export const kProfileVersion = 2;

const finite = z.number().finite();
const positive = finite.positive();

const fitQualitySchema = z.strictObject({
  samples: z.number().int().nonnegative(),
  shareWithin10: z.number().min(0).max(1),
  mape: z.number().nonnegative(),
});

const linearModelSchema = z.strictObject({
  /** One weight per feature, in the order of `model.features`. */
  weights: z.array(finite).length(kLatencyFeatures.length),
  ridge: z.number().nonnegative(),
  /** 5-fold cross-validated agreement on the group's measured subnets. */
  crossValidated: fitQualitySchema,
});

export const latencyProfileSchema = z
  .strictObject({
    format: z.literal(kProfileFormat),
    version: z.literal(kProfileVersion),
    target: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    threads: z.number().int().positive(),
    bits: z.boolean(),
    space: searchSpaceSchema,
    machine: z.strictObject({
      cpuModel: z.string(),
      cores: z.number().int().positive(),
      platform: z.string(),
      arch: z.string(),
      node: z.string(),
      runtime: z.strictObject({ name: z.string(), version: z.string() }),
      createdAt: z.iso.datetime(),
    }),
    measurement: z.strictObject({
      warmupRuns: z.number().int().positive(),
      runs: z.number().int().positive(),
      /** null: the check was disabled (Infinity). */
      maxCv: positive.nullable(),
      maxIqrRatio: positive.nullable(),
    }),
    table: z.record(z.string().min(1), finite),
    model: z.strictObject({
      features: z.array(z.string()).refine((f) => f.join() === kLatencyFeatures.join(), {
        message: 'the model uses other features than this version of hwnas: re-fit it with \'hwnas profile --refit FILE\'',
      }),
      float: linearModelSchema,
      quantized: linearModelSchema.optional(),
    }),
    subnets: z.array(z.strictObject({ config: subnetConfigSchema, ms: positive })),
  })
  .superRefine((p, ctx) => {
    if (p.bits && p.model.quantized === undefined) {
      ctx.addIssue({ code: 'custom', path: ['model', 'quantized'], message: 'a profile with bits needs a quantized model' });
    }
    const space = p.space as SearchSpace;
    const problems = spaceProblems(space);
    for (const message of problems) ctx.addIssue({ code: 'custom', path: ['space'], message });
    if (problems.length > 0) return;
    p.subnets.forEach((s, i) => {
      for (const message of configProblems(space, s.config as SubnetConfig)) ctx.addIssue({ code: 'custom', path: ['subnets', i, 'config'], message });
    });
  });

type ParsedProfile = z.infer<typeof latencyProfileSchema>;

/** A validated profile, with the space and configs at their precise types. */
export type LatencyProfile = Omit<ParsedProfile, 'space' | 'subnets'> & {
  space: SearchSpace;
  subnets: Array<{ config: SubnetConfig; ms: number }>;
};
export type LinearModel = z.infer<typeof linearModelSchema>;

/** Validates parsed JSON as a latency profile; `origin` names it in error messages. */
export function parseLatencyProfile(data: unknown, origin: string): LatencyProfile {
  const result = latencyProfileSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    const more = result.error.issues.length > 10 ? `\n  ... and ${result.error.issues.length - 10} more` : '';
    throw new Error(`latency profile ${origin} is invalid:\n${issues}${more}\nre-create it with 'hwnas profile'`);
  }
  return result.data as LatencyProfile;
}

/** Reads and validates a profile file. Throws naming the file, and how to make one if missing. */
export function loadLatencyProfile(path: string): LatencyProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`latency profile ${path} does not exist: measure one on this device with 'hwnas profile --target TARGET:THREADS --out ${path}'`);
    }
    throw new Error(`cannot read latency profile ${path}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`latency profile ${path} is not JSON (${(err as Error).message}): re-create it with 'hwnas profile'`, { cause: err });
  }
  return parseLatencyProfile(data, path);
}
