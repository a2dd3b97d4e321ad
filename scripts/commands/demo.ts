/**
 * `hwnas demo` (what `npm start` runs): the end-to-end product run on the shipped artifacts of a
 * CNN space (fashion-hybrid by default). With its supernet, accuracy predictor and latency
 * profiles it searches each target at two budgets (the predicted latency there of the space's
 * standard models, ResNet-8 and ResNet-14; 50% and 75% of the largest subnet's in a space without
 * them; or the given --max-latency values), exports the chosen configs, verifies them (test
 * accuracy of the exported model, latency measured on measured targets), offers per budget the
 * most accurate trained model shipped for the space (pipeline/trainedModels.ts), times the
 * baselines beside them and writes the results, the Pareto plots, the models and report.md into
 * --out - all of it, or nothing. `--space fashion-vit` runs the same job on the shipped
 * SuperTransformer (demoTransformerCmd.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { kDefaultSearchOptions } from '../../evolution/searchOptions.js';
import { resolveTarget } from '../../latency/targets.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { loadSupernet } from '../../supernet/io.js';
import type { QuantMode } from '../../space/searchSpace.js';
import { budgetLine, demoMarkdown, type BudgetBasis } from '../../pipeline/demoReport.js';
import { formatLatency } from '../../pipeline/latencyArg.js';
import { addBackendOption, addDataDirOption, addProfileOption, type CommonOptions, parseIntOption } from '../options.js';
import { checkTargetModels, parseProfileArgs } from '../../pipeline/profileArgs.js';
import { adaptForeignProfiles } from '../profileMachineNote.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { OutputLock } from '../../util/outputLock.js';
import { startBackend } from '../runtime.js';
import { searchTable, writePlots, writeSearchMarker, type SearchOutcome } from '../../pipeline/searchOutput.js';
import { chosenConfig } from '../../pipeline/searchResultFile.js';
import { checkShipped, kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { verifyTable } from '../../pipeline/verifyReport.js';
import { computedBudgets, demoProfiles, demoRunReferences, demoRuns, demoSpace, referenceBudgets, kDemoBudgetFractions, kDemoPopulation, kDemoRerank, kDemoTargets } from '../../pipeline/demo.js';
import { populationOptions, readKnown, rerankEvaluator, runSearches } from '../../pipeline/search.js';
import { kKnownPerBudget } from '../../pipeline/rerank.js';
import { runVerify } from '../../pipeline/verify.js';
import { baselineConfigs, baselineReference, baselinesMarkdown, timeBaselines } from '../../pipeline/baselines.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { nearestOverBudget, pickTrained, trainedMarkdown, trainedModels, verifyTrained } from '../../pipeline/trainedModels.js';
import { timingInput } from '../../pipeline/verifyLatency.js';
import { cliReporter } from '../progress.js';
import { demoTransformerCommand } from './demoTransformerCmd.js';

interface DemoCliOptions extends CommonOptions {
  space?: string;
  target: string[];
  maxLatency: string[];
  quant?: QuantMode;
  generations: string;
  rerank: string;
  out: string;
  force?: boolean;
  profile: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('the end-to-end run on the shipped supernet, predictor and latency profiles: search two targets at two budgets each, export, verify, offer the trained models within each budget, report beside the baselines')
    .option('--space <name>', `the shipped space to run on: CNN supernets ${Object.keys(kShipped.cnn).map((n, k) => (k === 0 ? `${n} (default)` : n)).join(', ')}, or ${kShipped.transformer.space} (its SuperTransformer, ${kShipped.transformer.predictor.file} and transformer profiles)`)
    .option('--target <spec>', `target NAME[:THREADS]; repeat for several (default: ${kDemoTargets.join(' and ')})`, collect, [])
    .option('--max-latency <value>', 'budget of the --target in the same position (default: the predicted latency of each standard model of the space, ' +
      `e.g. ResNet-8 and ResNet-14; in a space without them ${kDemoBudgetFractions.map((f) => `${100 * f}%`).join(' and ')} of the largest subnet's)`, collect, [])
    .addOption(new Option('--quant <mode>', "genome and predictor: 'mixed' per-block bits (quantization-aware predictor) or 'fp32' (default: mixed where the space ships its predictor)").choices(['mixed', 'fp32']))
    .option('--generations <n>', `generations per search (population ${kDemoPopulation})`, String(kDefaultSearchOptions.generations))
    .option('--rerank <k>', `measure the k most accurate predicted finalists of each search on val, with the ${kKnownPerBudget} most accurate configs within the budget of the space's shipped dataset (where it ships one), and keep the best measured (0 = the predictor alone)`, String(kDemoRerank))
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--force', 'replace an existing --out folder (atomically, once the new one is complete)');
  addProfileOption(cmd);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: DemoCliOptions) => {
    const demo = demoSpace(opts.space);
    if (demo.kind === 'transformer') {
      const cnnOnly = ['quant', 'rerank'].filter((o) => cmd.getOptionValueSource(o) === 'cli').map((o) => `--${o}`);
      return demoTransformerCommand(demo.shipped, opts, cnnOnly);
    }
    const t0 = Date.now();
    // Every option and input before any work.
    if (opts.data !== undefined) {
      throw new Error(`--data ${opts.data}: the demo of ${demo.shipped.space} runs its shipped supernet, trained on Fashion-MNIST; for your own data ` +
        "train a supernet on it ('hwnas init --data DIR --out space.json', 'hwnas train --space space.json --data DIR ...') and run 'hwnas search' and 'hwnas verify' with --data (README: Your own data)");
    }
    const targets = opts.target.length > 0 ? opts.target : [...kDemoTargets];
    const resolved = targets.map((t) => resolveTarget(t));
    const given = parseProfileArgs(opts.profile, resolved);
    const shipped = demo.shipped;
    const quant: QuantMode = opts.quant ?? (shipped.predictors.mixed !== undefined ? 'mixed' : 'fp32');
    const predictorArtifact = shipped.predictors[quant];
    if (predictorArtifact === undefined) {
      const other = Object.keys(shipped.predictors).map((q) => `--quant ${q}`).join(' or ');
      const spaces = Object.values(kShipped.cnn).filter((c) => c.predictors[quant] !== undefined).map((c) => `--space ${c.space}`).join(' or ');
      throw new Error(`--quant ${quant}: hwnas ships no ${quant === 'mixed' ? 'quantization-aware' : 'fp32'} accuracy predictor for ${shipped.space}: ` +
        `run the demo with ${other}${spaces.length > 0 ? `, or with ${spaces}` : ''}`);
    }
    const profileArtifacts = demoProfiles(resolved, given, shipped);
    const rerank = parseIntOption('rerank', opts.rerank, 0);
    const dataset = rerank > 0 ? shipped.datasets?.[quant] : undefined;
    checkShipped([shipped.supernet, predictorArtifact, ...(dataset ? [dataset] : []), ...Object.values(profileArtifacts)]);
    // The trained models offered beside the search, checked before any work.
    const trainedOfSpace = trainedModels(spaceByName(shipped.space));
    const generations = parseIntOption('generations', opts.generations, 1);
    const givenBases: BudgetBasis[] = resolved.map((t) => ({ target: t.given, unit: t.unit }));
    if (opts.maxLatency.length > 0) demoRuns(targets, opts.maxLatency, givenBases);
    checkOutputPath(opts.out, { kind: 'folder', existing: opts.force === true ? 'replace' : 'refuse' });
    const lock = OutputLock.acquire(opts.out);
    await startBackend(opts);
    const checkpoint = shippedPath(shipped.supernet);
    const loaded = loadSupernet(checkpoint);
    try {
      const { space } = loaded.net;
      const predictorPath = shippedPath(predictorArtifact);
      const predictor = MlpPredictor.load(predictorPath, space);
      if (quant === 'mixed' && !predictor.encoder.hasBits) {
        throw new Error(`${predictorArtifact.file} encodes no bits, so it is no ${predictorArtifact.what} and cannot score mixed-precision configs: ${predictorArtifact.make}; or run the demo with --quant fp32`);
      }
      // Shipped profiles of another machine are adapted to this one (kept beside --out for the next run).
      const profiles = await adaptForeignProfiles(resolved, { ...Object.fromEntries(Object.entries(profileArtifacts).map(([t, a]) => [t, shippedPath(a)])), ...given },
        new Set(Object.keys(given)), join(dirname(resolve(opts.out)), 'profiles'), { quantized: quant === 'mixed' });
      await checkTargetModels(space, resolved, profiles);
      const bases: BudgetBasis[] = opts.maxLatency.length > 0 ? givenBases
        : await referenceBudgets(space, resolved, profiles, baselineConfigs(space)) ?? await computedBudgets(space, resolved, profiles, kDemoBudgetFractions);
      const runs = demoRuns(targets, opts.maxLatency, bases);
      for (const b of bases) {
        if (b.largest !== undefined || b.references !== undefined) console.log(budgetLine(b).slice(2));
      }
      console.log(`searching ${runs.map((r) => `${r.target} <= ${formatLatency(r.max as number, r.unit)}`).join(', ')}`);
      const data = loadFashionMnist({ dataDir: opts.dataDir });
      const options = { ...populationOptions(kDemoPopulation), generations, seed: kDefaultSearchOptions.seed };
      const workers = Math.min(2, availableParallelism());
      // Read before the evaluator's workers start, so that a bad dataset leaves none running.
      const known = dataset ? readKnown(shippedPath(dataset), space, quant, `${dataset.make} (the shipped ${dataset.what})`, 'the shipped dataset') : undefined;
      const evaluator = rerank > 0 ? await rerankEvaluator(checkpoint, opts.dataDir, workers) : undefined;
      const done = await buildFolderAtomic(opts.out, async (dir) => {
        const ts = Date.now();
        let outcomes: SearchOutcome[];
        try {
          outcomes = await runSearches({
            space, runs, predictor: predictorPath, quant, pareto: false, options,
            workers, checkpoint, profiles, out: join(dir, 'search'), ...(evaluator ? { rerank: { k: rerank, evaluator, ...(known ? { known } : {}) } } : {}), reporter: cliReporter,
          });
        } finally {
          await evaluator?.close();
        }
        const searchSeconds = (Date.now() - ts) / 1000;
        writePlots(join(dir, 'search'), runs, outcomes);
        writeSearchMarker(join(dir, 'search'), runs);
        const chosen = outcomes.map((o, k) => chosenConfig(join(opts.out, 'search', runs[k].file), o));
        mkdirSync(join(dir, 'verify'));
        const verified = await runVerify(chosen, loaded, shipped.supernet.file, data, join(dir, 'verify'), cliReporter, profiles);
        // The trained models offered per budget, then the standard models a user would train instead, timed here beside the searched ones.
        const input = timingInput(space, data.test);
        const references = demoRunReferences(opts.maxLatency, bases);
        const trained = await verifyTrained(runs, await pickTrained(space, runs, profiles, trainedOfSpace), data.test, space.input.classes, input,
          (k) => (references[k] === undefined ? undefined : baselineReference(references[k] as string)));
        const baselines = await timeBaselines(resolved, input);
        const trainedLines = trainedMarkdown(trained, runs, trainedOfSpace.length, await nearestOverBudget(space, runs, profiles, trainedOfSpace));
        const baselineLines = baselinesMarkdown(baselines.rows, baselines.missing);
        writeFileSync(join(dir, 'report.md'), demoMarkdown({
          baselines: baselineLines, trained: trainedLines,
          space, supernet: shipped.supernet.file, supernetSteps: `${loaded.meta.step}/${loaded.meta.totalSteps}`,
          predictor: predictorArtifact.file, predictorKind: `${predictorArtifact.what}, genome ${quant}`,
          profiles: Object.fromEntries(Object.entries(profiles).map(([t, p]) => [t, profileArtifacts[t] !== undefined && p === shippedPath(profileArtifacts[t]) ? profileArtifacts[t].file : p])),
          search: { population: kDemoPopulation, generations, seed: options.seed, rerank, seconds: searchSeconds, ...(known && dataset ? { known: dataset.file } : {}) },
          budgets: bases, runs, rows: verified.rows, verify: verified.provenance, seconds: (Date.now() - t0) / 1000, createdAt: new Date(),
        }));
        return { outcomes, rows: verified.rows, baselineLines, trainedLines };
      });
      console.log(searchTable(runs, done.outcomes));
      console.log('');
      console.log(verifyTable(done.rows));
      console.log('');
      console.log(done.trainedLines.join('\n'));
      console.log(done.baselineLines.join('\n'));
      console.log(`report: ${join(opts.out, 'report.md')} (the demo took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    } finally {
      loaded.net.dispose();
      lock.release();
    }
  });
}
