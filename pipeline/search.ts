/**
 * Search jobs as library functions: plan the runs of --target/--max-latency pairs, choose the
 * genome a predictor can score, run the searches on one fitness pool (re-ranking the finalists
 * on val when asked) and write each result file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { InfeasibleBudgetError } from '../evolution/errors.js';
import { FitnessPool } from '../evolution/FitnessPool.js';
import { resolveSearchOptions, type SearchOptions } from '../evolution/searchOptions.js';
import { restrictedGenome, type GeneRestriction } from '../evolution/restrictedGenome.js';
import { defaultStrategyName, getStrategy, type StrategyName } from '../evolution/strategies.js';
import type { GenerationStats } from '../evolution/types.js';
import { defaultProfilePath } from '../latency/measuredTarget.js';
import { resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import type { MlpPredictor } from '../predictors/MlpPredictor.js';
import { PoolEvaluator, type SubnetEvaluator } from '../predictors/SubnetEvaluator.js';
import type { QuantMode } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import type { DataOptions } from '../supernet/data/loadDataset.js';
import { loadTrainingData } from '../supernet/trainingData.js';
import { readCheckpointMeta } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { parseSearchSpace } from '../space/schema.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { formatLatency, parseLatency } from './latencyArg.js';
import { kSilentReporter, type Reporter } from './progress.js';
import { kKnownPerBudget, knownWithin, rerankCandidates, rerankFront, type KnownConfig } from './rerank.js';
import { canonicalConfig } from '../space/searchSpace.js';
import type { AccuracySample } from '../predictors/types.js';
import { otherGenome, readSamples, sampleLine } from '../predictors/samples.js';
import { deployedConfig } from '../space/bits.js';
import { geneIndex } from '../space/genome.js';
import { runTargets, targetSlug, writeResult, type SearchOutcome, type SearchRun } from './searchOutput.js';

/** Pairs --target and --max-latency values into runs, with units from the target registry. */
export function planSearchRuns(targets: readonly string[], maxLatencies: readonly string[], pareto: boolean): SearchRun[] {
  if (targets.length === 0) throw new Error('give at least one --target (e.g. --target rpi4 --max-latency 1ms)');
  if (pareto ? maxLatencies.length !== 0 && maxLatencies.length !== targets.length : maxLatencies.length !== targets.length) {
    throw new Error(
      `got ${targets.length} --target and ${maxLatencies.length} --max-latency: give one --max-latency per --target, in the same order` +
        (pareto ? ' (or none with --pareto)' : ' (or use --pareto for the whole front)'),
    );
  }
  const runs = targets.map((spec, k) => {
    const target = resolveTarget(spec);
    const max = maxLatencies[k] === undefined ? undefined : parseLatency(maxLatencies[k], target.unit, spec);
    return { target: spec, resolved: target, unit: target.unit, kind: target.kind, max, file: '' };
  });
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${run.target}@${run.max}`;
    if (seen.has(key)) throw new Error(`--target ${run.target} is given twice with the same budget`);
    seen.add(key);
  }
  for (const run of runs) {
    const several = runs.filter((r) => r.target === run.target).length > 1;
    const budget = several && run.max !== undefined ? `-${String(Number(run.max.toPrecision(4)))}${run.unit}` : '';
    run.file = `search-${targetSlug(run.target)}${budget.replace(/[^a-z0-9.-]+/gi, '-')}.json`;
  }
  return runs;
}

/**
 * The genome of a search with `predictor` (read from `file`): `requested`, else 'mixed' when the
 * predictor encodes bits. Throws when mixed bits are asked of a predictor that cannot score them.
 */
export function searchQuant(predictor: MlpPredictor, file: string, requested?: string): QuantMode {
  const bits = predictor.encoder.hasBits;
  const quant = requested ?? (bits ? 'mixed' : 'fp32');
  if (quant !== 'mixed' && quant !== 'fp32') throw new Error(`--quant must be 'mixed' or 'fp32' (got '${quant}')`);
  if (quant === 'mixed' && !bits) {
    throw new Error(`--quant mixed needs a quantization-aware predictor, but ${file} encodes no bits: fit one with hwnas fit, or search with --quant fp32`);
  }
  return quant;
}

/** Finder options of a population: parents 1/4 of it, mutation and crossover children 1/2 each. */
export function populationOptions(population: number): Pick<SearchOptions, 'populationSize' | 'parentsSize' | 'mutationSize' | 'crossoverSize'> {
  return {
    populationSize: population,
    parentsSize: Math.max(1, Math.round(population / 4)),
    mutationSize: Math.round(population / 2),
    crossoverSize: Math.round(population / 2),
  };
}

/** Everything a set of searches on one fitness pool needs. */
export interface SearchJob {
  space: SearchSpace;
  runs: readonly SearchRun[];
  /** Absolute path of the accuracy predictor file. */
  predictor: string;
  quant: QuantMode;
  /** The Pareto front per run instead of the best config within each budget. */
  pareto: boolean;
  /** The search strategy (evolution/strategies.ts); default nsga2 with `pareto`, else evolution. */
  strategy?: StrategyName;
  options: SearchOptions;
  /** Stage genes limited to some of their choices (`--only`); the whole space by default. */
  only?: GeneRestriction;
  workers: number;
  /** Absolute path of the supernet checkpoint the configs come from, recorded for export; null for none. */
  checkpoint: string | null;
  /** Latency profile per measured target spec; a spec not listed uses its shipped profile. */
  profiles?: Record<string, string>;
  /** Folder of the results JSON files. */
  out: string;
  /**
   * Budget mode: measure the `k` most accurate configs of each front on val with `evaluator`
   * and choose the most accurate measured (pipeline/rerank.ts). The caller closes it.
   */
  rerank?: {
    k: number;
    evaluator: SubnetEvaluator;
    /**
     * Configs measured on val before (a `hwnas collect` dataset of the search's genome): the
     * kKnownPerBudget most accurate of them predicted within each budget are measured beside the finalists.
     */
    known?: readonly AccuracySample[];
  };
  /** Progress of each search and of re-ranking; default silent. */
  reporter?: Reporter;
}

/**
 * The profile file each measured target of `targets` reads: the one given, else its shipped
 * default; keyed by the spec as given.
 */
export function profilesUsed(targets: readonly ResolvedTarget[], given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of targets) {
    if (t.kind === 'measured') out[t.given] = given[t.given] ?? defaultProfilePath(t.name, t.threads as number);
  }
  return out;
}

/**
 * The configs of a `hwnas collect` dataset for --known: every line of `space` and of the
 * search's genome. Throws naming the file, the problem and the fix.
 */
export function readKnown(
  path: string, space: SearchSpace, quant: QuantMode, fix = "give a dataset that 'hwnas collect' wrote for this space", what = '--known',
): AccuracySample[] {
  if (!existsSync(path)) throw new Error(`${what} ${path} does not exist: ${fix}`);
  let samples: AccuracySample[];
  try {
    samples = readSamples(path, space, fix).samples;
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(`${what}: ${message}${message.includes(fix) ? '' : `\n${fix}`}`, { cause: err });
  }
  if (samples.length === 0) throw new Error(`${what} ${path} holds no measured config: ${fix}`);
  const other = otherGenome(samples, quant);
  if (other >= 0) {
    throw new Error(`${what} ${path}:${sampleLine(path, other)}: this line is a ${quant === 'mixed' ? 'float config' : 'config with bits'}, but the search's genome is ${quant}: ${fix}, collected with --quant ${quant}`);
  }
  // Canonical, as the search's own configs are, so that one subnet written two ways is one config.
  return samples.map((s) => ({ ...s, config: canonicalConfig(space, s.config) }));
}

