/**
 * Latency profile files: what `hwnas profile` measured on one device for one measured target
 * and thread count, and the model fitted to it. JSON, validated with a zod schema when loaded;
 * past this boundary nothing re-checks. Plain data: the search workers load these.
 *
 * Layout (version 5; versions 2 to 4 still load and predict as they did):
 *   format, version        'hwnas-latency-profile', 5
 *   target, threads        e.g. 'ort-cpu', 1
 *   bits                   whether the runtime executes a config's bits (false: float graphs)
 *   space                  the search space measured (configs are lowered with it)
 *   machine                the machine's fingerprint (cpu model and the instruction-set flags
 *                          that change kernels, e.g. avx2, avx512f, avx512_vnni; cores,
 *                          platform/arch, node and runtime versions) and the date; version 2
 *                          files have no flags (unknown)
 *   measurement            the sampler used (interleaved.ts) and the time budget; version 2:
 *                          warm-up, runs and spread limits (null = off)
 *   table                  part key (see latencyParts.ts) -> the part's own median time, ms
 *   tableSpread            part key -> relative precision of that entry (optional)
 *   model                  the latency model (latencyFeatures.ts): its feature names, and per
 *                          precision ('float', and 'quantized' when bits) the weights, the ridge
 *                          penalty and the cross-validated agreement on the measured subnets.
 *                          Version 5 fits the structure feature set (kStructureLatencyFeatures)
 *                          robustly (`robust`: the Tukey constant, fitProfile.ts), version 4 the
 *                          runtime set (kRuntimeLatencyFeatures) by plain ridge; both store the
 *                          CPU layout they assume (`layout`: the NCHWc block, runtimeFeatures.ts);
 *                          versions 2 and 3 hold kLatencyFeatures, no layout
 *   subnets                the whole random subnets measured for the fit: config, median ms,
 *                          and its relative precision (`spread`; noisier subnets weigh less)
 *   reference              (optional) a fixed subnet timed beside every measurement and its
 *                          median time: all times are at the machine's speed it stands for
 *   int8                   (optional) uint8 vs int8 weight containers measured here, before
 *                          the table and subnets: which one is faster and exact (int8Container.ts)
 *   measuredWeightType     (optional) the container of quantized weights the table, the subnets
 *                          and so the quantized model were measured with - int8.weightType in
 *                          profiles that record it; exports for this target use it. Absent:
 *                          uint8 - profiles written before it was recorded were measured with
 *                          uint8 even when their int8.weightType names int8
 *   adapted                (optional) the profile was adapted from another machine's profile
 *                          with a few measurements here (adaptProfile.ts): source, samples,
 *                          the per-feature-class scales and their leave-one-out quality, and
 *                          the format version of a source whose model was re-fitted first
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { featureSetOf } from './latencyFeatures.js';
import { configProblems, searchSpaceSchema, subnetConfigSchema } from '../space/schema.js';
import { spaceProblems } from '../space/spaceChecks.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';

export const kProfileFormat = 'hwnas-latency-profile';
export const kProfileVersion = 5;

const finite = z.number().finite();
const positive = finite.positive();

export const fitQualitySchema = z.strictObject({
  samples: z.number().int().nonnegative(),
  shareWithin10: z.number().min(0).max(1),
  mape: z.number().nonnegative(),
});

const linearModelSchema = z.strictObject({
  /** One weight per feature, in the order of `model.features`. */
  weights: z.array(finite),
  ridge: z.number().nonnegative(),
  /** 5-fold cross-validated agreement on the group's measured subnets. */
  crossValidated: fitQualitySchema,
  /** The Tukey bisquare constant of a robust fit (version 5); absent: plain ridge least squares. */
  robust: positive.optional(),
  /** Weights constrained to be >= 0 (profiles fitted since 2026-12-05, fitProfile.ts); absent: free. */
  nonNegative: z.literal(true).optional(),
});

