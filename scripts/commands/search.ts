/**
 * `hwnas search`: evolutionary search per target on fitness worker threads. Budget mode (one
 * --max-latency per --target, paired in order) finds the most accurate config within each
 * budget; --pareto returns the front of predicted accuracy vs latency per target. Writes a
 * results JSON per run and a Pareto plot per target into --out, and prints a table.
 */
import { parseIntOption } from '../options.js';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { InfeasibleBudgetError } from '../../evolution/errors.js';
import { FitnessPool } from '../../evolution/FitnessPool.js';
import { kDefaultSearchOptions } from '../../evolution/searchOptions.js';
import type { GenerationStats } from '../../evolution/types.js';
import { getTarget, parseTargetSpec } from '../../hardware/targets.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { resolveSpace } from '../../supernet/io.js';
import { parseSearchSpace } from '../../supernet/space/schema.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/SupernetTrainer.js';
import type { SearchSpace } from '../../supernet/types.js';
import { formatLatency, parseLatency } from '../latencyArg.js';
import { progressBar } from '../progress.js';
import { searchTable, targetSlug, writePlots, writeResult, type SearchOutcome, type SearchRun } from '../searchOutput.js';

interface SearchCliOptions {
  checkpoint?: string;
  space: string;
  predictor: string;
  target: string[];
  maxLatency: string[];
  pareto?: boolean;
  generations: string;
  population: string;
  seed: string;
  quant?: string;
  workers: string;
  out: string;
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

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('evolutionary search for the most accurate subnet within a latency budget per target, or the Pareto front (--pareto)')
    .option('--checkpoint <file>', 'supernet checkpoint: search its space and record it for export')
    .option('--space <name|file>', 'search space when no --checkpoint is given', 'fashion-mbv3')
    .requiredOption('--predictor <file>', 'accuracy predictor file written by hwnas fit')
    .option('--target <spec>', 'target NAME[:THREADS] (e.g. rpi4, ort-cpu:1); repeat for several', collect, [])
    .option('--max-latency <value>', 'budget of the --target in the same position (e.g. 1.5ms, 800us; proxies: a number in their unit)', collect, [])
    .option('--pareto', 'return the front of predicted accuracy vs latency per target (NSGA-II); budgets optional')
    .option('--generations <n>', 'generations per search', String(kDefaultSearchOptions.generations))
    .option('--population <n>', 'population (parents 1/4, mutation and crossover children 1/2 each)', String(kDefaultSearchOptions.populationSize))
    .option('--seed <n>', 'seed of the search (the same seed gives the same result for any --workers)', String(kDefaultSearchOptions.seed))
    .option('--quant <mode>', "genome: 'mixed' (per-block bits) or 'fp32' (default: mixed if the predictor encodes bits, else fp32)")
    .option('--workers <n>', 'fitness worker threads', String(Math.min(2, availableParallelism())))
    .option('--out <dir>', 'output folder for results JSON and Pareto plots', 'runs/search')
    .action(async (opts: SearchCliOptions) => {
      const space = spaceOf(opts);
      const runs = planSearchRuns(opts.target, opts.maxLatency, opts.pareto === true);
      const predictor = MlpPredictor.load(opts.predictor, space);
      const bits = predictor.encoder.hasBits;
      const quant = opts.quant ?? (bits ? 'mixed' : 'fp32');
      if (quant !== 'mixed' && quant !== 'fp32') throw new Error(`--quant must be 'mixed' or 'fp32' (got '${quant}')`);
      if (quant === 'mixed' && !bits) {
        throw new Error(`--quant mixed needs a quantization-aware predictor, but ${opts.predictor} encodes no bits: fit one with hwnas fit, or search with --quant fp32`);
      }
      const population = parseIntOption('population', opts.population, 4);
      const options = {
        generations: parseIntOption('generations', opts.generations, 0),
        populationSize: population,
        parentsSize: Math.max(1, Math.round(population / 4)),
        mutationSize: Math.round(population / 2),
        crossoverSize: Math.round(population / 2),
        seed: parseIntOption('seed', opts.seed, 0),
        quant,
      } as const;
      mkdirSync(opts.out, { recursive: true });
      const targets = [...new Set(runs.map((r) => r.target))];
      const predictorPath = resolve(opts.predictor);
      const pool = await FitnessPool.create({ space, predictor: { file: predictorPath }, targets }, { workers: parseIntOption('workers', opts.workers, 1) });
      const outcomes: SearchOutcome[] = [];
      try {
        for (const run of runs) {
          const label = run.max === undefined ? `${run.target} front` : `${run.target} <= ${formatLatency(run.max, run.unit)}`;
          const bar = progressBar(options.generations, 0, `search ${label} [{bar}] {value}/{total} generations | best {accuracy} at {latency} | {scored} scored | ETA {eta}s`);
          const onGeneration = (s: GenerationStats): void =>
            bar.update(s.generation, { accuracy: `${(s.bestAccuracy * 100).toFixed(2)}%`, latency: formatLatency(s.bestLatency, run.unit), scored: s.scored });
          const finder = new EvolutionFinder(space, pool, options);
          const t0 = performance.now();
          try {
            const result = opts.pareto
              ? await finder.pareto(run.target, run.max, { onGeneration })
              : await finder.search({ target: run.target, max: run.max as number }, { onGeneration });
            const seconds = (performance.now() - t0) / 1000;
            outcomes.push({ ...result, space, checkpoint: opts.checkpoint ? resolve(opts.checkpoint) : null, predictor: predictorPath, quant, options: { ...finder.options }, seconds });
          } catch (err) {
            if (err instanceof InfeasibleBudgetError) throw new Error(`--max-latency for --target ${run.target}: ${err.message}`);
            throw err;
          } finally {
            bar.stop();
          }
          process.stderr.write(`wrote ${writeResult(opts.out, run, outcomes[outcomes.length - 1])}\n`);
        }
      } finally {
        await pool.close();
      }
      for (const path of writePlots(opts.out, runs, outcomes)) process.stderr.write(`wrote ${path}\n`);
      console.log(searchTable(runs, outcomes));
    });
}
