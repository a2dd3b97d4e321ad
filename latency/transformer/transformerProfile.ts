/**
 * Transformer latency profile files: what `hwnas profile --space <vit space>` measured on one
 * device for one measured target and thread count, holding what both latency model kinds need.
 * JSON, validated with zod when loaded; past this boundary nothing re-checks. Plain data.
 *
 * Layout (version 1):
 *   format, version        'hwnas-transformer-latency-profile', 1
 *   target, threads        e.g. 'ort-cpu', 1
 *   space                  the transformer space measured
 *   machine, measurement   as in the CNN profile (latencyProfile.ts)
 *   table, tableSpread     part key (transformerParts.ts) -> its own median time, ms, and precision
 *   subnets                whole random SubTransformers measured: config, median ms, precision
 *   reference              the SubTransformer timed beside every measurement, at its median time
 *   tableModel             the table kind: its overhead model (features kTransformerTableFeatures,
 *                          fitted on the first `subnets` measured SubTransformers, so that table
 *                          entries plus those subnets are as many measurements as the MLP uses)
 *   mlp                    HAT's predictor: a ReLU MLP on transformerFeatures, trained on every
 *                          measured SubTransformer (ms out); each layer's `weights` ([inputs,
 *                          outputs], row-major) and `bias` ([outputs]) are tagged float32 arrays,
 *                          base64 of their bytes (util/float32Base64.ts). Files written before
 *                          that hold plain arrays of numbers there: they load as before, turned
 *                          into the tagged form, so past this boundary there is one form.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fitQualitySchema, machineSchema, samplerSchema } from '../latencyProfile.js';
import { transformerConfigProblems, transformerConfigSchema, transformerSpaceProblems, transformerSpaceSchema } from '../../space/transformer/schema.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { kTransformerTableFeatures } from './transformerParts.js';
import { transformerFeatureNames } from './transformerFeatures.js';
import { decodeFloat32, encodeFloat32, type Float32Base64 } from '../../util/float32Base64.js';

export const kTransformerProfileFormat = 'hwnas-transformer-latency-profile';
export const kTransformerProfileVersion = 1;

const finite = z.number().finite();
const positive = finite.positive();

/** A float32 array: tagged base64, or (files written before it) plain numbers. */
const float32Schema = z.union([
  z.strictObject({ dtype: z.literal('float32'), shape: z.array(z.number().int().nonnegative()), base64: z.string() }),
  z.array(finite),
]);

/** A dense layer, its arrays checked against its shape and turned into the tagged form. */
const denseSchema = z.strictObject({
  inputs: z.number().int().positive(),
  outputs: z.number().int().positive(),
  weights: float32Schema,
  bias: float32Schema,
}).transform((l, ctx) => {
  const field = (name: 'weights' | 'bias', shape: number[]): Float32Base64 => {
    const stored = l[name];
    try {
      if (!Array.isArray(stored)) {
        decodeFloat32(stored, shape, name);
        return stored;
      }
      if (stored.length !== shape.reduce((n, d) => n * d, 1)) throw new Error(`${name} holds ${stored.length} numbers, expected [${shape.join(', ')}]`);
      return encodeFloat32(stored, shape);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [name], message: (err as Error).message });
      return z.NEVER;
    }
  };
  return { inputs: l.inputs, outputs: l.outputs, weights: field('weights', [l.inputs, l.outputs]), bias: field('bias', [l.outputs]) };
});

export const transformerProfileSchema = z.strictObject({
  format: z.literal(kTransformerProfileFormat),
  version: z.literal(kTransformerProfileVersion),
  target: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  threads: z.number().int().positive(),
  space: transformerSpaceSchema,
  machine: machineSchema,
  measurement: z.strictObject({ sampler: samplerSchema, budgetSeconds: positive }),
  table: z.record(z.string().min(1), finite),
  tableSpread: z.record(z.string().min(1), z.number().nonnegative()),
  subnets: z.array(z.strictObject({ config: transformerConfigSchema, ms: positive, spread: z.number().nonnegative() })),
  reference: z.strictObject({ config: transformerConfigSchema, ms: positive }),
  tableModel: z.strictObject({
    features: z.array(z.string()).refine((f) => f.join() === kTransformerTableFeatures.join(), { message: 'the table model uses other features than this version of hwnas: measure the profile again' }),
    weights: z.array(finite).length(kTransformerTableFeatures.length),
    ridge: z.number().nonnegative(),
    /** Whole SubTransformers its overhead was fitted on (the first ones of `subnets`). */
    subnets: z.number().int().positive(),
    crossValidated: fitQualitySchema,
  }),
  mlp: z.strictObject({
    features: z.array(z.string()),
    layers: z.array(denseSchema).min(1),
    /** Whole SubTransformers it was trained on, and its early-stopping hold-out RMSE, ms. */
    subnets: z.number().int().positive(),
    holdOutRmseMs: z.number().nonnegative(),
  }),
}).superRefine((p, ctx) => {
  const space = p.space as TransformerSpace;
  const problems = transformerSpaceProblems(space);
  for (const message of problems) ctx.addIssue({ code: 'custom', path: ['space'], message });
  if (problems.length > 0) return;
  if (p.mlp.features.join() !== transformerFeatureNames(space).join()) {
    ctx.addIssue({ code: 'custom', path: ['mlp', 'features'], message: 'the MLP uses other features than this version of hwnas: measure the profile again' });
  }
  p.subnets.forEach((s, i) => {
    for (const message of transformerConfigProblems(space, s.config as TransformerConfig)) ctx.addIssue({ code: 'custom', path: ['subnets', i, 'config'], message });
  });
});

type Parsed = z.infer<typeof transformerProfileSchema>;

/** A validated transformer profile, with the space and configs at their precise types. */
export type TransformerProfile = Omit<Parsed, 'space' | 'subnets' | 'reference'> & {
  space: TransformerSpace;
  subnets: Array<{ config: TransformerConfig; ms: number; spread: number }>;
  reference: { config: TransformerConfig; ms: number };
};

/** Whether parsed JSON claims to be a transformer latency profile. */
export function isTransformerProfileJson(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { format?: unknown }).format === kTransformerProfileFormat;
}

/** Whether the file at `path` holds a transformer latency profile (anything unreadable: no, and the CNN loader says why). */
export function isTransformerProfileFile(path: string): boolean {
  try {
    return isTransformerProfileJson(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return false;
  }
}

/** Validates parsed JSON as a transformer latency profile; `origin` names it in error messages. */
export function parseTransformerProfile(data: unknown, origin: string): TransformerProfile {
  const result = transformerProfileSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`transformer latency profile ${origin} is invalid:\n${issues}\nre-create it with 'hwnas profile --space SPACE --target TARGET --out ${origin}'`);
  }
  return result.data as TransformerProfile;
}

/** Reads and validates a transformer profile file; throws naming the file, and how to make one. */
export function loadTransformerProfile(path: string): TransformerProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`transformer latency profile ${path} does not exist: measure one with 'hwnas profile --space fashion-vit --target TARGET:THREADS --out ${path}'`);
    }
    throw new Error(`cannot read transformer latency profile ${path}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`transformer latency profile ${path} is not JSON (${(err as Error).message}): re-create it with 'hwnas profile'`, { cause: err });
  }
  return parseTransformerProfile(data, path);
}