/** Runs the searches of `job` in order, writing each result into `job.out` (as `run.file`); resolves to the outcomes in run order. */
export async function runSearches(job: SearchJob): Promise<SearchOutcome[]> {
  const { space, runs, quant } = job;
  const reporter = job.reporter ?? kSilentReporter;
  mkdirSync(job.out, { recursive: true });
  const targets = [...new Set(runs.map((r) => r.target))];
  const profiles = profilesUsed(runTargets(runs), job.profiles ?? {});
  const strategy = getStrategy(job.strategy ?? defaultStrategyName(job.pareto));
  const options = resolveSearchOptions({ ...job.options, quant });
  const genome = job.only === undefined || Object.keys(job.only).length === 0 ? undefined : restrictedGenome(space, quant, job.only);
  const pool = await FitnessPool.create({ space, predictor: { file: job.predictor }, targets, profiles: job.profiles }, { workers: job.workers });
  const outcomes: SearchOutcome[] = [];
  const known: KnownConfig[][] = [];
  try {
    // Known configs inside the --only part of the space, scored as the search scores, joining in the deployed form a search's configs take.
    const sampled = (job.rerank?.known ?? []).filter((s) => genome === undefined || genome.layout.stageGenes.every((g) => geneIndex(genome.layout, s.config, g) >= 0));
    const scores = sampled.length > 0 && !job.pareto ? await pool.score(sampled.map((s) => s.config)) : undefined;
    const deployed = sampled.map((s) => ({ ...s, config: deployedConfig(space, s.config) }));
    for (const run of runs) {
      const label = run.max === undefined ? `${run.target} front` : `${run.target} <= ${formatLatency(run.max, run.unit)}`;
      const bar = reporter.bar(options.generations, 0, `search ${label} [{bar}] {value}/{total} generations | best {accuracy} at {latency} | {scored} scored | ETA {eta}s`);
      const onGeneration = (s: GenerationStats): void =>
        bar.update(s.generation, { accuracy: `${(s.bestAccuracy * 100).toFixed(2)}%`, latency: formatLatency(s.bestLatency, run.unit), scored: s.scored });
      const t0 = performance.now();
      try {
        const result = await strategy.search({ space, fitness: pool, target: run.target, maxLatency: run.max, ...(genome ? { genome } : {}) }, options, { onGeneration });
        const seconds = (performance.now() - t0) / 1000;
        outcomes.push({ ...result, space, checkpoint: job.checkpoint, predictor: job.predictor, quant, options: { ...options, ...(genome ? { only: job.only } : {}) }, seconds, profiles });
      } catch (err) {
        if (err instanceof InfeasibleBudgetError) throw new Error(`--max-latency for --target ${run.target}: ${err.message}`);
        throw err;
      } finally {
        bar.stop();
      }
      writeResult(job.out, run, outcomes[outcomes.length - 1]);
      known.push(scores && run.max !== undefined ? knownWithin(deployed, scores, targets, targets.indexOf(run.target), run.max, kKnownPerBudget) : []);
    }
  } finally {
    await pool.close();
  }
  if (job.rerank && !job.pareto) {
    for (const [k, outcome] of outcomes.entries()) {
      if (outcome.mode !== 'budget') continue;
      const { k: count, evaluator } = job.rerank;
      const joins = rerankCandidates(outcome.front, count, known[k]).joined.length;
      const joining = joins > 0 ? ` and the ${joins} most accurate known config${joins === 1 ? '' : 's'} within the budget not among them` : '';
      reporter.note(`${runs[k].target} <= ${formatLatency(outcome.maxLatency, outcome.unit)}: measuring the ${Math.min(count, outcome.front.length)} most accurate configs of the front${joining} on val`);
      outcomes[k] = { ...outcome, ...(await rerankFront(outcome.front, count, evaluator, known[k])) };
      writeResult(job.out, runs[k], outcomes[k]);
    }
  }
  return outcomes;
}

/** A val evaluator on worker threads for --rerank: the supernet `checkpoint`, BatchNorm recalibrated on 2,000 training images. */
export async function rerankEvaluator(checkpoint: string, data: DataOptions | string | undefined, workers: number): Promise<SubnetEvaluator> {
  const meta = readCheckpointMeta<TrainMeta>(checkpoint);
  const options = typeof data === 'object' ? data : { dataDir: data };
  const dataset = await loadTrainingData(options, parseSearchSpace(meta.space), meta.data, checkpoint);
  return PoolEvaluator.create({ checkpoint, val: dataset.val, calibration: calibrationSet(dataset.train), workers });
}
