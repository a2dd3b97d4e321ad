/**
 * The demo's job on a SuperTransformer (`hwnas demo --space fashion-vit`) as library functions,
 * from the transformer pipeline's own pieces: per measured target (ort-cpu:N) budgets at
 * fractions of the largest SubTransformer's predicted latency there, as the CNN demo sets them
 * (pipeline/demo.ts); HAT's search per target and budget (runTransformerSearch); and each chosen
 * SubTransformer verified (verifyTransformerResults: exported, test accuracy in onnxruntime,
 * timed beside its profile's reference). bench/specialise.ts runs the same searches.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchOptions } from '../evolution/searchOptions.js';
import type { ResolvedTarget } from '../latency/targets.js';
import { loadTransformerProfile, type TransformerProfile } from '../latency/transformer/transformerProfile.js';
import type { TransformerLatencyKind } from '../latency/transformer/types.js';
import { createBenchRuntime, type BenchRuntime } from '../profiling/benchRuntime.js';
import type { SamplerSettings } from '../profiling/interleaved.js';
import { machineInfo, type MachineInfo } from '../profiling/machine.js';
import { largestTransformer } from '../space/transformer/configs.js';
import type { TransformerSpace } from '../space/transformer/types.js';
import type { DataSplit } from '../supernet/data/types.js';
import type { SuperTransformer } from '../supernet/transformer/SuperTransformer.js';
import { kDemoTargets } from './demo.js';
import type { BudgetBasis } from './demoReport.js';
import { writePlots, type SearchRun } from './searchOutput.js';
import { shippedPath, type ShippedArtifact, type ShippedTransformer } from './shippedModels.js';
import { transformerLatencyModel } from './transformerProfile.js';
import { runTransformerSearch, transformerFitness, type TransformerResultFile, type TransformerSearchJob } from './transformerSearch.js';
import { verifyTransformerResults, type TransformerVerifyRow } from './transformerVerify.js';

/** The kind of the profiles' latency model the demo searches with (the part table and its overhead fit). */
export const kTransformerDemoLatencyKind: TransformerLatencyKind = 'table';

/** Measured targets whose runtimes run SubTransformer graphs: ONNX in onnxruntime, tfjs graph models in tfjs. */
export const kTransformerTargets: readonly string[] = Object.freeze(['ort-cpu', 'tfjs-wasm', 'tfjs-node']);

/** 'a', 'a and b', 'a, b and c'. */
const listed = (xs: readonly string[]): string => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** Refuses targets a SubTransformer cannot be searched for: its profiles are measured, on kTransformerTargets. `flag` names them. */
export function checkTransformerTargets(targets: readonly ResolvedTarget[], flag = '--target'): void {
  for (const t of targets) {
    if (t.kind === 'measured' && kTransformerTargets.includes(t.name)) continue;
    throw new Error(
      `${flag} ${t.given}: SubTransformers are searched and timed on measured targets that run their graphs only (${kTransformerTargets.join(', ')}): ` +
        `give such targets, e.g. ${kDemoTargets.join(' and ')}`,
    );
  }
}

/** The transformer profile of each target: the one --profile gives, else the shipped one. */
export interface TransformerProfileInputs {
  /** The shipped profiles used, to check they exist (checkShipped). */
  shipped: ShippedArtifact[];
  /** Profile file by target spec as given (absolute). */
  profiles: Record<string, string>;
  /** The files as a report shows them: shipped ones relative to the package root. */
  shown: Record<string, string>;
}

/**
 * The profiles of `targets` (checked ort-cpu targets): the --profile values `given`, else the
 * shipped ones; throws for a target with neither. `flag` names the targets' option.
 */
export function transformerProfileInputs(
  targets: readonly ResolvedTarget[], given: Record<string, string>, shipped: ShippedTransformer, flag = '--target',
): TransformerProfileInputs {
  const inputs: TransformerProfileInputs = { shipped: [], profiles: {}, shown: {} };
  for (const t of targets) {
    const target = t.given;
    const artifact = shipped.profiles[t.spec];
    if (given[target] === undefined && artifact === undefined) {
      throw new Error(
        `${flag} ${target}: hwnas ships transformer latency profiles of ${shipped.space} for ${listed(Object.keys(shipped.profiles))} only: use one of those, ` +
          `or give one of your own with --profile ${target}=FILE ('hwnas profile --space ${shipped.space} --target ${t.spec} --out FILE')`,
      );
    }
    if (given[target] === undefined) inputs.shipped.push(artifact);
    inputs.profiles[target] = given[target] ?? shippedPath(artifact);
    inputs.shown[target] = given[target] ?? artifact.file;
  }
  return inputs;
}

/** What every search of a transformer demo shares. */
export interface TransformerSetup {
  checkpoint: string;
  space: TransformerSpace;
  predictor: string;
  /** Profile file by target spec as given. */
  profiles: Record<string, string>;
  latencyKind: TransformerLatencyKind;
  options: Omit<SearchOptions, 'quant'>;
}

