/**
 * `hwnas search`: evolutionary search per target on fitness worker threads. Budget mode (one
 * --max-latency per --target, paired in order) finds the most accurate config within each
 * budget; --pareto returns the front of predicted accuracy vs latency per target. Writes a
 * results JSON per run and a Pareto plot per target into --out, and prints a table.
 */
import { sameSpace } from '../../space/sameSpace.js';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { kRestrictableGenes, parseGeneRestrictions } from '../../evolution/restrictedGenome.js';
import { kStrategyNames, type StrategyName } from '../../evolution/strategies.js';
import { kDefaultSearchOptions } from '../../evolution/searchOptions.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { resolveSpace } from '../../supernet/io.js';
import { parseSearchSpace } from '../../space/schema.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import type { SearchSpace } from '../../space/types.js';
import { planSearchRuns, populationOptions, readKnown, rerankEvaluator, runSearches, searchQuant } from '../../pipeline/search.js';
import { kKnownPerBudget } from '../../pipeline/rerank.js';
import { checkShipped, kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { kSearchMarker, searchTable, targetSlug, writePlots, writeSearchMarker } from '../../pipeline/searchOutput.js';
import { checkTargetModels, parseProfileArgs } from '../../pipeline/profileArgs.js';
import { noteProfileMachines } from '../profileMachineNote.js';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { withOutputLock } from '../../util/outputLock.js';
import { addDataDirOption, addProfileOption, parseIntOption } from '../options.js';
import { cliReporter } from '../progress.js';
import { startBackend } from '../runtime.js';
import { finetuneOutcomes, removeFinetuneWork } from '../../pipeline/searchFinetune.js';
import { searchTransformerCommand } from './searchTransformerCmd.js';

interface SearchCliOptions {
  checkpoint?: string;
  space: string;
  predictor?: string;
  target: string[];
  maxLatency: string[];
  pareto?: boolean;
  strategy?: StrategyName;
  generations: string;
  population: string;
  seed: string;
  quant?: string;
  workers: string;
  out: string;
  force?: boolean;
  profile: string[];
  rerank: string;
  known?: string;
  finetuneEpochs: string;
  dataDir?: string;
  data?: string;
  latencyKind?: string;
  only: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}


function spaceOf(opts: SearchCliOptions): SearchSpace {
  if (opts.checkpoint === undefined) return resolveSpace(opts.space);
  const meta = readCheckpointMeta<TrainMeta>(opts.checkpoint);
  if (meta.kind !== 'hwnas-supernet') throw new Error(`${opts.checkpoint} is not a supernet checkpoint (kind ${String(meta.kind)})`);
  return parseSearchSpace(meta.space);
}

export function registerSearch(program: Command): void {
  const cmd = program
    .command('search')
    .description('evolutionary search for the most accurate subnet within a latency budget per target, or the Pareto front (--pareto)')
    .option('--checkpoint <file>', 'supernet checkpoint: search its space and record it for export')
    .option('--space <name|file>', 'search space when no --checkpoint is given', 'fashion-mbv3')
    .option('--predictor <file>', `accuracy predictor file written by hwnas fit (default: the shipped ${kShipped.predictors.mixed.file}, or ${kShipped.predictors.fp32.file} with --quant fp32; ${kShipped.transformer.predictor.file} for a ${kShipped.transformer.space} checkpoint)`)
    .option('--target <spec>', 'target NAME[:THREADS] (e.g. rpi4, ort-cpu:1); repeat for several', collect, [])
    .option('--max-latency <value>', 'budget of the --target in the same position (e.g. 1.5ms, 800us; proxies: a number in their unit)', collect, [])
    .option('--pareto', 'return the front of predicted accuracy vs latency per target (NSGA-II); budgets optional')
    .option('--generations <n>', 'generations per search', String(kDefaultSearchOptions.generations))
    .option('--population <n>', 'population (parents 1/4, mutation and crossover children 1/2 each)', String(kDefaultSearchOptions.populationSize))
    .option('--seed <n>', 'seed of the search (the same seed gives the same result for any --workers)', String(kDefaultSearchOptions.seed))
    .addOption(new Option('--strategy <name>', 'search strategy (default: nsga2 with --pareto, else evolution)').choices([...kStrategyNames]))
    .option('--quant <mode>', "genome: 'mixed' (per-block bits) or 'fp32' (default: mixed if the predictor encodes bits, else fp32)")
    .option('--workers <n>', 'fitness worker threads', String(Math.min(2, availableParallelism())))
    .option('--out <dir>', 'output folder for results JSON and Pareto plots (it appears only when every file is written)', 'runs/search')
    .option('--force', 'replace an existing --out folder (atomically, once the new one is complete)')
    .option('--finetune-epochs <n>', "budget mode: fine-tune each chosen subnet (or SubTransformer, with AdamW as hwnas finetune does) on its own for n epochs from its inherited weights, distilling from the supernet's largest (needs --checkpoint; resumable in <out>.finetune/); the results then name the fine-tuned checkpoint", '0')
    .option('--latency-kind <kind>', 'with a SuperTransformer --checkpoint: which model of its transformer profile scores latency, table (parts + overhead) or mlp (HAT\'s predictor); default table')
    .option('--only <gene=values>', `search only part of the space: a stage gene limited to some of its choices, repeatable (${Object.keys(kRestrictableGenes).join(', ')}; e.g. --only stem-stride=1 --only family=resnet,mbconv); the configs stay the space's`, collect, [])
    .option('--rerank <k>', "budget mode: measure the k most accurate configs of each front on the val split (the --checkpoint's supernet, or the shipped one) and choose the most accurate measured; 0 = choose by the predictor alone", '0')
    .option('--known <file>', `with --rerank: a dataset of configs already measured on val ('hwnas collect' writes one); the ${kKnownPerBudget} most accurate of them predicted within each budget are measured beside the finalists`);
  addProfileOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: SearchCliOptions) => {
    if (opts.checkpoint !== undefined && readCheckpointMeta<{ kind?: string }>(opts.checkpoint).kind === 'hwnas-supertransformer') {
      if (opts.only.length > 0) throw new Error('--only limits the stage genes of a CNN space (stem stride, block family, depth, width); a SuperTransformer has none of them: drop it');
      await searchTransformerCommand({ ...opts, checkpoint: opts.checkpoint });
      return;
    }
    if (opts.latencyKind !== undefined) throw new Error('--latency-kind chooses a transformer profile\'s model: it applies to SuperTransformer checkpoints only; drop it');
    // Every option and input first: nothing is written, and no folder appears, when one is wrong.
    const space = spaceOf(opts);
    const only = parseGeneRestrictions(space, opts.only);
    const runs = planSearchRuns(opts.target, opts.maxLatency, opts.pareto === true);
    const rerank = parseIntOption('rerank', opts.rerank, 0);
    const workers = parseIntOption('workers', opts.workers, 1);
    const options = {
      ...populationOptions(parseIntOption('population', opts.population, 4)),
      generations: parseIntOption('generations', opts.generations, 0),
      seed: parseIntOption('seed', opts.seed, 0),
    };
    if (rerank > 0 && opts.pareto === true) throw new Error('--rerank chooses within a budget: it does not apply to --pareto; drop one of them');
    if (opts.known !== undefined && rerank === 0) throw new Error('--known configs are measured beside the finalists of --rerank: give --rerank K too, or drop --known');
    const finetuneEpochs = parseIntOption('finetune-epochs', opts.finetuneEpochs, 0);
    if (finetuneEpochs > 0 && opts.pareto === true) throw new Error('--finetune-epochs fine-tunes the config a budget search chose: it does not apply to --pareto; drop one of them');
    if (finetuneEpochs > 0 && opts.checkpoint === undefined) throw new Error('--finetune-epochs fine-tunes from the supernet searched: give its --checkpoint');
    const profiles = parseProfileArgs(opts.profile, runs.map((r) => r.resolved));
    checkOutputPath(opts.out, { kind: 'folder', existing: opts.force === true ? 'replace' : 'refuse' });
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
    const known = opts.known === undefined ? undefined : readKnown(opts.known, space, quant);
    let checkpoint = opts.checkpoint === undefined ? null : resolve(opts.checkpoint);
    if (rerank > 0 && checkpoint === null) {
      checkShipped([kShipped.supernet]);
      checkpoint = resolve(shippedPath(kShipped.supernet));
      if (!sameSpace(spaceOf({ ...opts, checkpoint }), space)) {
        throw new Error(`--rerank measures subnets of a trained supernet, and the shipped one is not of space '${space.name}': give the --checkpoint of that space`);
      }
    }
    await checkTargetModels(space, runs.map((r) => r.resolved), profiles);
    await noteProfileMachines(runs.map((r) => r.resolved), profiles);
    if (finetuneEpochs > 0) await startBackend(opts);
    // One writer per --out; the folder appears (or replaces the old one) only once complete.
    const outcomes = await withOutputLock(opts.out, async () => {
      const evaluator = rerank > 0 ? await rerankEvaluator(checkpoint as string, opts, workers) : undefined;
      try {
        return await buildFolderAtomic(opts.out, async (dir) => {
          const done = await runSearches({
            reporter: cliReporter,
            space, runs, predictor: predictorPath, quant, pareto: opts.pareto === true, options, only, strategy: opts.strategy, workers, checkpoint, profiles, out: dir,
            ...(evaluator ? { rerank: { k: rerank, evaluator, ...(known ? { known } : {}) } } : {}),
          });
          if (finetuneEpochs > 0) {
            await finetuneOutcomes(done, runs, dir, opts.out, { epochs: finetuneEpochs, seed: options.seed, workers, data: opts, reporter: cliReporter });
          }
          writePlots(dir, runs, done);
          writeSearchMarker(dir, runs);
          return done;
        });
      } finally {
        await evaluator?.close();
      }
    });
    if (finetuneEpochs > 0) removeFinetuneWork(opts.out);
    const targets = [...new Set(runs.map((r) => r.target))];
    process.stderr.write(`wrote ${[...runs.map((r) => r.file), ...targets.map((t) => `pareto-${targetSlug(t)}.svg`), kSearchMarker].join(', ')} to ${opts.out}\n`);
    console.log(searchTable(runs, outcomes));
    for (const o of outcomes) {
      if (o.finetune === undefined) continue;
      const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
      const { inherited, finetuned, epochs } = o.finetune;
      console.log(`${o.target}: fine-tuned ${epochs} epochs: val ${pct(inherited.valAccuracy)} -> ${pct(finetuned.valAccuracy)}, test ${pct(inherited.testAccuracy)} -> ${pct(finetuned.testAccuracy)} (${o.checkpoint})`);
    }
  });
}
