/**
 * `hwnas profile`: measures a latency profile of a measured target on this machine (a lookup
 * table of every part variant plus whole random subnets, and the fitted latency model), resumable;
 * with --evaluate, checks a profile against fresh held-out subnets measured now; with --refit,
 * re-fits a profile's model on its stored measurements; with --adapt, adapts a profile from
 * another machine to this one from a few whole-subnet measurements.
 */
import { parseIntOption, parsePositiveNumber } from '../options.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { kDefaultMeasuredThreads } from '../../latency/measuredTarget.js';
import { loadLatencyProfile, measuredWeightType } from '../../latency/latencyProfile.js';
import { parseTargetSpec } from '../../latency/targets.js';
import { createBenchRuntime } from '../../profiling/benchRuntime.js';
import { evaluateProfile, kDefaultEvaluateOptions, type ProfileEvaluation } from '../../profiling/evaluateProfile.js';
import { refitProfile, sourceNote } from '../../profiling/fittedProfile.js';
import { checkProfileOptions, journalPath, kDefaultProfileOptions, profileDevice } from '../../profiling/profileDevice.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import type { LatencyProfile, LinearModel } from '../../latency/latencyProfile.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { kDefaultSampler } from '../../profiling/interleaved.js';
import { adaptProfile, kDefaultAdaptOptions } from '../../profiling/adaptProfile.js';
import { partVariants } from '../../profiling/variants.js';
import { machineDifferences, machineInfo } from '../../profiling/machine.js';
import { resolveSpace } from '../../supernet/io.js';
import { progressBar, type Progress } from '../progress.js';
import { formatTable } from '../../pipeline/table.js';
import { describe, num, pct, samplerOf, warnIfBusy, type ProfileCliOptions } from './profileOptions.js';
import { resolveTransformerSpace } from '../../supernet/transformer/io.js';
import { isTransformerProfileFile, parseTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { isTransformerSpaceName } from '../../space/transformer/index.js';
import { runTransformerEvaluate, runTransformerProfile } from './profileTransformerCmd.js';


function evaluationTable(e: ProfileEvaluation): string {
  const rows = e.groups.map((g) => [
    g.group, String(g.subnets), num(g.medianMs), pct(g.profile.shareWithin10), num(g.profile.mape, 1), num(g.profile.spearman),
    pct(g.macsOnly.shareWithin10), num(g.macsOnly.mape, 1), num(g.macsOnly.spearman),
    num(100 * g.noise.medianCv, 1), Number.isFinite(g.noise.shareWithin10OfMean) ? pct(g.noise.shareWithin10OfMean) : '-',
  ]);
  return formatTable(
    ['group', 'subnets', 'median ms', 'within 10%', 'MAPE %', 'Spearman', 'MACs: within', 'MAPE %', 'Spearman', 'noise CV %', 'noise within'],
    rows,
  );
}

async function runEvaluate(opts: ProfileCliOptions): Promise<void> {
  const path = opts.evaluate as string;
  if (isTransformerProfileFile(path)) return runTransformerEvaluate(path, opts);
  if (opts.sizes !== undefined) throw new Error('--sizes rebuilds the latency kinds of a transformer profile: a CNN profile has one model; drop --sizes');
  const profile = loadLatencyProfile(path);
  const subnets = opts.subnets === undefined ? kDefaultEvaluateOptions.subnets : parseIntOption('subnets', opts.subnets, 2);
  const seed = opts.seed === undefined ? kDefaultEvaluateOptions.seed : parseIntOption('seed', opts.seed, 0);
  const noiseModels = parseIntOption('noise-models', opts.noiseModels, 1);
  const noiseRepeats = parseIntOption('noise-repeats', opts.noiseRepeats, 2);
  const sampler = samplerOf(opts);
  if (opts.json !== undefined) checkOutputPath(opts.json, { kind: 'file', flag: '--json', existing: 'replace' });
  const runtime = await createBenchRuntime(profile.target, profile.threads);
  warnIfBusy();
  console.log(`evaluate ${path} on ${describe(runtime)}: ${subnets} fresh held-out subnets per precision group`);
  let bar: Progress | undefined;
  const e = await evaluateProfile(runtime, profile, {
    subnets, seed, noiseModels, noiseRepeats, sampler,
    onProgress: (done, total) => {
      bar ??= progressBar(total, 0, 'measuring {bar} {value}/{total} subnets | ETA {eta_formatted}');
      bar.update(done);
    },
  });
  (bar as Progress | undefined)?.stop();
  if (e.machineDifferences.length > 0) console.log(`note: the profile was measured on another machine (${e.machineDifferences.join('; ')})`);
  if (e.weightType !== null) console.log(`quantized subnets ran with ${e.weightType} weights, the container the profile was measured with (and exports use)`);
  if (e.referenceRatio !== null) {
    console.log(`the profile's reference subnet runs at ${e.referenceRatio.toFixed(2)}x its profiled time now; held-out times below are put at the profile's speed with it`);
  }
  console.log(evaluationTable(e));
  const noisy = e.groups.reduce((n, g) => n + g.noisy, 0);
  if (noisy > 0) console.log(`${noisy} subnets stayed above the target spread after their rounds (kept)`);
  console.log(`evaluated in ${e.seconds.toFixed(0)} s; noise: CV of ${e.groups[0].noise.repeats} re-measurements of ${e.groups[0].noise.models} subnets per group`);
  if (opts.json) {
    writeFileAtomic(opts.json, `${JSON.stringify({ profile: path, ...e }, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

async function runProfile(opts: ProfileCliOptions): Promise<void> {
  if (opts.target === undefined || opts.out === undefined) {
    throw new Error('give --target and --out to measure a profile (e.g. --target ort-cpu:1 --out profiles/mine.json), or --evaluate FILE');
  }
  // Every option and the output path before any measurement.
  const spec = parseTargetSpec(opts.target);
  const vit = resolveTransformerSpace(opts.space);
  if (vit !== undefined) return runTransformerProfile(vit, spec, opts.out, opts);
  const space = resolveSpace(opts.space);
  const subnets = opts.subnets === undefined ? kDefaultProfileOptions.subnets : parseIntOption('subnets', opts.subnets, 1);
  const seed = opts.seed === undefined ? kDefaultProfileOptions.seed : parseIntOption('seed', opts.seed, 0);
  const sampler = samplerOf(opts);
  const budgetSeconds = opts.budget === undefined ? kDefaultProfileOptions.budgetSeconds : parsePositiveNumber('budget', opts.budget);
  checkOutputPath(opts.out, { kind: 'file', existing: opts.force === true ? 'replace' : 'refuse' });
  const runtime = await createBenchRuntime(spec.name, spec.threads ?? kDefaultMeasuredThreads);
  checkProfileOptions({ ...kDefaultProfileOptions, subnets, seed, budgetSeconds }, runtime.bits);
  warnIfBusy();
  const variants = partVariants(space, { bits: runtime.bits }).length;
  console.log(`profile ${describe(runtime)}, space ${space.name}: table of ${variants} part variants + ${subnets} whole subnets -> ${opts.out}`);
  console.log(`partial results go to ${journalPath(opts.out)} as they are measured (--resume continues from it)`);
  let bar: Progress | undefined;
  const run = await profileDevice(runtime, space, opts.out, {
    subnets,
    seed,
    resume: opts.resume === true,
    force: opts.force === true,
    sampler,
    budgetSeconds,
    onProgress: (p) => {
      bar ??= progressBar(p.total, 0, 'measuring {bar} {value}/{total} | {phase} | noisy {noisy} | ETA {eta_formatted}');
      bar.update(p.done, { phase: p.phase, noisy: p.noisy });
    },
  });
  (bar as Progress | undefined)?.stop();
  const { profile } = run;
  console.log(`wrote ${run.path}: ${Object.keys(profile.table).length} table entries, ${profile.subnets.length} subnets ` +
    `(${run.measured} measured now, ${run.reused} from the journal; ${run.noisyParts} entries and ${run.noisySubnets} subnets stayed above the target spread, kept with it) in ${run.seconds.toFixed(0)} s`);
  if (profile.int8 !== undefined) {
    console.log(`int8 weights run ${profile.int8.int8OverUint8}x the time of uint8 here${profile.int8.int8Exact ? '' : ' but are not exact'}: ` +
      `table and subnets measured with ${measuredWeightType(profile)} weights, the container exports for this target use`);
  }
  printModel(profile);
  console.log(`check it on held-out subnets with 'hwnas profile --evaluate ${run.path}'`);
}

function printModel(profile: LatencyProfile): void {
  const { float, quantized } = profile.model;
  const groups: Array<[string, LinearModel]> = [['float', float], ...(quantized ? [['quantized', quantized] as [string, LinearModel]] : [])];
  const rows = groups.map(([group, { crossValidated: cv, ridge }]) => [group, String(cv.samples), pct(cv.shareWithin10), num(cv.mape, 1), ridge.toExponential(0)]);
  console.log(formatTable(['model', 'subnets', 'within 10% (5-fold CV)', 'MAPE % (CV)', 'ridge'], rows));
}

function runRefit(opts: ProfileCliOptions): void {
  const path = opts.refit as string;
  const out = opts.out ?? path;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read latency profile ${path}: ${(err as Error).message}`, { cause: err });
  }
  refuseTransformerProfile(path, '--refit', 'its models are fitted when it is measured');
  if (out !== path) checkOutputPath(out, { kind: 'file', existing: 'replace' });
  const profile = refitProfile(data, path);
  writeFileAtomic(out, `${JSON.stringify(profile)}\n`);
  console.log(`re-fitted ${path} on its ${profile.subnets.length} measured subnets -> ${out}`);
  printModel(profile);
}

/** Refuses a transformer latency profile given to a CNN-only `flag`, naming the command that measures one here. */
function refuseTransformerProfile(path: string, flag: string, why: string): void {
  if (!isTransformerProfileFile(path)) return;
  const p = parseTransformerProfile(JSON.parse(readFileSync(path, 'utf8')), path);
  const space = isTransformerSpaceName(p.space.name) ? p.space.name : `SPACE.json (the file of space ${p.space.name})`;
  throw new Error(`${flag} ${path}: this is a transformer latency profile (${p.space.name}), and ${why}; measure one on this machine with ` +
    `'hwnas profile --space ${space} --target ${p.target}:${p.threads} --out FILE'`);
}

async function runAdapt(opts: ProfileCliOptions): Promise<void> {
  const from = opts.adapt as string;
  refuseTransformerProfile(from, '--adapt', 'those are re-measured on a new machine, not adapted');
  if (opts.out === undefined) throw new Error(`give --out for the adapted profile (e.g. --adapt ${from} --samples ${kDefaultAdaptOptions.samples} --out mine.json)`);
  const source = loadLatencyProfile(from);
  const samples = opts.samples === undefined ? kDefaultAdaptOptions.samples : parseIntOption('samples', opts.samples, 1);
  const seed = opts.seed === undefined ? kDefaultAdaptOptions.seed : parseIntOption('seed', opts.seed, 0);
  const sampler = samplerOf(opts);
  checkOutputPath(opts.out, { kind: 'file', existing: opts.force === true ? 'replace' : 'refuse' });
  const runtime = await createBenchRuntime(source.target, source.threads);
  warnIfBusy();
  const here = machineInfo(runtime);
  const differences = machineDifferences(source.machine, here);
  console.log(`adapt ${from} (${source.machine.cpuModel}${source.machine.cpuFlags ? `, ${source.machine.cpuFlags.join(' ')}` : ', cpu flags not recorded'}) ` +
    `to ${describe(runtime)}: ${samples} whole subnets measured here`);
  if (differences.length === 0) console.log('note: this machine matches the profile\'s fingerprint; adapting still corrects for its current speed');
  let bar: Progress | undefined;
  const run = await adaptProfile(runtime, source, from, {
    samples, seed, sampler,
    onSource: (s) => {
      const note = sourceNote(from, s, source.subnets.length);
      if (note !== undefined) console.log(note);
    },
    onProgress: (done, total) => {
      bar ??= progressBar(total, 0, 'measuring {bar} {value}/{total} subnets | ETA {eta_formatted}');
      bar.update(done);
    },
  });
  (bar as Progress | undefined)?.stop();
  writeFileAtomic(opts.out, `${JSON.stringify(run.profile)}\n`);
  const groups = Object.entries(run.profile.adapted?.groups ?? {});
  const rows = groups.map(([name, g]) => {
    const scales = Object.values(g.scales);
    return [name, String(g.samples), pct(g.source.shareWithin10), num(g.source.mape, 1), pct(g.leaveOneOut.shareWithin10), num(g.leaveOneOut.mape, 1),
      g.ridge === null ? 'common ratio' : g.ridge.toExponential(0), `${num(Math.min(...scales), 2)}-${num(Math.max(...scales), 2)}`];
  });
  console.log(formatTable(['model', 'samples', 'source: within 10%', 'MAPE %', 'adapted (leave-one-out): within 10%', 'MAPE %', 'ridge', 'scales'], rows));
  console.log(`wrote ${opts.out} in ${run.seconds.toFixed(0)} s; use it with --profile ${source.target}:${source.threads}=${opts.out}, ` +
    `check it with 'hwnas profile --evaluate ${opts.out}'`);
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('measure a latency profile of a measured target on this machine (resumable), or --evaluate one on fresh held-out subnets')
    .option('--target <spec>', `measured target NAME[:THREADS] (ort-cpu, tfjs-wasm, tfjs-node; default ${kDefaultMeasuredThreads} thread)`)
    .option('--out <file>', 'profile JSON to write (atomically, once complete)')
    .option('--evaluate <file>', 'evaluate this profile instead of measuring one')
    .option('--adapt <file>', 'adapt this profile (from another machine) to this one from --samples whole-subnet measurements here; writes --out')
    .option('--samples <n>', `with --adapt: whole subnets to measure here (default ${kDefaultAdaptOptions.samples})`)
    .option('--refit <file>', 're-fit the latency model of this profile on its stored measurements (written to --out, default in place)')
    .option('--space <name|file>', 'search space to profile (a transformer space, e.g. fashion-vit, profiles on ort-cpu or tfjs-wasm)', 'fashion-mbv3')
    .option('--subnets <n>', `whole random subnets: for a profile, in total over the precision groups (default ${kDefaultProfileOptions.subnets}); ` +
      `with --evaluate, per group (default ${kDefaultEvaluateOptions.subnets})`)
    .option('--seed <n>', 'seed of the random subnets')
    .option('--resume', 'continue the unfinished profile in <out>.partial, skipping what it holds')
    .option('--force', 'replace an existing --out profile')
    .option('--warmup <n>', 'untimed runs of each graph before timing', String(kDefaultSampler.warmupRuns))
    .option('--min-sample-ms <ms>', 'shortest sample: runs are repeated back to back until a sample lasts this long', String(kDefaultSampler.minSampleMs))
    .option('--rounds <n>', 'interleaved rounds before each precision check (>= 5)', String(kDefaultSampler.minRounds))
    .option('--max-rounds <n>', 'most rounds per measurement; a measurement still imprecise then is kept with its spread', String(kDefaultSampler.maxRounds))
    .option('--target-spread <x>', 'relative precision at which a measurement stops early', String(kDefaultSampler.targetSpread))
    .option('--budget <seconds>', `time a profile's measurements aim to fit in (default ${kDefaultProfileOptions.budgetSeconds})`)
    .option('--noise-models <n>', 'with --evaluate: subnets per group (of a transformer profile: SubTransformers) re-measured for the noise floor', String(kDefaultEvaluateOptions.noiseModels))
    .option('--noise-repeats <n>', 'with --evaluate: measurements of each of those (of a SubTransformer: each in a fresh session)', String(kDefaultEvaluateOptions.noiseRepeats))
    .option('--json <file>', 'with --evaluate: also write the report as JSON')
    .option('--sizes <list>', 'with --evaluate of a transformer profile: also rebuild both latency kinds from the first N measurements for each N (e.g. 100,200) and score them on the same held-out SubTransformers')
    .action(async (opts: ProfileCliOptions) => {
      if (opts.adapt !== undefined) {
        if (opts.evaluate !== undefined || opts.target !== undefined || opts.refit !== undefined) {
          throw new Error('--adapt reads the target from the source profile: drop --target, --evaluate and --refit');
        }
        await runAdapt(opts);
      } else if (opts.refit !== undefined) {
        if (opts.evaluate !== undefined || opts.target !== undefined) throw new Error('--refit reads everything from the profile: drop --evaluate and --target');
        runRefit(opts);
      } else if (opts.evaluate !== undefined) {
        if (opts.target !== undefined || opts.out !== undefined) throw new Error('--evaluate reads the target from the profile: drop --target and --out');
        await runEvaluate(opts);
      } else {
        await runProfile(opts);
      }
    });
}
