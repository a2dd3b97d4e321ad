/**
 * Validation at the boundary (files, CLI, worker inputs): zod schemas for the shapes, then
 * checks against the space, with messages that name the field and the fix. Nothing past the
 * boundary re-checks.
 */
import { z } from 'zod';
import { kBlockFamilies, type SearchSpace, type SubnetConfig } from './types.js';
import { spaceProblems } from './spaceChecks.js';
import { blockSlots, spaceFamilies, stageFamily, stemStrides } from './searchSpace.js';

const posInt = z.number().int().positive();
const stride = z.literal([1, 2]);
const weightBits = z.literal([4, 6, 8, 32]);
const actBits = z.literal([8, 32]);

export const stageSpecSchema = z.strictObject({
  width: posInt,
  stride,
  depths: z.array(posInt).min(1),
  se: z.boolean(),
  hswish: z.boolean(),
});

export const searchSpaceSchema = z.strictObject({
  name: z.string().min(1),
  input: z.strictObject({ height: posInt, width: posInt, channels: posInt, classes: posInt }),
  stem: z.strictObject({
    width: posInt, kernel: posInt, stride, strides: z.array(stride).min(1).optional(), widthFromStage: z.boolean().optional(), hswish: z.boolean(),
  }),
  stages: z.array(stageSpecSchema).min(1),
  kernels: z.array(posInt).min(1),
  expands: z.array(z.number().positive()).min(1),
  families: z.array(z.strictObject({ name: z.enum(kBlockFamilies), expands: z.array(z.number().positive()).min(1) })).min(1).optional(),
  widthRatios: z.array(z.number().positive().max(1)).min(1),
  compressing: z.string().min(1).optional(),
  head: z.strictObject({ width: z.number().int().nonnegative(), hswish: z.boolean() }),
  quant: z.strictObject({
    weightBits: z.array(weightBits).min(1),
    actBits: z.array(actBits).min(1),
    stemBits: z.strictObject({ w: weightBits, a: actBits }),
    classifierBits: z.strictObject({ w: weightBits, a: actBits }),
  }),
});

/** The shape of a config; membership in the space's choices is checked by `parseConfig`. */
export const subnetConfigSchema = z.strictObject({
  depths: z.array(z.number()),
  kernels: z.array(z.number()),
  expands: z.array(z.number()),
  widths: z.array(z.number()),
  wBits: z.array(z.number()).optional(),
  aBits: z.array(z.number()).optional(),
  families: z.array(z.string()).optional(),
  stemStride: z.number().optional(),
});

/** Thrown by the parsers; `problems` holds one line per problem found. */
export class SpaceValidationError extends Error {
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super(`invalid ${what}:\n  ${problems.join('\n  ')}`);
    this.name = 'SpaceValidationError';
    this.problems = problems;
  }
}

function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** One line for a zod issue: the field under `root`, what was wrong with it, and (for unknown fields) the fix. */
export function describeIssue(root: string, issue: z.core.$ZodIssue): string {
  const field = fieldPath(root, issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${field} has unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}: check the spelling or remove them`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${field} is missing: expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value' && issue.input === undefined) {
    return `${field} is missing: expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  return `${field} = ${JSON.stringify(issue.input)} is invalid: ${issue.message}`;
}

function parseShape<T>(schema: z.ZodType<T>, json: unknown, root: string, what: string): T {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new SpaceValidationError(what, [`${root} is not valid JSON: ${(err as Error).message}`]);
    }
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    throw new SpaceValidationError(what, result.error.issues.map((issue) => describeIssue(root, issue)));
  }
  return result.data;
}

/**
 * Validates a search space (a parsed JSON value, or JSON text): shapes and types, then
 * space-level sanity (choice lists non-empty, ascending and distinct; no two choices giving
 * the same channel count). Throws `SpaceValidationError` listing every problem.
 */
export function parseSearchSpace(json: unknown): SearchSpace {
  const space: SearchSpace = parseShape(searchSpaceSchema, json, 'space', 'search space');
  const problems = spaceProblems(space);
  if (problems.length > 0) throw new SpaceValidationError(`search space '${space.name}'`, problems);
  return space;
}

function checkLength(problems: string[], field: string, values: readonly unknown[], expected: number, unit: string, fix: string): boolean {
  if (values.length === expected) return true;
  problems.push(`config.${field} has ${values.length} entries but the space has ${expected} ${unit}: ${fix}`);
  return false;
}

const list = (values: readonly number[]): string => `[${values.join(', ')}]`;

