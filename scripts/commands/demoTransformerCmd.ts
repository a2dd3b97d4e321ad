/**
 * `hwnas demo --space fashion-vit`: the demo's job on the shipped SuperTransformer, its accuracy
 * predictor and its transformer latency profiles (pipeline/transformerDemo.ts): budgets at 50%
 * and 75% of the largest SubTransformer's predicted latency on each measured target (or the
 * given --max-latency values), HAT's search per target and budget, each chosen SubTransformer
 * exported, scored on the test split and timed beside its profile's reference; report.md and
 * report.json in --out - all of it, or nothing.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { kDefaultSearchOptions } from '../../evolution/searchOptions.js';
import { resolveTarget } from '../../latency/targets.js';
import { loadTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { demoRuns, kDemoBudgetFractions, kDemoPopulation, kDemoTargets } from '../../pipeline/demo.js';
import type { BudgetBasis } from '../../pipeline/demoReport.js';
import { formatLatency } from '../../pipeline/latencyArg.js';
import { parseProfileArgs } from '../../pipeline/profileArgs.js';
import { populationOptions } from '../../pipeline/search.js';
import { checkShipped, shippedPath, type ShippedTransformer } from '../../pipeline/shippedModels.js';
import {
  checkTransformerSetup, checkTransformerTargets, kTransformerDemoLatencyKind, searchAndVerifyTransformers, transformerBudgets, transformerProfileInputs,
  type TransformerSetup,
} from '../../pipeline/transformerDemo.js';
import { transformerDemoJson, transformerDemoMarkdown, transformerDemoTable, type TransformerDemoReport } from '../../pipeline/transformerDemoReport.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSuperTransformer } from '../../supernet/transformer/io.js';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { OutputLock } from '../../util/outputLock.js';
import { parseIntOption, type CommonOptions } from '../options.js';
import { remeasureForeignTransformerProfiles } from '../profileMachineNote.js';
import { startBackend } from '../runtime.js';

export interface TransformerDemoArgs extends CommonOptions {
  target: string[];
  maxLatency: string[];
  generations: string;
  out: string;
  force?: boolean;
  profile: string[];
}

/** Runs the transformer demo; `cnnOnly` names the CNN demo's options given on the command line (refused). */
export async function demoTransformerCommand(shipped: ShippedTransformer, opts: TransformerDemoArgs, cnnOnly: readonly string[]): Promise<void> {
  const t0 = Date.now();
  // Every option and input before any work.
  if (cnnOnly.length > 0) {
    const one = cnnOnly.length === 1;
    throw new Error(`--space ${shipped.space} is a transformer space: ${cnnOnly.join(', ')} ${one ? 'applies' : 'apply'} to the CNN demo only (SubTransformers are searched in fp32 by the predictor); drop ${one ? 'it' : 'them'}`);
  }
  const targets = opts.target.length > 0 ? opts.target : [...kDemoTargets];
  const resolved = targets.map((t) => resolveTarget(t));
  checkTransformerTargets(resolved);
  const given = parseProfileArgs(opts.profile, resolved);
  const inputs = transformerProfileInputs(resolved, given, shipped);
  const generations = parseIntOption('generations', opts.generations, 1);
  const givenBases: BudgetBasis[] = resolved.map((t) => ({ target: t.given, unit: t.unit }));
  if (opts.maxLatency.length > 0) demoRuns(targets, opts.maxLatency, givenBases);
  checkShipped([shipped.supernet, shipped.predictor, ...inputs.shipped]);
  checkOutputPath(opts.out, { kind: 'folder', existing: opts.force === true ? 'replace' : 'refuse' });
  const lock = OutputLock.acquire(opts.out);
  try {
    await startBackend(opts);
    // Shipped profiles of another machine are measured anew here (kept beside --out for the next run).
    const profiles = await remeasureForeignTransformerProfiles(inputs.profiles, new Set(Object.keys(given)), join(dirname(resolve(opts.out)), 'profiles'));
    const shown = Object.fromEntries(Object.entries(profiles).map(([t, p]) => [t, p === inputs.profiles[t] ? inputs.shown[t] : p]));
    const checkpoint = shippedPath(shipped.supernet);
    const { net, meta } = loadSuperTransformer(checkpoint);
    try {
      const { space } = net;
      if (space.name !== shipped.space) throw new Error(`${shipped.supernet.file} is a SuperTransformer of space '${space.name}', not '${shipped.space}': ${shipped.supernet.make}`);
      const setup: TransformerSetup = {
        checkpoint, space, predictor: shippedPath(shipped.predictor), profiles, latencyKind: kTransformerDemoLatencyKind,
        options: { ...populationOptions(kDemoPopulation), generations, seed: kDefaultSearchOptions.seed },
      };
      checkTransformerSetup(setup, targets);
      const bases = opts.maxLatency.length > 0 ? givenBases : transformerBudgets(setup, targets, kDemoBudgetFractions);
      const runs = demoRuns(targets, opts.maxLatency, bases);
      for (const b of bases) {
        if (b.largest !== undefined) console.log(`${b.target}: largest SubTransformer predicted at ${formatLatency(b.largest, b.unit)}`);
      }
      console.log(`searching ${runs.map((r) => `${r.target} <= ${formatLatency(r.max as number, r.unit)}`).join(', ')}`);
      const data = await loadTrainingData(opts, space, meta.data, checkpoint);
      const done = await buildFolderAtomic(opts.out, async (dir) => {
        const outcome = await searchAndVerifyTransformers({ ...setup, net, runs, test: data.test, onStep: (line) => console.log(line) }, dir);
        const report: TransformerDemoReport = {
          space, supernet: shipped.supernet.file, supernetSteps: `${meta.step}/${meta.totalSteps}`, predictor: `${shipped.predictor.file} (${shipped.predictor.what})`,
          latencyKind: setup.latencyKind,
          profiles: Object.fromEntries(Object.entries(profiles).map(([t, p]) => [t, { file: shown[t], machine: loadTransformerProfile(p).machine }])),
          search: { population: kDemoPopulation, generations, seed: kDefaultSearchOptions.seed, seconds: outcome.searchSeconds },
          budgets: bases, results: outcome.results, machine: outcome.machine, testImages: data.test.n, seconds: (Date.now() - t0) / 1000, createdAt: new Date(),
        };
        writeFileSync(join(dir, 'report.md'), transformerDemoMarkdown(report));
        writeFileSync(join(dir, 'report.json'), transformerDemoJson(report));
        return outcome;
      });
      console.log('');
      console.log(transformerDemoTable(done.results));
      console.log(`report: ${join(opts.out, 'report.md')} and report.json (the demo took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    } finally {
      net.dispose();
    }
  } finally {
    lock.release();
  }
}
