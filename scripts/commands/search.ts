/**
 * `hwnas search`: evolutionary search per target on fitness worker threads. Budget mode (one
 * --max-latency per --target, paired in order) finds the most accurate config within each
 * budget; --pareto returns the front of predicted accuracy vs latency per target. Writes a
 * results JSON per run and a Pareto plot per target into --out, and prints a table.
 */
import { addDataDirOption, parseIntOption } from '../options.js';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { InfeasibleBudgetError } from '../../evolution/errors.js';
import { FitnessPool } from '../../evolution/FitnessPool.js';
import { kDefaultSearchOptions, type SearchOptions } from '../../evolution/searchOptions.js';
import type { GenerationStats } from '../../evolution/types.js';
import { getTarget, parseTargetSpec } from '../../hardware/targets.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { rerankFront } from '../../predictors/rerank.js';
import { PoolEvaluator, type SubnetEvaluator } from '../../predictors/SubnetEvaluator.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import { resolveSpace } from '../../supernet/io.js';
import { parseSearchSpace } from '../../supernet/space/schema.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/SupernetTrainer.js';
import type { QuantMode } from '../../supernet/space/searchSpace.js';
import type { SearchSpace } from '../../supernet/types.js';
import { formatLatency, parseLatency } from '../latencyArg.js';
import { progressBar } from '../progress.js';
import { checkShipped, kShipped, shippedPath } from '../shippedModels.js';
import { searchTable, targetSlug, writePlots, writeResult, type SearchOutcome, type SearchRun } from '../searchOutput.js';

interface SearchCliOptions {
  checkpoint?: string;
  space: string;
  predictor?: string;
  target: string[];
  maxLatency: string[];
  pareto?: boolean;
  generations: string;
  population: string;
  seed: string;
  quant?: string;
  workers: string;
  out: string;
  rerank: string;
  dataDir?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}


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
    const target = getTarget(parseTargetSpec(spec).name);
    const max = maxLatencies[k] === undefined ? undefined : parseLatency(maxLatencies[k], target.unit, spec);
    return { target: spec, unit: target.unit, kind: target.kind, max, file: '' };
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

function spaceOf(opts: SearchCliOptions): SearchSpace {
  if (opts.checkpoint === undefined) return resolveSpace(opts.space);
  const { meta } = loadCheckpoint<TrainMeta>(opts.checkpoint);
  if (meta.kind !== 'hwnas-supernet') throw new Error(`${opts.checkpoint} is not a supernet checkpoint (kind ${String(meta.kind)})`);
  return parseSearchSpace(meta.space);
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
  options: SearchOptions;
  workers: number;
  /** Absolute path of the supernet checkpoint the configs come from, recorded for export; null for none. */
  checkpoint: string | null;
  /** Latency profile per measured target spec; a spec not listed uses its shipped profile. */
  profiles?: Record<string, string>;
  /** Folder of the results JSON files. */
  out: string;
  /**
   * Budget mode: measure the `k` most accurate configs of each front on val with `evaluator`
   * and choose the most accurate measured (predictors/rerank.ts). The caller closes it.
   */
  rerank?: { k: number; evaluator: SubnetEvaluator };
}

/** Runs the searches of `job` in order, writing each result into `job.out` (as `run.file`); resolves to the outcomes in run order. */
export async function runSearches(job: SearchJob): Promise<SearchOutcome[]> {
  const { space, runs, quant } = job;
  mkdirSync(job.out, { recursive: true });
  const targets = [...new Set(runs.map((r) => r.target))];
  const pool = await FitnessPool.create({ space, predictor: { file: job.predictor }, targets, profiles: job.profiles }, { workers: job.workers });
  const outcomes: SearchOutcome[] = [];
  try {
    for (const run of runs) {
      const finder = new EvolutionFinder(space, pool, { ...job.options, quant });
      const label = run.max === undefined ? `${run.target} front` : `${run.target} <= ${formatLatency(run.max, run.unit)}`;
      const bar = progressBar(finder.options.generations, 0, `search ${label} [{bar}] {value}/{total} generations | best {accuracy} at {latency} | {scored} scored | ETA {eta}s`);
      const onGeneration = (s: GenerationStats): void =>
        bar.update(s.generation, { accuracy: `${(s.bestAccuracy * 100).toFixed(2)}%`, latency: formatLatency(s.bestLatency, run.unit), scored: s.scored });
      const t0 = performance.now();
      try {
        const result = job.pareto
          ? await finder.pareto(run.target, run.max, { onGeneration })
          : await finder.search({ target: run.target, max: run.max as number }, { onGeneration });
        const seconds = (performance.now() - t0) / 1000;
        outcomes.push({ ...result, space, checkpoint: job.checkpoint, predictor: job.predictor, quant, options: { ...finder.options }, seconds });
      } catch (err) {
        if (err instanceof InfeasibleBudgetError) throw new Error(`--max-latency for --target ${run.target}: ${err.message}`);
        throw err;
      } finally {
        bar.stop();
      }
      writeResult(job.out, run, outcomes[outcomes.length - 1]);
    }
  } finally {
    await pool.close();
  }
  if (job.rerank && !job.pareto) {
    for (const [k, outcome] of outcomes.entries()) {
      if (outcome.mode !== 'budget') continue;
      const { k: count, evaluator } = job.rerank;
      console.error(`${runs[k].target} <= ${formatLatency(outcome.maxLatency, outcome.unit)}: measuring the ${Math.min(count, outcome.front.length)} most accurate configs of the front on val`);
      outcomes[k] = { ...outcome, ...(await rerankFront(outcome.front, count, evaluator)) };
      writeResult(job.out, runs[k], outcomes[k]);
    }
  }
  return outcomes;
}