/** Checks each value is a choice; `choices(i)` gives the allowed values and how to name them. */
function checkMembers(
  problems: string[], field: string, values: readonly number[],
  choices: (i: number) => { allowed: readonly number[]; name: string },
): void {
  values.forEach((v, i) => {
    const { allowed, name } = choices(i);
    if (!allowed.includes(v)) problems.push(`config.${field}[${i}] = ${v} is not one of ${name}`);
  });
}

/** The problems of a shape-checked config against `space`; empty when it is valid. */
export function configProblems(space: SearchSpace, cfg: SubnetConfig): string[] {
  const problems: string[] = [];
  const stages = space.stages.length;
  const slots = blockSlots(space).length;
  const perStage = 'give one entry per stage';
  const perSlot = 'give one entry per block slot (each stage\'s largest depth, summed), skipped slots included';
  if (checkLength(problems, 'depths', cfg.depths, stages, 'stages', perStage)) {
    checkMembers(problems, 'depths', cfg.depths, (i) => {
      const allowed = space.stages[i].depths;
      return { allowed, name: `stage ${i}'s depths ${list(allowed)}` };
    });
  }
  if (checkLength(problems, 'widths', cfg.widths, stages, 'stages', perStage)) {
    const allowed = space.widthRatios;
    checkMembers(problems, 'widths', cfg.widths, () => ({ allowed, name: `the space's width ratios ${list(allowed)}` }));
  }
  if (checkLength(problems, 'kernels', cfg.kernels, slots, 'block slots', perSlot)) {
    const allowed = space.kernels;
    checkMembers(problems, 'kernels', cfg.kernels, () => ({ allowed, name: `the space's kernels ${list(allowed)}` }));
  }
  const familyNames = spaceFamilies(space).map((f) => f.name as string);
  let familiesOk = true;
  if (cfg.families !== undefined) {
    if (space.families === undefined) {
      problems.push(`config.families is given but space '${space.name}' has no block families: remove it`);
      familiesOk = false;
    } else if (checkLength(problems, 'families', cfg.families, stages, 'stages', perStage)) {
      cfg.families.forEach((f, i) => {
        if (!familyNames.includes(f)) {
          problems.push(`config.families[${i}] = '${f}' is not one of the space's families ${familyNames.join(', ')}`);
          familiesOk = false;
        }
      });
    } else {
      familiesOk = false;
    }
  }
  if (checkLength(problems, 'expands', cfg.expands, slots, 'block slots', perSlot) && familiesOk) {
    const slotList = blockSlots(space);
    checkMembers(problems, 'expands', cfg.expands, (i) => {
      const family = stageFamily(space, cfg, slotList[i].stage);
      const what = space.families === undefined ? "the space's expand ratios" : `the expand ratios of family ${family.name}`;
      return { allowed: family.expands, name: `${what} ${list(family.expands)}` };
    });
  }
  if (cfg.stemStride !== undefined && !(stemStrides(space) as readonly number[]).includes(cfg.stemStride)) {
    problems.push(`config.stemStride = ${cfg.stemStride} is not one of the space's stem strides ${list(stemStrides(space))}`);
  }
  if ((cfg.wBits === undefined) !== (cfg.aBits === undefined)) {
    const [given, missing] = cfg.wBits === undefined ? ['aBits', 'wBits'] : ['wBits', 'aBits'];
    problems.push(`config.${given} is given but config.${missing} is not: give both for a quantized subnet, or neither for a float one`);
  }
  if (cfg.wBits !== undefined && checkLength(problems, 'wBits', cfg.wBits, slots, 'block slots', perSlot)) {
    const allowed = space.quant.weightBits;
    checkMembers(problems, 'wBits', cfg.wBits, () => ({ allowed, name: `${list(allowed)} (the space's quant.weightBits)` }));
  }
  if (cfg.aBits !== undefined && checkLength(problems, 'aBits', cfg.aBits, slots, 'block slots', perSlot)) {
    const allowed = space.quant.actBits;
    checkMembers(problems, 'aBits', cfg.aBits, () => ({ allowed, name: `${list(allowed)} (the space's quant.actBits)` }));
  }
  return problems;
}

/**
 * Validates a subnet config (a parsed JSON value, or JSON text) against `space`: shapes, array
 * lengths, and every value one of the space's choices (skipped slots included). Returns the
 * config unchanged (not canonicalised). Throws `SpaceValidationError` listing every problem.
 */
export function parseConfig(space: SearchSpace, json: unknown): SubnetConfig {
  const cfg = parseShape(subnetConfigSchema, json, 'config', 'subnet config') as SubnetConfig;
  const problems = configProblems(space, cfg);
  if (problems.length > 0) throw new SpaceValidationError(`subnet config for space '${space.name}'`, problems);
  return cfg;
}
