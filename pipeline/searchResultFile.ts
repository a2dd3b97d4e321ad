/**
 * Results files of `hwnas search` read back (for `hwnas verify`): validated at the boundary with
 * zod, then the space and the chosen config against the space's rules, every message naming the
 * file, the field and the fix. Only budget-mode results hold a chosen config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { ScoredConfig } from '../evolution/types.js';
import { resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { describeIssue, parseConfig, parseSearchSpace } from '../space/schema.js';
import type { QuantMode } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { kSearchFormat, kSearchMarker, kSearchMarkerFormat, type SearchOutcome } from './searchOutput.js';

/** The config a budget search chose, with its predictions and where it came from. */
export interface ChosenConfig {
  /** The results file it was read from (or written to). */
  source: string;
  /** Target spec as written in the results file, e.g. 'ort-cpu:1'. */
  target: string;
  /** `target` parsed once, when the result was read or made. */
  resolved: ResolvedTarget;
  unit: string;
  /** The budget, in `unit`. */
  maxLatency: number;
  best: ScoredConfig;
  space: SearchSpace;
  /** Absolute path of the supernet checkpoint searched, or null when the search named none. */
  checkpoint: string | null;
  predictor: string;
  quant: QuantMode;
  /** The latency profile the search predicted each measured target with (absolute paths), when recorded. */
  profiles?: Record<string, string>;
  /** The chosen config's val accuracy as the search measured it (--rerank), when it did. */
  measuredVal?: { accuracy: number; images: number };
}

const headerSchema = z.object({
  format: z.literal(kSearchFormat),
  version: z.literal(1),
  mode: z.enum(['budget', 'pareto']),
});

const budgetSchema = z.object({
  target: z.string().min(1),
  unit: z.string().min(1),
  maxLatency: z.number().positive(),
  best: z.object({
    config: z.unknown(),
    // The predictor's score: a fraction for a trained predictor, but a linear output layer can
    // put a config it extrapolates to outside [0, 1], and a search writes what it predicted.
    accuracy: z.number().finite(),
    latency: z.number().nonnegative(),
    latencies: z.record(z.string(), z.number()),
  }),
  space: z.unknown(),
  checkpoint: z.string().min(1).nullable(),
  predictor: z.string(),
  quant: z.enum(['fp32', 'mixed']),
  profiles: z.record(z.string(), z.string()).optional(),
  rerank: z.object({
    candidates: z.array(z.object({ valAccuracy: z.number().min(0).max(1), valImages: z.number().int().positive() })).min(1),
    chosen: z.number().int().nonnegative(),
  }).refine((r) => r.chosen < r.candidates.length, { message: 'rerank.chosen must index one of rerank.candidates', path: ['chosen'] }).optional(),
  finetune: z.object({}).passthrough().optional(),
});

const kFix = "give a results JSON that 'hwnas search --target T --max-latency B' wrote (search-*.json in its --out folder)";

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => describeIssue('results', issue)).join('\n  ');
}

/** `what()`, its error prefixed with the file. */
function inFile<T>(path: string, what: () => T): T {
  try {
    return what();
  } catch (err) {
    throw new Error(`results file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The val accuracy the search measured for its chosen config, from its re-ranking record; none
 * when the config was fine-tuned after (the results then name the fine-tuned checkpoint).
 */
function measuredVal(
  rerank: { candidates: readonly { valAccuracy: number; valImages: number }[]; chosen: number } | undefined, finetuned: boolean,
): Pick<ChosenConfig, 'measuredVal'> {
  if (rerank === undefined || finetuned) return {};
  const c = rerank.candidates[rerank.chosen];
  return { measuredVal: { accuracy: c.valAccuracy, images: c.valImages } };
}

/** The chosen config of a budget-mode outcome that `hwnas search` wrote to `source`. */
export function chosenConfig(source: string, outcome: SearchOutcome): ChosenConfig {
  if (outcome.mode !== 'budget') throw new Error(`${source} holds a Pareto front, not a chosen config`);
  const { target, unit, maxLatency, best, space, checkpoint, predictor, quant, profiles } = outcome;
  return {
    source, target, resolved: resolveTarget(target), unit, maxLatency, best, space, checkpoint, predictor, quant,
    ...(profiles === undefined ? {} : { profiles }), ...measuredVal(outcome.rerank, outcome.finetune !== undefined),
  };
}

const markerSchema = z.object({ format: z.literal(kSearchMarkerFormat), version: z.literal(1), files: z.array(z.string()) });

/** Throws unless the completion marker beside `path` lists it (the search that wrote it finished). */
function checkComplete(path: string): void {
  const marker = join(dirname(path), kSearchMarker);
  const again = 'run the search again (its --out folder appears only when every file is written), or give the whole folder it wrote';
  if (!existsSync(marker)) {
    throw new Error(`results file ${path} has no ${kSearchMarker} beside it, so nothing shows that the search writing it finished (or the file was moved out of its folder): ${again}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    json = undefined;
  }
  const parsed = markerSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${marker} is not the completion marker of a search (format '${kSearchMarkerFormat}'): ${again}`);
  if (!parsed.data.files.includes(basename(path))) {
    throw new Error(`results file ${path} is not among the files of the search that wrote ${dirname(path)} (${parsed.data.files.join(', ')}): ${again}`);
  }
}

/**
 * Reads and validates a budget-mode results file of a finished search (its folder's completion
 * marker lists it). Throws naming the file, the problem and the fix.
 */
export function readSearchResult(path: string): ChosenConfig {
  if (!existsSync(path)) throw new Error(`results file ${path} does not exist: ${kFix}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`results file ${path} is not valid JSON (${(err as Error).message}): ${kFix}`);
  }
  const header = headerSchema.safeParse(json, { reportInput: true });
  if (!header.success) {
    throw new Error(`${path} is not a results file of hwnas search (format '${kSearchFormat}', version 1):\n  ${issues(header.error)}\n${kFix}`);
  }
  if (header.data.mode === 'pareto') {
    throw new Error(`${path} holds a Pareto front ('hwnas search --pareto'), not a chosen config: verify the results of a budget search ('hwnas search --target T --max-latency B')`);
  }
  checkComplete(path);
  const body = budgetSchema.safeParse(json, { reportInput: true });
  if (!body.success) throw new Error(`results file ${path} is damaged:\n  ${issues(body.error)}\n${kFix}`);
  const r = body.data;
  const space = inFile(path, () => parseSearchSpace(r.space));
  const config = inFile(path, () => parseConfig(space, r.best.config));
  const resolved = inFile(path, () => resolveTarget(r.target));
  return {
    source: path, target: r.target, resolved, unit: r.unit, maxLatency: r.maxLatency,
    best: { ...r.best, config }, space, checkpoint: r.checkpoint, predictor: r.predictor, quant: r.quant,
    ...(r.profiles === undefined ? {} : { profiles: r.profiles }), ...measuredVal(r.rerank, r.finetune !== undefined),
  };
}
