/**
 * Validation of transformer spaces and configs at the boundary, in the style of the CNN
 * spaces' (../schema.ts): a zod shape check, then checks against the space, every problem on
 * its own line naming the field and the fix. Nothing past the boundary re-checks.
 */
import { z } from 'zod';
import { describeIssue, SpaceValidationError } from '../schema.js';
import { kTokenPools, type TransformerConfig, type TransformerSpace } from './types.js';

const posInt = z.number().int().positive();

export const transformerSpaceSchema = z.strictObject({
  kind: z.literal('vit'),
  name: z.string().min(1),
  input: z.strictObject({ height: posInt, width: posInt, channels: posInt, classes: posInt }),
  patchSize: posInt,
  embedDims: z.array(posInt).min(1),
  depths: z.array(posInt).min(1),
  heads: z.array(posInt).min(1),
  headDim: posInt,
  mlpRatios: z.array(z.number().positive()).min(1),
  pool: z.enum(kTokenPools),
});

/** The shape of a config; membership in the space's choices is checked by `parseTransformerConfig`. */
export const transformerConfigSchema = z.strictObject({
  kind: z.literal('vit'),
  embedDim: z.number(),
  depth: z.number(),
  heads: z.array(z.number()),
  mlpRatios: z.array(z.number()),
});

function parseJson(json: unknown, root: string, what: string): unknown {
  if (typeof json !== 'string') return json;
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new SpaceValidationError(what, [`${root} is not valid JSON: ${(err as Error).message}`]);
  }
}

function parseShape<T>(schema: z.ZodType<T>, json: unknown, root: string, what: string): T {
  const result = schema.safeParse(parseJson(json, root, what), { reportInput: true });
  if (!result.success) throw new SpaceValidationError(what, result.error.issues.map((issue) => describeIssue(root, issue)));
  return result.data;
}

function checkAscending(problems: string[], field: string, values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] <= values[i - 1]) {
      problems.push(`space.${field} = [${values.join(', ')}] must be ascending without repeats: sort it and drop duplicates`);
      return;
    }
  }
}

/** Space-level problems past the shape check; empty when the space is sound. */
export function transformerSpaceProblems(space: TransformerSpace): string[] {
  const problems: string[] = [];
  for (const field of ['embedDims', 'depths', 'heads', 'mlpRatios'] as const) checkAscending(problems, field, space[field]);
  const { height, width } = space.input;
  const p = space.patchSize;
  if (height % p !== 0 || width % p !== 0) {
    const fits = Array.from({ length: Math.min(height, width) }, (_, i) => i + 1).filter((d) => height % d === 0 && width % d === 0 && d > 1);
    problems.push(`space.patchSize = ${p} does not divide the ${height}x${width} input: use one of ${fits.join(', ')}`);
  }
  for (const d of space.embedDims) {
    for (const r of space.mlpRatios) {
      if (!Number.isInteger(d * r)) problems.push(`space.mlpRatios: ${r} x embedDim ${d} = ${d * r} hidden units is not an integer: choose ratios that give whole units for every embedDim`);
    }
  }
  return problems;
}

/** Validates a transformer space (a parsed JSON value, or JSON text); throws `SpaceValidationError` listing every problem. */
export function parseTransformerSpace(json: unknown): TransformerSpace {
  const space = parseShape(transformerSpaceSchema, json, 'space', 'transformer space') as TransformerSpace;
  const problems = transformerSpaceProblems(space);
  if (problems.length > 0) throw new SpaceValidationError(`transformer space '${space.name}'`, problems);
  return space;
}

const list = (values: readonly number[]): string => `[${values.join(', ')}]`;

/** The problems of a shape-checked config against `space`; empty when it is valid. */
export function transformerConfigProblems(space: TransformerSpace, cfg: TransformerConfig): string[] {
  const problems: string[] = [];
  if (!space.embedDims.includes(cfg.embedDim)) problems.push(`config.embedDim = ${cfg.embedDim} is not one of the space's embedDims ${list(space.embedDims)}`);
  if (!space.depths.includes(cfg.depth)) {
    problems.push(`config.depth = ${cfg.depth} is not one of the space's depths ${list(space.depths)}`);
    return problems;
  }
  for (const [field, allowed] of [['heads', space.heads], ['mlpRatios', space.mlpRatios]] as const) {
    const values = cfg[field];
    if (values.length !== cfg.depth) {
      problems.push(`config.${field} has ${values.length} entries but config.depth is ${cfg.depth}: give one entry per layer that runs`);
      continue;
    }
    values.forEach((v, i) => {
      if (!allowed.includes(v)) problems.push(`config.${field}[${i}] = ${v} is not one of the space's ${field} ${list(allowed)}`);
    });
  }
  return problems;
}

/**
 * Validates a SubTransformer config (a parsed JSON value, or JSON text) against `space`.
 * Returns it unchanged; throws `SpaceValidationError` listing every problem.
 */
export function parseTransformerConfig(space: TransformerSpace, json: unknown): TransformerConfig {
  const cfg = parseShape(transformerConfigSchema, json, 'config', 'SubTransformer config') as TransformerConfig;
  const problems = transformerConfigProblems(space, cfg);
  if (problems.length > 0) throw new SpaceValidationError(`SubTransformer config for space '${space.name}'`, problems);
  return cfg;
}
