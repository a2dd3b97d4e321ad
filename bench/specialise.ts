/**
 * Specialisation: does each device get a config of its own, and is it the best one there?
 *
 *   npm run bench:specialise -- [--targets ort-cpu:1,ort-cpu:2,rpi4,phone-big,gpu-small] [--fraction 0.6]
 *     [--population 100] [--generations 500] [--seed 0] [--checkpoint F] [--predictor F]
 *     [--quant mixed|fp32] [--workers 2] [--out runs/bench-specialise] [--force] [--json FILE]
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
 * The table: a row per config (the one searched for target T), a column per target with its
 * latency there, the diagonal in bold; below it, per target, which configs fit its budget and
 * which of those is the most accurate.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
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
import { markdownTable } from '../pipeline/table.js';
import { measureOnnxOnTarget, timingInput, type LatencyCheck, type VerifyRow } from '../pipeline/verifyConfigs.js';
import { describeMachine, latencyCell } from '../pipeline/verifyReport.js';
import {
  kSearchBenchFlags, kSearchBenchUsage, parseFractions, pct, runBench, searchBenchSettings, startSearchBench, writeBenchJson,
} from './searchBench.js';

const kDefaultTargets = 'ort-cpu:1,ort-cpu:2,rpi4,phone-big,gpu-small';

const kFlags = {
  ...kSearchBenchFlags,
  targets: { type: 'string', default: kDefaultTargets },
  fraction: { type: 'string', default: '0.6' },
} as const;

const kUsage = [
  'npm run bench:specialise -- [flags]',
  `--targets T,T,...   targets: ort-cpu:N (measured, shipped profiles) and analytic devices (default ${kDefaultTargets})`,
  "--fraction F        each target's budget as a fraction of the largest fp32 subnet's predicted latency there (default 0.6)",
  ...kSearchBenchUsage,
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

/** The targets, checked: measured ones must be ort-cpu with a shipped profile (returned by spec), no proxies. */
function targetProfiles(targets: readonly ResolvedTarget[]): Record<string, string> {
  const given = targets.map((t) => t.given);
  if (new Set(given).size !== given.length) throw new Error(`--targets names a target twice (got '${given.join(',')}')`);
  const profiles: Record<string, string> = {};
  for (const t of targets) {
    const { name, given: target } = t;
    if (t.kind === 'proxy') throw new Error(`--targets ${target} is a proxy in ${t.unit}, not a device: give measured (ort-cpu:N) or analytic (rpi4, phone-big, gpu-small) targets`);
    if (t.kind !== 'measured') continue;
    const shipped = kShipped.profiles[t.spec];
    if (name !== 'ort-cpu' || shipped === undefined) {
      throw new Error(`--targets ${target}: measured targets are timed by running the exported ONNX file with hwnas's shipped profiles, which exist for ${Object.keys(kShipped.profiles).join(' and ')} only`);
    }
    checkShipped([shipped]);
    profiles[target] = shippedPath(shipped);
  }
  return profiles;
}

/** The latency cell of `row` on `col`: measured (with the prediction) or "est.", bold on the diagonal, marked over budget. */
function cell(row: MatrixRow, col: TargetColumn): string {
  const predicted = row.best.latencies[col.target];
  const check = row.measured[col.target];
  let text = check === undefined ? `est. ${formatLatency(predicted, col.unit)}` : `${latencyCell(check)}; pred ${formatLatency(predicted, col.unit)}`;
  if (predicted > col.budget) text += ', over budget';
  return row.searchedFor === col.target ? `**${text}**` : text;
}

/** Per target: the configs within its budget (predicted) and the most accurate of them. */
function ownBest(rows: readonly MatrixRow[], columns: readonly TargetColumn[]): Array<{ target: string; within: string[]; bestPredicted: string | null; bestTest: string | null }> {
  return columns.map((col) => {
    const within = rows.filter((r) => r.best.latencies[col.target] <= col.budget);
    const top = (key: (r: MatrixRow) => number): string | null => (within.length === 0 ? null : within.reduce((a, b) => (key(b) > key(a) ? b : a)).searchedFor);
    return { target: col.target, within: within.map((r) => r.searchedFor), bestPredicted: top((r) => r.best.accuracy), bestTest: top((r) => r.verified.testAccuracy) };
  });
}

function matrixMarkdown(space: SearchSpace, rows: readonly MatrixRow[], columns: readonly TargetColumn[]): string {
  const header = [
    'config searched for', ...columns.map((c) => `${c.target} (budget ${formatLatency(c.budget, c.unit)})`),
    'predicted acc (val)', 'test acc (ONNX)', 'MACs', 'bits',
  ];
  const body = rows.map((r) => [
    r.searchedFor, ...columns.map((c) => cell(r, c)), pct(r.best.accuracy), pct(r.verified.testAccuracy),
    `${(r.verified.model.macs / 1e6).toFixed(2)}M`, bitsSummary(space, r.best.config),
  ]);
  const distinct = new Set(rows.map((r) => configKey(space, r.best.config))).size;
  const summary = ownBest(rows, columns).map((b) => {
    const own = (who: string | null): string => (who === null ? 'none' : `${who}'s${who === b.target ? ' (its own)' : ''}`);
    return `- ${b.target}: ${b.within.length} of ${rows.length} configs fit its budget (predicted: ${b.within.join(', ') || 'none'}); ` +
      `most accurate of them: ${own(b.bestPredicted)} by predicted val accuracy, ${own(b.bestTest)} by test accuracy`;
  });
  const flagged = rows.flatMap((r) => Object.entries(r.measured).filter(([, c]) => c.measurement?.flagged).map(([t, c]) => `- ${r.searchedFor}'s config on ${t}: FLAGGED as too noisy (${c.measurement?.reason})`));
  return [
    markdownTable(header, body),
    '',
    `Measured cells: median (IQR) with the harness, batch 1, and the prediction; "est.": an analytic estimate, not measurable here. ${distinct} distinct configs of ${rows.length}.`,
    '',
    ...summary,
    ...flagged,
  ].join('\n');
}

async function main(args: ReturnType<typeof parseArgs<{ options: typeof kFlags }>>['values']): Promise<void> {
  const t0 = Date.now();
  const s = searchBenchSettings(args, 'runs/bench-specialise');
  const targets = args.targets.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (targets.length === 0) throw new Error(`--targets must name at least one target (got '${args.targets}')`);
  const resolved = targets.map((t) => resolveTarget(t));
  const profiles = targetProfiles(resolved);
  const fractions = parseFractions('fraction', args.fraction);
  if (fractions.length !== 1) throw new Error(`--fraction takes one fraction (got '${args.fraction}')`);
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
      const verified = await runVerify(chosen, ctx.loaded, s.checkpoint, ctx.data, join(dir, 'verify'));
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
        ownBest: ownBest(rows, columns),
      };
      writeBenchJson(join(dir, 'specialise.json'), report);
      return { report, rows, machine: verified.provenance.machine };
    });
    if (s.json !== null) writeBenchJson(s.json, done.report);
    console.log(`Specialisation (${describeMachine(done.machine)}); budgets at ${Math.round(100 * fractions[0])}% of the largest subnet's predicted latency per target; ` +
      `${s.quant} genome, population ${s.population}, ${s.search.generations} generations, seed ${s.search.seed}; predictor ${s.predictor}.`);
    console.log('');
    console.log(matrixMarkdown(space, done.rows, columns));
    console.error(`wrote ${s.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    ctx.loaded.net.dispose();
  }
}

await runBench('bench:specialise', kFlags, kUsage, main);