export const machineSchema = z.strictObject({
  cpuModel: z.string(),
  /** Instruction-set flags that select kernels (see profiling/machine.ts); absent: unknown (version 2). */
  cpuFlags: z.array(z.string()).optional(),
  /** x86 family/model/stepping or Arm implementer/part (see profiling/machine.ts); absent: not recorded. */
  cpuId: z.string().optional(),
  cores: z.number().int().positive(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  runtime: z.strictObject({ name: z.string(), version: z.string() }),
  createdAt: z.iso.datetime(),
});

export const samplerSchema = z.strictObject({
  warmupRuns: z.number().int().positive(),
  minSampleMs: z.number().nonnegative(),
  minRounds: z.number().int().positive(),
  maxRounds: z.number().int().positive(),
  targetSpread: positive,
});

const measurementSchema = z.union([
  z.strictObject({ sampler: samplerSchema, budgetSeconds: positive }),
  z.strictObject({
    warmupRuns: z.number().int().positive(),
    runs: z.number().int().positive(),
    /** null: the check was disabled (Infinity). */
    maxCv: positive.nullable(),
    maxIqrRatio: positive.nullable(),
  }),
]);

const groupAdaptationSchema = z.strictObject({
  samples: z.number().int().positive(),
  /** Penalty on the per-class departures chosen by leave-one-out; null: one common speed ratio. */
  ridge: z.number().nonnegative().nullable(),
  /** Feature class -> scale applied to the source weights of that class. */
  scales: z.record(z.string(), finite),
  /** Leave-one-out agreement on the samples, and the unadapted source model's on them. */
  leaveOneOut: fitQualitySchema,
  source: fitQualitySchema,
});

const adaptedSchema = z.strictObject({
  /** The source profile's file and machine. */
  from: z.string(),
  fromMachine: machineSchema,
  /** Whole subnets measured here. */
  samples: z.number().int().positive(),
  /** Per precision group ('float', 'quantized'). */
  groups: z.record(z.string(), groupAdaptationSchema),
  /** The source's model (of this format version) was re-fitted on its stored measurements before adapting. */
  sourceRefitFrom: z.number().int().positive().optional(),
});

export const latencyProfileSchema = z
  .strictObject({
    format: z.literal(kProfileFormat),
    version: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
    target: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    threads: z.number().int().positive(),
    bits: z.boolean(),
    space: searchSpaceSchema,
    machine: machineSchema,
    measurement: measurementSchema,
    table: z.record(z.string().min(1), finite),
    tableSpread: z.record(z.string().min(1), z.number().nonnegative()).optional(),
    model: z.strictObject({
      features: z.array(z.string()).refine((f) => featureSetOf(f) !== undefined, {
        message: 'the model uses other features than this version of hwnas: re-fit it with \'hwnas profile --refit FILE\'',
      }),
      /** The CPU layout the runtime features assume (models of the runtime and structure sets only). */
      layout: z.strictObject({ nchwcBlock: z.number().int().positive() }).optional(),
      float: linearModelSchema,
      quantized: linearModelSchema.optional(),
    }),
    subnets: z.array(z.strictObject({ config: subnetConfigSchema, ms: positive, spread: z.number().nonnegative().optional() })),
    adapted: adaptedSchema.optional(),
    /**
     * The reference subnet timed beside every measurement, and its median time over the run:
     * table entries and subnet times are scaled to that speed of the machine.
     */
    reference: z.strictObject({ config: subnetConfigSchema, ms: positive }).optional(),
    /** The faster exact container of quantized weights on this machine (runtimes with a choice). */
    int8: z.strictObject({
      weightType: z.enum(['uint8', 'int8']),
      int8OverUint8: positive,
      int8Exact: z.boolean(),
      maxRelativeDifference: z.number().nonnegative(),
      subnets: z.number().int().positive(),
    }).optional(),
    /** The container the table and subnets were measured with (see measuredWeightType()); absent: uint8. */
    measuredWeightType: z.enum(['uint8', 'int8']).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.bits && p.model.quantized === undefined) {
      ctx.addIssue({ code: 'custom', path: ['model', 'quantized'], message: 'a profile with bits needs a quantized model' });
    }
    const set = featureSetOf(p.model.features);
    const runtimeSet = set !== 'operators';
    if (set !== undefined && runtimeSet !== (p.model.layout !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'layout'], message: runtimeSet ? 'a model of the runtime features needs its layout' : 'only a model of the runtime features has a layout' });
    }
    for (const group of ['float', 'quantized'] as const) {
      const m = p.model[group];
      if (m !== undefined && m.weights.length !== p.model.features.length) {
        ctx.addIssue({ code: 'custom', path: ['model', group, 'weights'], message: `expected ${p.model.features.length} weights, one per feature (got ${m.weights.length})` });
      }
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
export type LatencyProfile = Omit<ParsedProfile, 'space' | 'subnets' | 'reference'> & {
  space: SearchSpace;
  reference?: { config: SubnetConfig; ms: number };
  subnets: Array<{ config: SubnetConfig; ms: number; spread?: number }>;
};
export type LinearModel = z.infer<typeof linearModelSchema>;

/**
 * The container of quantized weights a profile's table and subnets were measured with, so the
 * one its quantized predictions hold for: uint8 unless it records another (older profiles were
 * all measured with uint8, whatever their `int8.weightType` says).
 */
export function measuredWeightType(profile: Pick<LatencyProfile, 'measuredWeightType'>): 'uint8' | 'int8' {
  return profile.measuredWeightType ?? 'uint8';
}

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
