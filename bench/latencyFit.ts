/**
 * `npm run bench:latency-fit -- --profile FILE [--profile FILE ...] [--json OUT]`: offline
 * cross-validation of the latency model on profiles already measured - nothing is timed. For
 * each profile, every measured subnet is predicted by a model fitted without it (nested,
 * grouped 5-fold: profiling/crossValidateProfile.ts), once with the model of profile formats
 * 2-3 (per-operator features) and once with this version's (plus the runtime features of what
 * onnxruntime dispatches), and the agreement is printed per precision group and per structural
 * trait, next to the ceiling the measurements' own spreads allow.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { nchwcBlockOf } from '../latency/runtimeFeatures.js';
import { markdownTable } from '../pipeline/table.js';
import { agreementOf, crossValidateProfile, noiseCeiling, traitsOf, type FeatureSet, type HeldOutPrediction } from '../profiling/crossValidateProfile.js';
import { benchArgs, fail } from './args.js';

const kName = 'bench:latency-fit';
const args = benchArgs(kName, {
  profile: { type: 'string', multiple: true },
  json: { type: 'string' },
});

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kSets: readonly FeatureSet[] = ['operators', 'runtime'];
const kLabel: Record<FeatureSet, string> = { operators: 'old (formats 2-3)', runtime: 'new (format 4)' };

function load(path: string): LatencyProfile {
  return parseLatencyProfile(JSON.parse(readFileSync(path, 'utf8')), path);
}

function report(path: string): Record<string, unknown> {
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
  console.log(markdownTable(['trait', 'group', 'subnets', 'old: within 10% / MAPE', 'new: within 10% / MAPE', 'old: mean error', 'new: mean error'], traitRows));
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { profile: path, space: profile.space.name, target: `${profile.target}:${profile.threads}`, nchwcBlock: nchwcBlockOf(profile.machine, profile.target), groups: out };
}

try {
  const paths = args.profile ?? [];
  if (paths.length === 0) throw new Error('give at least one --profile FILE (a latency profile with measured subnets)');
  const results = paths.map(report);
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
} catch (err) {
  fail(kName, err);
}