/** The budget search of `target` at `maxLatency` (undefined: unset, for checking). */
export function transformerJob(s: TransformerSetup, target: string, maxLatency?: number): TransformerSearchJob {
  const profile = s.profiles[target];
  if (profile === undefined) throw new Error(`no transformer latency profile for ${target}: give --profile ${target}=FILE`);
  return { checkpoint: s.checkpoint, space: s.space, predictor: s.predictor, profile, latencyKind: s.latencyKind, target, maxLatency, pareto: false, options: s.options };
}

/** Loads the predictor and every target's profile as its search will, so that a wrong file stops the job before any work. */
export function checkTransformerSetup(s: TransformerSetup, targets: readonly string[]): void {
  for (const t of targets) transformerFitness(transformerJob(s, t));
}

/** Per target, `fractions` of the largest SubTransformer's predicted latency there (ms, the setup's latency kind). */
export function transformerBudgets(s: TransformerSetup, targets: readonly string[], fractions: readonly number[]): BudgetBasis[] {
  const largest = largestTransformer(s.space);
  return targets.map((target) => {
    const file = s.profiles[target];
    const model = transformerLatencyModel(loadTransformerProfile(file), s.latencyKind, `profile ${file}`);
    return { target, unit: 'ms', largest: model.predict([largest])[0], fractions };
  });
}

export type RuntimeFactory = (target: string, threads: number) => Promise<BenchRuntime>;

/** One runtime per target and thread count, made by `create` on first use. */
export function runtimePool(create: RuntimeFactory = createBenchRuntime): (profile: Pick<TransformerProfile, 'target' | 'threads'>) => Promise<BenchRuntime> {
  const made = new Map<string, Promise<BenchRuntime>>();
  return (p) => {
    const key = `${p.target}:${p.threads}`;
    let runtime = made.get(key);
    if (runtime === undefined) {
      runtime = create(p.target, p.threads);
      made.set(key, runtime);
    }
    return runtime;
  };
}

export interface TransformerDemoJob extends TransformerSetup {
  net: SuperTransformer;
  runs: readonly SearchRun[];
  /** The split test accuracy is measured on. */
  test: DataSplit;
  /** The runtime of each profile's target (default: the real one, createBenchRuntime). */
  runtimes?: ReturnType<typeof runtimePool>;
  /** Sampler settings over each profile's own (tests use short ones). */
  sampler?: Partial<SamplerSettings>;
  onStep?: (line: string) => void;
}

/** One search of the demo, verified. */
export interface TransformerRunResult {
  run: SearchRun;
  results: TransformerResultFile;
  /** Its chosen SubTransformer, verified. */
  row: TransformerVerifyRow;
  /** Its models' and verify.json's folder, relative to the output folder. */
  verifyDir: string;
}

export interface TransformerDemoOutcome {
  results: TransformerRunResult[];
  searchSeconds: number;
  /** The machine, with the runtime that timed the models. */
  machine: MachineInfo;
}

/**
 * Searches every run into `<dir>/search` (a results file each and a Pareto plot per target),
 * then verifies each run's chosen SubTransformer into `<dir>/verify/<results file's name>`.
 * All searches come first, so no search runs beside a measurement.
 */
export async function searchAndVerifyTransformers(job: TransformerDemoJob, dir: string): Promise<TransformerDemoOutcome> {
  if (job.runs.length === 0 || job.runs.some((r) => r.max === undefined)) throw new Error('a transformer demo needs runs, each with a budget');
  const t0 = Date.now();
  mkdirSync(join(dir, 'search'), { recursive: true });
  const files: TransformerResultFile[] = [];
  for (const run of job.runs) {
    const file = await runTransformerSearch(transformerJob(job, run.target, run.max), join(dir, 'search', run.file));
    const best = file.result.mode === 'budget' ? file.result.best : file.result.front[0];
    job.onStep?.(`${run.target} <= ${run.max} ms: predicted ${(100 * best.accuracy).toFixed(2)}% at ${best.latency.toPrecision(3)} ms (${file.result.scored} scored)`);
    files.push(file);
  }
  const searchSeconds = (Date.now() - t0) / 1000;
  writePlots(join(dir, 'search'), job.runs, files.map((f) => f.result));
  const runtimes = job.runtimes ?? runtimePool();
  const results: TransformerRunResult[] = [];
  for (const [k, run] of job.runs.entries()) {
    const verifyDir = join('verify', run.file.replace(/\.json$/, ''));
    mkdirSync(join(dir, verifyDir), { recursive: true });
    const runtime = await runtimes(loadTransformerProfile(files[k].profile));
    const [row] = await verifyTransformerResults(files[k], job.net, job.test, runtime, join(dir, verifyDir), job.sampler);
    job.onStep?.(`${run.target} <= ${run.max} ms: ${row.onnx} test accuracy ${(100 * row.testAccuracy).toFixed(2)}%, ${row.measuredMs.toPrecision(3)} ms measured${row.noisy ? ' (noisy)' : ''}`);
    results.push({ run, results: files[k], row, verifyDir });
  }
  const machine = machineInfo(await runtimes(loadTransformerProfile(files[0].profile)));
  return { results, searchSeconds, machine };
}
