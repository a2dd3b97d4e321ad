/**
 * `hwnas profile` for transformer spaces (--space fashion-vit or a transformer space file):
 * measures a transformer latency profile (the part table and whole SubTransformers, with HAT's
 * MLP trained on them), or --evaluate's both kinds on fresh held-out SubTransformers.
 */
import type { TransformerSpace } from '../../space/transformer/types.js';
import { kDefaultMeasuredThreads } from '../../latency/measuredTarget.js';
import type { TargetSpec } from '../../latency/targets.js';
import { transformerPartVariants } from '../../latency/transformer/transformerParts.js';
import { loadTransformerProfile, type TransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { createBenchRuntime } from '../../profiling/benchRuntime.js';
import { journalPath } from '../../profiling/profileDevice.js';
import { checkTransformerProfileOptions, kDefaultTransformerProfileOptions } from '../../profiling/transformer/profileTransformer.js';
import {
  evaluateTransformerProfile, kDefaultTransformerEvaluateOptions, profileTransformerDevice, type TransformerEvaluation,
} from '../../pipeline/transformerProfile.js';
import { formatTable } from '../../pipeline/table.js';
import { kMinNoiseModelsForSpearman } from '../../profiling/measurementNoise.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { parseIntOption, parsePositiveNumber } from '../options.js';
import { progressBar, type Progress } from '../progress.js';
import { describe, num, pct, samplerOf, warnIfBusy, type ProfileCliOptions } from './profileOptions.js';

function withBar<T>(label: string, run: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  let bar: Progress | undefined;
  return run((done, total) => {
    bar ??= progressBar(total, 0, `${label} {bar} {value}/{total} | ETA {eta_formatted}`);
    bar.update(done);
  }).finally(() => (bar as Progress | undefined)?.stop());
}

/** Measures and writes a transformer profile of `space` on the target of `spec` to `out`. */
export async function runTransformerProfile(space: TransformerSpace, spec: TargetSpec, out: string, opts: ProfileCliOptions): Promise<void> {
  const d = kDefaultTransformerProfileOptions;
  const args = {
    subnets: opts.subnets === undefined ? d.subnets : parseIntOption('subnets', opts.subnets, 1),
    seed: opts.seed === undefined ? d.seed : parseIntOption('seed', opts.seed, 0),
    sampler: samplerOf(opts), budgetSeconds: opts.budget === undefined ? d.budgetSeconds : parsePositiveNumber('budget', opts.budget), force: opts.force === true,
    resume: opts.resume === true,
  };
  checkTransformerProfileOptions(space, args);
  checkOutputPath(out, { kind: 'file', existing: args.force ? 'replace' : 'refuse' });
  const runtime = await createBenchRuntime(spec.name, spec.threads ?? kDefaultMeasuredThreads);
  warnIfBusy();
  const parts = transformerPartVariants(space).length;
  console.log(`profile ${describe(runtime)}, transformer space ${space.name}: table of ${parts} parts + ${args.subnets} whole SubTransformers -> ${out}`);
  console.log(`partial results go to ${journalPath(out)} as they are measured (--resume continues from it)`);
  const { profile, seconds } = await withBar('measuring', (onProgress) => profileTransformerDevice(runtime, space, out, { ...args, onProgress }));
  console.log(`wrote ${out}: ${Object.keys(profile.table).length} table entries, ${profile.subnets.length} SubTransformers in ${seconds.toFixed(0)} s`);
  printKinds(profile);
  console.log(`check both kinds on held-out SubTransformers with 'hwnas profile --evaluate ${out}'`);
}

function printKinds(profile: TransformerProfile): void {
  const t = profile.tableModel;
  console.log(formatTable(['kind', 'measurements', 'fit on', 'quality'], [
    ['table', String(Object.keys(profile.table).length + t.subnets), `${Object.keys(profile.table).length} parts + ${t.subnets} subnets`,
      `5-fold CV: ${pct(t.crossValidated.shareWithin10)} within 10%, MAPE ${num(t.crossValidated.mape, 1)}%`],
    ['mlp', String(profile.mlp.subnets), `${profile.mlp.subnets} subnets`, `hold-out RMSE ${num(profile.mlp.holdOutRmseMs)} ms`],
  ]));
}

/** Both kinds against the held-out SubTransformers, and beneath them the re-measurements against their own median. */
export function evaluationTable(e: TransformerEvaluation): string {
  const rows = [...e.kinds].sort((a, b) => a.measurements - b.measurements || a.kind.localeCompare(b.kind));
  const n = e.noise;
  const noise = n.models > 0 ? [['re-measured', `${n.models} x ${n.repeats}`, String(n.models), '-', pct(n.shareWithin10OfMedian), '-', num(n.spearman)]] : [];
  return formatTable(['kind', 'measurements', 'held-out', 'median ms', 'within 10%', 'MAPE %', 'Spearman'], [
    ...rows.map((k) => [k.kind, String(k.measurements), String(e.subnets), num(e.medianMs), pct(k.shareWithin10), num(k.mape, 1), num(k.spearman)]),
    ...noise,
  ]);
}

/** What the re-measured row is, with each SubTransformer's CV. */
export function noiseNote(e: TransformerEvaluation): string {
  const n = e.noise;
  if (n.models === 0) return 'noise: no SubTransformer re-measured (--noise-repeats 1)';
  return `noise ceiling: ${n.models} held-out SubTransformers measured ${n.repeats} times each, every time loaded anew (a fresh session of the runtime) ` +
    `and timed with the reference; CV ${n.cvs.map((cv) => num(100 * cv, 1)).join(', ')}% (median ${num(100 * n.medianCv, 1)}%). ` +
    `'re-measured' is their measurements against their own median (within 10%) and two repeats against each other ` +
    `(Spearman, given ${kMinNoiseModelsForSpearman} or more SubTransformers): about what a perfect model could reach`;
}

/** Evaluates both kinds of the transformer profile at `path` on held-out SubTransformers measured now. */
export async function runTransformerEvaluate(path: string, opts: ProfileCliOptions): Promise<void> {
  const profile = loadTransformerProfile(path);
  const d = kDefaultTransformerEvaluateOptions;
  const subnets = opts.subnets === undefined ? d.subnets : parseIntOption('subnets', opts.subnets, 2);
  const seed = opts.seed === undefined ? d.seed : parseIntOption('seed', opts.seed, 0);
  const sampler = samplerOf(opts);
  const sizes = opts.sizes === undefined ? [] : opts.sizes.split(',').map((v) => parseIntOption('sizes', v.trim(), 1));
  const noiseModels = parseIntOption('noise-models', opts.noiseModels, 1);
  const noiseRepeats = parseIntOption('noise-repeats', opts.noiseRepeats, 2);
  if (opts.json !== undefined) checkOutputPath(opts.json, { kind: 'file', flag: '--json', existing: 'replace' });
  const runtime = await createBenchRuntime(profile.target, profile.threads);
  warnIfBusy();
  console.log(`evaluate ${path} on ${describe(runtime)}: ${subnets} fresh held-out SubTransformers`);
  const e = await withBar('measuring', (onProgress) => evaluateTransformerProfile(runtime, profile, { subnets, seed, sampler, sizes, noiseModels, noiseRepeats, onProgress }));
  console.log(`the profile's reference SubTransformer runs at ${e.referenceRatio.toFixed(2)}x its profiled time now; held-out times are put at the profile's speed with it`);
  console.log(evaluationTable(e));
  console.log(noiseNote(e));
  if (e.noisy > 0) console.log(`${e.noisy} SubTransformers stayed above the target spread after their rounds (kept)`);
  console.log(`evaluated in ${e.seconds.toFixed(0)} s`);
  if (opts.json !== undefined) {
    writeFileAtomic(opts.json, `${JSON.stringify({ profile: path, ...e }, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}
