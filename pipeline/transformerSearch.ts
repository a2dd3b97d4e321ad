/**
 * The transformer search as a job: HAT's evolutionary search (TransformerEvolutionFinder) over
 * the SubTransformers of a SuperTransformer checkpoint, scored by a transformer accuracy
 * predictor and one kind of a transformer latency profile, written as a results file that
 * `hwnas verify` reads. Results file (JSON):
 *   format, version      'hwnas-transformer-search-result', 1
 *   checkpoint, predictor, profile (absolute paths), latencyKind ('table' | 'mlp')
 *   space                the transformer space
 *   result               the finder's result (budget: best and front; pareto: front)
 *   finetune             with --finetune-epochs: epochs, from (the SuperTransformer), inherited and
 *                        finetuned val/test accuracy; `checkpoint` then names the fine-tuned one
 */
import { readFileSync } from 'node:fs';
import { sameSpace } from '../space/sameSpace.js';
import { resolve } from 'node:path';
import { parseTransformerConfig } from '../space/transformer/schema.js';
import type { TransformerSpace } from '../space/transformer/types.js';
import { loadTransformerProfile } from '../latency/transformer/transformerProfile.js';
import type { TransformerLatencyKind } from '../latency/transformer/types.js';
import { TransformerAccuracyPredictor } from '../predictors/TransformerAccuracyPredictor.js';
import {
  TransformerEvolutionFinder, type TransformerFitness, type TransformerParetoResult, type TransformerSearchResult,
} from '../evolution/TransformerEvolutionFinder.js';
import type { SearchHooks } from '../evolution/types.js';
import type { SearchOptions } from '../evolution/searchOptions.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { transformerLatencyModel } from './transformerProfile.js';

export const kTransformerResultFormat = 'hwnas-transformer-search-result';

export interface TransformerSearchJob {
  checkpoint: string;
  space: TransformerSpace;
  predictor: string;
  /** Transformer latency profile of the target, and which of its kinds scores latency. */
  profile: string;
  latencyKind: TransformerLatencyKind;
  /** The target as given (e.g. 'ort-cpu:1'); must be the profile's. */
  target: string;
  /** Budget mode with it; Pareto mode (optionally within it) with `pareto`. */
  maxLatency?: number;
  pareto: boolean;
  options?: Omit<SearchOptions, 'quant'>;
}

export interface TransformerResultFile {
  format: typeof kTransformerResultFormat;
  version: 1;
  checkpoint: string;
  predictor: string;
  profile: string;
  latencyKind: TransformerLatencyKind;
  space: TransformerSpace;
  result: TransformerSearchResult | TransformerParetoResult;
  /** With `--finetune-epochs`: the chosen SubTransformer fine-tuned (`checkpoint` is then its checkpoint). */
  finetune?: TransformerFinetuneRecord;
}

/** Val and test accuracy of one SubTransformer. */
export interface TransformerAccuracy {
  valAccuracy: number;
  testAccuracy: number;
}

/** A budget search's chosen SubTransformer fine-tuned on its own for `epochs` from SuperTransformer `from`. */
export interface TransformerFinetuneRecord {
  epochs: number;
  from: string;
  inherited: TransformerAccuracy;
  finetuned: TransformerAccuracy;
}

/** The fitness of a job: predictor and latency model loaded once. Throws naming a mismatched file. */
export function transformerFitness(job: TransformerSearchJob): TransformerFitness {
  const predictor = TransformerAccuracyPredictor.load(job.predictor, job.space);
  const profile = loadTransformerProfile(job.profile);
  const spec = `${profile.target}:${profile.threads}`;
  if (spec !== job.target && `${job.target}:1` !== spec) {
    throw new Error(`profile ${job.profile} was measured for ${spec}, not ${job.target}: give --profile ${job.target}=FILE measured there ('hwnas profile --space ${job.space.name} --target ${job.target} --out FILE')`);
  }
  if (!sameSpace(profile.space, job.space)) {
    throw new Error(`profile ${job.profile} was measured for space '${profile.space.name}', not the checkpoint's '${job.space.name}': measure one with 'hwnas profile --space SPACE --target ${spec} --out FILE'`);
  }
  const latency = transformerLatencyModel(profile, job.latencyKind, `profile ${job.profile}`);
  return {
    target: { name: spec, unit: 'ms', kind: 'measured' },
    score: async (configs) => ({ accuracy: predictor.predict(configs), latency: latency.predict(configs) }),
  };
}

/** Runs the search of `job`, writes its results file to `out` and returns it. */
export async function runTransformerSearch(job: TransformerSearchJob, out: string, hooks: SearchHooks = {}): Promise<TransformerResultFile> {
  if (!job.pareto && job.maxLatency === undefined) throw new Error('give --max-latency for a budget search, or --pareto for the front');
  const finder = new TransformerEvolutionFinder(job.space, transformerFitness(job), job.options);
  const result = job.pareto ? await finder.pareto(job.maxLatency, hooks) : await finder.search(job.maxLatency as number, hooks);
  const file: TransformerResultFile = {
    format: kTransformerResultFormat, version: 1,
    checkpoint: resolve(job.checkpoint), predictor: resolve(job.predictor), profile: resolve(job.profile), latencyKind: job.latencyKind,
    space: job.space, result,
  };
  writeFileAtomic(out, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** Whether parsed JSON is a transformer search results file. */
export function isTransformerResult(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { format?: unknown }).format === kTransformerResultFormat;
}

/** Reads a transformer results file; its chosen configs are validated against its space. */
export function readTransformerResult(path: string): TransformerResultFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read results file ${path}: ${(err as Error).message}: give a file 'hwnas search --checkpoint <SuperTransformer>' wrote`, { cause: err });
  }
  if (!isTransformerResult(data)) throw new Error(`${path} is not a transformer search results file (format '${kTransformerResultFormat}')`);
  const file = data as TransformerResultFile;
  const configs = file.result.mode === 'budget' ? [file.result.best.config] : file.result.front.map((s) => s.config);
  for (const c of configs) parseTransformerConfig(file.space, c);
  return file;
}