/** A val evaluator on worker threads for --rerank: the supernet `checkpoint`, BatchNorm recalibrated on 2,000 training images. */
export async function rerankEvaluator(checkpoint: string, dataDir: string | undefined, workers: number): Promise<SubnetEvaluator> {
  const data = loadFashionMnist({ dataDir });
  return PoolEvaluator.create({ checkpoint, val: data.val, calibration: calibrationSet(data.train), workers });
}

export function registerSearch(program: Command): void {
  const cmd = program
    .command('search')
    .description('evolutionary search for the most accurate subnet within a latency budget per target, or the Pareto front (--pareto)')
    .option('--checkpoint <file>', 'supernet checkpoint: search its space and record it for export')
    .option('--space <name|file>', 'search space when no --checkpoint is given', 'fashion-mbv3')
    .option('--predictor <file>', `accuracy predictor file written by hwnas fit (default: the shipped ${kShipped.predictors.mixed.file}, or ${kShipped.predictors.fp32.file} with --quant fp32)`)
    .option('--target <spec>', 'target NAME[:THREADS] (e.g. rpi4, ort-cpu:1); repeat for several', collect, [])
    .option('--max-latency <value>', 'budget of the --target in the same position (e.g. 1.5ms, 800us; proxies: a number in their unit)', collect, [])
    .option('--pareto', 'return the front of predicted accuracy vs latency per target (NSGA-II); budgets optional')
    .option('--generations <n>', 'generations per search', String(kDefaultSearchOptions.generations))
    .option('--population <n>', 'population (parents 1/4, mutation and crossover children 1/2 each)', String(kDefaultSearchOptions.populationSize))
    .option('--seed <n>', 'seed of the search (the same seed gives the same result for any --workers)', String(kDefaultSearchOptions.seed))
    .option('--quant <mode>', "genome: 'mixed' (per-block bits) or 'fp32' (default: mixed if the predictor encodes bits, else fp32)")
    .option('--workers <n>', 'fitness worker threads', String(Math.min(2, availableParallelism())))
    .option('--out <dir>', 'output folder for results JSON and Pareto plots', 'runs/search')
    .option('--rerank <k>', "budget mode: measure the k most accurate configs of each front on the val split (the --checkpoint's supernet, or the shipped one) and choose the most accurate measured; 0 = choose by the predictor alone", '0');
  addDataDirOption(cmd);
  cmd.action(async (opts: SearchCliOptions) => {
    const space = spaceOf(opts);
    const runs = planSearchRuns(opts.target, opts.maxLatency, opts.pareto === true);
    // Without --predictor: the shipped predictor of the genome asked for (mixed unless --quant fp32).
    const requested = opts.quant ?? (opts.predictor === undefined ? 'mixed' : undefined);
    let predictorPath = opts.predictor;
    if (predictorPath === undefined) {
      const shipped = kShipped.predictors[requested === 'fp32' ? 'fp32' : 'mixed'];
      checkShipped([shipped]);
      predictorPath = shippedPath(shipped);
    }
    predictorPath = resolve(predictorPath);
    const predictor = MlpPredictor.load(predictorPath, space);
    const quant = searchQuant(predictor, predictorPath, requested);
    const rerank = parseIntOption('rerank', opts.rerank, 0);
    const workers = parseIntOption('workers', opts.workers, 1);
    let checkpoint = opts.checkpoint === undefined ? null : resolve(opts.checkpoint);
    if (rerank > 0) {
      if (opts.pareto === true) throw new Error('--rerank chooses within a budget: it does not apply to --pareto; drop one of them');
      if (checkpoint === null) {
        checkShipped([kShipped.supernet]);
        checkpoint = resolve(shippedPath(kShipped.supernet));
        if (JSON.stringify(spaceOf({ ...opts, checkpoint })) !== JSON.stringify(space)) {
          throw new Error(`--rerank measures subnets of a trained supernet, and the shipped one is not of space '${space.name}': give the --checkpoint of that space`);
        }
      }
    }
    const evaluator = rerank > 0 ? await rerankEvaluator(checkpoint as string, opts.dataDir, workers) : undefined;
    try {
      const outcomes = await runSearches({
        space, runs, predictor: predictorPath, quant, pareto: opts.pareto === true,
        options: {
          ...populationOptions(parseIntOption('population', opts.population, 4)),
          generations: parseIntOption('generations', opts.generations, 0),
          seed: parseIntOption('seed', opts.seed, 0),
        },
        workers, checkpoint, out: opts.out,
        ...(evaluator ? { rerank: { k: rerank, evaluator } } : {}),
      });
      for (const run of runs) process.stderr.write(`wrote ${join(opts.out, run.file)}\n`);
      for (const path of writePlots(opts.out, runs, outcomes)) process.stderr.write(`wrote ${path}\n`);
      console.log(searchTable(runs, outcomes));
    } finally {
      await evaluator?.close();
    }
  });
}
