/**
 * `npm run bench:latency-fit -- --profile FILE [--evaluation REPORT] [--profile FILE ...]
 * [--json OUT]`: offline cross-validation of the latency model on profiles already measured -
 * nothing is timed. For each profile, every measured subnet is predicted by a model fitted
 * without it (nested, grouped 5-fold: profiling/crossValidateProfile.ts), with the model of
 * profile formats 2-3 (per-operator features), of format 4 (plus the runtime features of what
 * onnxruntime dispatches) and this version's (format 5: plus the structure features, fitted
 * robustly), and the agreement is printed per precision group and per structural trait, next
 * to the ceiling the measurements' own spreads allow. The i-th `--evaluation` (a report of
 * `hwnas profile --evaluate --json` of the i-th profile's measurements) adds the truly held-out
 * check: its fresh subnets predicted by each model fitted on all of the profile's subnets, and
 * by the profile's stored model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { ProfileLatencyModel } from '../latency/ProfileLatencyModel.js';
import { nchwcBlockOf } from '../latency/runtimeFeatures.js';
import { markdownTable } from '../pipeline/table.js';
import { layersOf } from '../space/layers.js';
import {
  agreementOf, crossValidateProfile, noiseCeiling, predictByRefit, traitsOf, type FeatureSet, type HeldOutPrediction,
} from '../profiling/crossValidateProfile.js';
import { evaluatedSubnets } from '../profiling/evaluatedSubnets.js';
import { benchArgs, fail } from './args.js';

const kName = 'bench:latency-fit';
const args = benchArgs(kName, {
  profile: { type: 'string', multiple: true },
  evaluation: { type: 'string', multiple: true },
  json: { type: 'string' },
});

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kSets: readonly FeatureSet[] = ['operators', 'runtime', 'structure'];
const kLabel: Record<FeatureSet, string> = { operators: 'formats 2-3', runtime: 'format 4', structure: 'format 5' };

function load(path: string): LatencyProfile {
  return parseLatencyProfile(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** The fresh held-out subnets of `evaluationPath` predicted by each model fitted on all of `profile`'s subnets. */
function heldOutCheck(profile: LatencyProfile, path: string, evaluationPath: string): Record<string, unknown> {
  const subnets = evaluatedSubnets(profile, JSON.parse(readFileSync(evaluationPath, 'utf8')), evaluationPath);
  const configs = subnets.map((s) => s.config);
  const stored = new ProfileLatencyModel(profile, (cfg) => layersOf(profile.space, cfg), path).predict(configs);
  const predictions: Array<[string, ArrayLike<number>]> = [
    ['as evaluated', subnets.map((s) => s.predictedMs)], [`stored model of ${path}`, stored],
    ...kSets.map((set): [string, number[]] => [`${kLabel[set]} refitted`, predictByRefit(profile, set, configs)]),
  ];
  const out: Record<string, unknown> = {};
  const rows: string[][] = [];
  for (const group of [...new Set(subnets.map((s) => s.group))]) {
    const at = subnets.flatMap((s, i) => (s.group === group ? [i] : []));
    for (const [label, p] of predictions) {
      const a = agreementOf(at.map((i) => ({ config: configs[i], group, ms: subnets[i].ms, predicted: p[i] })));
      out[group] = { ...(out[group] as object | undefined), [label]: a };
      rows.push([group, label, String(a.subnets), pct(a.shareWithin10), a.mape.toFixed(1), a.spearman.toFixed(3)]);
    }
  }
  console.log(`\nheld out (${evaluationPath}): fresh subnets measured by 'hwnas profile --evaluate', predicted by models fitted on all ${profile.subnets.length} of the profile's subnets`);
  console.log(markdownTable(['group', 'model', 'subnets', 'within 10%', 'MAPE %', 'Spearman'], rows));
  return out;
}

function report(path: string, evaluationPath?: string): Record<string, unknown> {
  const profile = load(path);
  const t0 = Date.now();
  const held = Object.fromEntries(kSets.map((set) => [set, crossValidateProfile(profile, set)])) as Record<FeatureSet, HeldOutPrediction[]>;
  const groups = [...new Set(held.operators.map((r) => r.group))];
  const rows: string[][] = [];
  const out: Record<string, unknown> = {};
  for (const group of groups) {
    const pick = (set: FeatureSet) => held[set].filter((r) => r.group === group);
    const ceiling = noiseCeiling(pick('operators'));
    const a = Object.fromEntries(kSets.map((set) => [set, agreementOf(pick(set))]));
    out[group] = { ...a, noiseCeiling: ceiling };
    rows.push([group, String(a.operators.subnets), ...kSets.flatMap((set) => [pct(a[set].shareWithin10), a[set].mape.toFixed(1), a[set].spearman.toFixed(3)]),
      ceiling === null ? '-' : pct(ceiling)]);
  }
  const header = ['group', 'subnets', ...kSets.flatMap((s) => [`${kLabel[s]}: within 10%`, 'MAPE %', 'Spearman']), 'noise ceiling'];
  console.log(`\n${path}: ${profile.space.name}, ${profile.target}:${profile.threads}, NCHWc block ${nchwcBlockOf(profile.machine, profile.target)}` +
    ` (${profile.machine.cpuFlags?.includes('avx512f') ? 'AVX-512' : profile.machine.cpuFlags ? 'no AVX-512' : 'cpu flags not recorded'}), ${profile.subnets.length} subnets`);
  console.log(markdownTable(header, rows));
  const traitRows: string[][] = [];
  for (const [trait, of] of Object.entries(traitsOf(profile))) {
    for (const group of groups) {
      const values = new Map<string, number[]>();
      held.operators.forEach((r, i) => {
        if (r.group !== group) return;
        const v = of(r.config);
        values.set(v, [...(values.get(v) ?? []), i]);
      });
      if (values.size < 2) continue;
      for (const [value, at] of [...values].sort()) {
        if (at.length < 10) continue;
        const a = kSets.map((set) => agreementOf(at.map((i) => held[set][i])));
        const bias = (set: FeatureSet) => at.reduce((s, i) => s + held[set][i].predicted / held[set][i].ms - 1, 0) / at.length;
        traitRows.push([`${trait} = ${value}`, group, String(at.length), ...a.map((x) => `${pct(x.shareWithin10)} / ${x.mape.toFixed(1)}`), ...kSets.map((s) => pct(bias(s)))]);
      }
    }
  }
  console.log(markdownTable(['trait', 'group', 'subnets', ...kSets.map((s) => `${kLabel[s]}: within 10% / MAPE`), ...kSets.map((s) => `${kLabel[s]}: mean error`)], traitRows));
  const heldOut = evaluationPath === undefined ? undefined : heldOutCheck(profile, path, evaluationPath);
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return {
    profile: path, space: profile.space.name, target: `${profile.target}:${profile.threads}`, nchwcBlock: nchwcBlockOf(profile.machine, profile.target), groups: out,
    ...(heldOut !== undefined ? { evaluation: evaluationPath, heldOut } : {}),
  };
}

try {
  const paths = args.profile ?? [];
  if (paths.length === 0) throw new Error('give at least one --profile FILE (a latency profile with measured subnets)');
  const evaluations = args.evaluation ?? [];
  if (evaluations.length > paths.length) throw new Error(`give at most one --evaluation per --profile (the i-th evaluates the i-th profile): got ${evaluations.length} for ${paths.length}`);
  const results = paths.map((path, i) => report(path, evaluations[i]));
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
} catch (err) {
  fail(kName, err);
}
