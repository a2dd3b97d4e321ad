/**
 * Specialisation: does each device get a config of its own, and is it the best one there?
 *
 *   npm run bench:specialise -- [--targets ort-cpu:1,ort-cpu:2,rpi4,phone-big,gpu-small] [--fraction 0.6]
 *     [--population 100] [--generations 500] [--seed 0] [--checkpoint F] [--predictor F]
 *     [--quant mixed|fp32] [--workers 2] [--profile TARGET=FILE ...] [--out runs/bench-specialise] [--force] [--json FILE]
 *
 * With a SuperTransformer --checkpoint (e.g. models/training/fashion-vit.ckpt) the same table for
 * its SubTransformers on measured ort-cpu and tfjs targets (default ort-cpu:1,ort-cpu:2,tfjs-wasm:1): bench/specialiseTransformer.ts.
 *
 * For each target, a budget search (runSearches, exactly as `hwnas search`) at --fraction of the
 * largest fp32 subnet's predicted latency there, all on one fitness that scores every target, so
 * each chosen config carries its predicted latency on every target. The chosen configs are
 * verified by runVerify (export, test accuracy on all 10,000 test images in onnxruntime, latency
 * on their own target when it is measured); then each exported model is also timed on the other
 * measured targets with the same harness (measureOnnxOnTarget), after every export. Measured
 * targets are ort-cpu:N with hwnas's shipped profiles; analytic targets (rpi4, phone-big,
 * gpu-small) cannot be measured here and show their estimates, marked "est.".
 *
 * The table (bench/specialiseTable.ts): a row per config (the one searched for target T), a
 * column per target with its latency there, the diagonal in bold; below it, per target, which
 * configs fit its budget, which of those is the most accurate, and which is fastest measured.
 */
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import type { ScoredConfig } from '../evolution/types.js';
import type { TargetKind } from '../latency/target.js';
import { resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { buildFolderAtomic } from '../util/atomicWrite.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { computedBudgets, demoRuns } from '../pipeline/demo.js';
import { runSearches } from '../pipeline/search.js';
import { runVerify } from '../pipeline/verify.js';
import { bitsSummary } from '../pipeline/demoReport.js';
import { formatLatency } from '../pipeline/latencyArg.js';
import { chosenConfig } from '../pipeline/searchResultFile.js';
import { checkShipped, kShipped, shippedPath } from '../pipeline/shippedModels.js';
import { parseProfileArgs } from '../pipeline/profileArgs.js';
import { hasCheckpointMagic, readCheckpointMeta } from '../supernet/train/checkpoint.js';
import type { VerifyRow } from '../pipeline/verifyConfigs.js';
import { measureOnnxOnTarget, timingInput, type LatencyCheck } from '../pipeline/verifyLatency.js';
import { describeMachine, latencyCell } from '../pipeline/verifyReport.js';
import {
  kSearchBenchFlags, kSearchBenchUsage, parseFractions, runBench, searchBenchSettings, startSearchBench, writeBenchJson,
} from './searchBench.js';
import { ownBest, specialiseMarkdown, specialiseTargets, type SpecialiseRow } from './specialiseTable.js';
import { kTransformerBenchShipped, kTransformerSpecialiseTargets, transformerSpecialiseMain } from './specialiseTransformer.js';

const kDefaultTargets = 'ort-cpu:1,ort-cpu:2,rpi4,phone-big,gpu-small';

const kFlags = {
  ...kSearchBenchFlags,
  targets: { type: 'string' },
  fraction: { type: 'string', default: '0.6' },
  profile: { type: 'string', multiple: true },
} as const;

const kUsage = [
  'npm run bench:specialise -- [flags]',
  `--targets T,T,...   targets: ort-cpu:N (measured, shipped profiles) and analytic devices (default ${kDefaultTargets}; ` +
    `with a SuperTransformer --checkpoint measured ort-cpu and tfjs targets only, default ${kTransformerSpecialiseTargets})`,
  "--fraction F        each target's budget as a fraction of the largest fp32 subnet's predicted latency there (default 0.6)",
  '--profile T=FILE    the latency profile of measured target T instead of the shipped one (a transformer profile for a SuperTransformer); repeat for several',
  ...kSearchBenchUsage,
  `--checkpoint <SuperTransformer> (e.g. ${kShipped.transformer.supernet.file}): the bench on its SubTransformers - ort-cpu targets, ` +
    `their transformer profiles (shipped: ${Object.values(kShipped.transformer.profiles).map((p) => p.file).join(', ')}), ` +
    `--predictor default ${kTransformerBenchShipped.predictor.file}; --quant and --workers do not apply`,
].join('\n  ');

interface TargetColumn {
  target: string;
  kind: TargetKind;
  unit: string;
  /** Predicted latency of the largest fp32 subnet there. */
  largest: number;
  budget: number;
}

/** One config: the one searched for `searchedFor`, with its latency on every target. */
interface MatrixRow {
  searchedFor: string;
  best: ScoredConfig;
  verified: VerifyRow;
  /** Per measured target spec: the measurement of the exported model there. */
  measured: Record<string, LatencyCheck>;
}

/**
 * The targets, checked: measured ones must be ort-cpu with a profile - given (`given`, by spec
 * as given) or shipped - returned by spec; no proxies.
 */
function targetProfiles(targets: readonly ResolvedTarget[], given: Record<string, string>): Record<string, string> {
  const profiles: Record<string, string> = {};
  for (const t of targets) {
    const { name, given: target } = t;
    if (t.kind === 'proxy') throw new Error(`--targets ${target} is a proxy in ${t.unit}, not a device: give measured (ort-cpu:N) or analytic (rpi4, phone-big, gpu-small) targets`);
    if (t.kind !== 'measured') continue;
    if (name !== 'ort-cpu') throw new Error(`--targets ${target}: measured targets are timed by running the exported ONNX file in onnxruntime: give ort-cpu:N`);
    if (given[target] !== undefined) {
      profiles[target] = given[target];
      continue;
    }
    const shipped = kShipped.profiles[t.spec];
    if (shipped === undefined) {
      throw new Error(`--targets ${target}: hwnas ships latency profiles for ${Object.keys(kShipped.profiles).join(' and ')} only: use one of those, or give one of your own with --profile ${target}=FILE`);
    }
    checkShipped([shipped]);
    profiles[target] = shippedPath(shipped);
  }
  return profiles;
}

/** The rows as the shared table shows them. */
function tableRows(space: SearchSpace, rows: readonly MatrixRow[]): SpecialiseRow[] {
  return rows.map((r) => ({
    searchedFor: r.searchedFor, key: configKey(space, r.best.config), predictedAccuracy: r.best.accuracy, testAccuracy: r.verified.testAccuracy,
    predicted: r.best.latencies,
    measured: Object.fromEntries(Object.entries(r.measured).map(([t, c]) => {
      const m = c.measurement;
      return [t, { text: latencyCell(c), ms: m === null || m.flagged ? null : m.medianMs, ...(m?.flagged ? { note: `FLAGGED as too noisy (${m.reason})` } : {}) }];
    })),
    extra: [`${(r.verified.model.macs / 1e6).toFixed(2)}M`, bitsSummary(space, r.best.config)],
  }));
}

const kTableNote = 'Measured cells: median (IQR) with the harness, batch 1, and the prediction; "est.": an analytic estimate, not measurable here.';

/** Whether `path` is a SuperTransformer checkpoint (false for anything else; a missing file is left to inputFile to name). */
function isSuperTransformer(path: string | undefined): boolean {
  return path !== undefined && existsSync(path) && hasCheckpointMagic(path) && readCheckpointMeta<{ kind?: string }>(path).kind === 'hwnas-supertransformer';
}

async function main(args: ReturnType<typeof parseArgs<{ options: typeof kFlags }>>['values']): Promise<void> {
  const t0 = Date.now();
  const transformer = isSuperTransformer(args.checkpoint);
  const s = searchBenchSettings(args, 'runs/bench-specialise', transformer ? kTransformerBenchShipped : undefined);
  const targets = specialiseTargets(args.targets ?? (transformer ? kTransformerSpecialiseTargets : kDefaultTargets));
  const fractions = parseFractions('fraction', args.fraction);
  if (fractions.length !== 1) throw new Error(`--fraction takes one fraction (got '${args.fraction}')`);
  if (transformer) return transformerSpecialiseMain(s, targets, fractions[0], args.profile ?? []);
  const resolved = targets.map((t) => resolveTarget(t));
  const profiles = targetProfiles(resolved, parseProfileArgs(args.profile ?? [], resolved, 'the --targets values'));
  const ctx = await startSearchBench(s);
  try {
    const space = ctx.loaded.net.space;
    const bases = await computedBudgets(space, resolved, profiles, fractions);
    const runs = demoRuns(targets, [], bases);
    const columns: TargetColumn[] = runs.map((r, k) => ({ target: r.target, kind: r.resolved.kind, unit: r.unit, largest: bases[k].largest as number, budget: r.max as number }));
    console.error(`budgets: ${columns.map((c) => `${c.target} <= ${formatLatency(c.budget, c.unit)}`).join(', ')}`);
    const measuredTargets = runs.filter((r) => r.resolved.kind === 'measured').map((r) => r.resolved);
    const done = await buildFolderAtomic(s.out, async (dir) => {
      const outcomes = await runSearches({
        space, runs, predictor: s.predictor, quant: s.quant, pareto: false, options: s.search, workers: s.workers,
        checkpoint: s.checkpoint, profiles, out: join(dir, 'search'),
      });
      const chosen = outcomes.map((o, k) => chosenConfig(join(s.out, 'search', runs[k].file), o));
      mkdirSync(join(dir, 'verify'));
      const verified = await runVerify(chosen, ctx.loaded, s.checkpoint, ctx.data, join(dir, 'verify'), undefined, profiles);
      const input = timingInput(space, ctx.data.test);
      const rows: MatrixRow[] = [];
      for (const [k, row] of verified.rows.entries()) {
        const measured: Record<string, LatencyCheck> = {};
        for (const t of measuredTargets) {
          const target = t.given;
          measured[target] = target === row.target ? row.latency : await measureOnnxOnTarget(join(dir, 'verify', row.model.file), t, input);
          const m = measured[target].measurement;
          if (target !== row.target && m !== null) console.error(`${row.target}'s config on ${target}: ${m.medianMs.toPrecision(3)} ms (median)${m.flagged ? ', FLAGGED as too noisy' : ''}`);
        }
        rows.push({ searchedFor: runs[k].target, best: chosen[k].best, verified: row, measured });
      }
      const report = {
        format: 'hwnas-bench-specialise', version: 1, createdAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000,
        machine: verified.provenance.machine,
        settings: {
          checkpoint: s.checkpoint, predictor: s.predictor, quant: s.quant, fraction: fractions[0], profiles,
          population: s.population, generations: s.search.generations, seed: s.search.seed, workers: s.workers,
        },
        targets: columns,
        rows: rows.map((r) => ({ searchedFor: r.searchedFor, ...r.best, testAccuracy: r.verified.testAccuracy, model: r.verified.model, measured: r.measured })),
        ownBest: ownBest(tableRows(space, rows), columns),
      };
      writeBenchJson(join(dir, 'specialise.json'), report);
      return { report, rows, machine: verified.provenance.machine };
    });
    if (s.json !== null) writeBenchJson(s.json, done.report);
    console.log(`Specialisation (${describeMachine(done.machine)}); budgets at ${Math.round(100 * fractions[0])}% of the largest subnet's predicted latency per target; ` +
      `${s.quant} genome, population ${s.population}, ${s.search.generations} generations, seed ${s.search.seed}; predictor ${s.predictor}.`);
    console.log('');
    console.log(specialiseMarkdown(tableRows(space, done.rows), columns, ['MACs', 'bits'], kTableNote));
    console.error(`wrote ${s.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    ctx.loaded.net.dispose();
  }
}

await runBench('bench:specialise', kFlags, kUsage, main);
