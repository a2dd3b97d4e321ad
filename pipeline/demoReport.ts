/**
 * The report of `hwnas demo` (report.md in its output folder): what ran - the shipped artifacts,
 * the budgets, the search settings and the machine - and per target and budget the chosen
 * config, predicted vs measured accuracy and latency, with links to the Pareto plots, the
 * results files and the exported models; then the sections it is given: the trained models
 * offered per budget (pipeline/trainedModels.ts) and the baselines (pipeline/baselines.ts).
 */
import type { ResolvedTarget } from '../latency/targets.js';
import { blockSlots, isActiveSlot } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { formatLatency } from './latencyArg.js';
import { runTargets, targetSlug, type SearchRun } from './searchOutput.js';
import type { VerifyRow } from './verifyConfigs.js';
import { kKnownPerBudget } from './rerank.js';
import { kSteadyDrift } from './verifyLatency.js';
import { describeMachine, verifyMarkdownTable, type VerifyProvenance } from './verifyReport.js';

/** How a target's budgets were set. */
export interface BudgetBasis {
  target: string;
  unit: string;
  /** Predicted latency of the largest subnet; undefined when the budgets were given. */
  largest?: number;
  fractions?: readonly number[];
  /** Budgets at the predicted latency of standard models of the space (e.g. ResNet-8), in place of fractions. */
  references?: readonly { name: string; latency: number }[];
}

export interface DemoReport {
  space: SearchSpace;
  /** Shipped artifacts as shown (paths relative to the package root). */
  supernet: string;
  supernetSteps: string;
  predictor: string;
  predictorKind: string;
  /** Latency profile file per measured target spec. */
  profiles: Record<string, string>;
  /** `rerank`: finalists measured on val per search (0 = chosen by the predictor alone). */
  search: { population: number; generations: number; seed: number; rerank: number; seconds: number; known?: string };
  budgets: BudgetBasis[];
  runs: readonly SearchRun[];
  rows: readonly VerifyRow[];
  verify: VerifyProvenance;
  /** The baselines' section (pipeline/baselines.ts `baselinesMarkdown`), shown beside the results. */
  baselines?: string[];
  /** The trained models' section (pipeline/trainedModels.ts `trainedMarkdown`), shown before the baselines. */
  trained?: string[];
  seconds: number;
  createdAt: Date;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** 'fp32', or the count of each weight/activation bit pair over the running blocks. */
export function bitsSummary(space: SearchSpace, config: SubnetConfig): string {
  if (config.wBits === undefined || config.aBits === undefined) return 'fp32';
  const counts = new Map<string, number>();
  for (const { slot } of blockSlots(space)) {
    if (!isActiveSlot(space, config, slot)) continue;
    const pair = `w${config.wBits[slot]}/a${config.aBits[slot]}`;
    counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  const blocks = [...counts].sort((a, b) => b[1] - a[1]).map(([pair, n]) => `${pair} x${n}`).join(', ');
  const { stemBits: s, classifierBits: c } = space.quant;
  return `blocks ${blocks}; stem w${s.w}/a${s.a}, classifier w${c.w}/a${c.a}`;
}

function latencySource(t: ResolvedTarget, profiles: Record<string, string>): string {
  return t.kind === 'measured' ? `predicted from the latency profile ${profiles[t.given]}; ${t.description}` : t.description;
}

/** How a target's budgets were set, as a list item. */
export function budgetLine(b: BudgetBasis): string {
  if (b.references !== undefined) {
    return `- ${b.target}: budgets at the standard models' predicted latency: ${b.references.map((r) => `${r.name} ${formatLatency(r.latency, b.unit)}`).join(', ')}`;
  }
  if (b.largest === undefined || b.fractions === undefined) return `- ${b.target}: budgets given on the command line`;
  const parts = b.fractions.map((f) => `${Math.round(100 * f)}% = ${formatLatency(f * b.largest!, b.unit)}`);
  return `- ${b.target}: the largest subnet's predicted latency is ${formatLatency(b.largest, b.unit)}; budgets ${parts.join(', ')}`;
}

function configSection(r: DemoReport, k: number): string[] {
  const row = r.rows[k];
  const run = r.runs[k];
  const m = row.latency.measurement;
  const measured = m === null ? 'estimate only; not measurable on this machine' : `${formatLatency(m.medianMs, 'ms')} median (IQR ${formatLatency(m.iqrMs, 'ms')})${m.flagged ? `, FLAGGED as too noisy: ${m.reason}` : ''}`;
  return [
    `### ${row.target} <= ${formatLatency(row.budget, row.unit)}`,
    '',
    `- config: MACs ${(row.model.macs / 1e6).toFixed(2)}M, params ${(row.model.params / 1e3).toFixed(1)}K, bits: ${bitsSummary(r.space, row.config)}`,
    `- accuracy: predicted ${pct(row.predicted.accuracy)} (val)${row.searchVal === null ? '' : `, measured ${pct(row.searchVal.accuracy)} on val by the search`}, ` +
      `${pct(row.testAccuracy)} on test (exported ONNX in onnxruntime)`,
    `- latency: predicted ${formatLatency(row.predicted.latency, row.unit)}, measured ${measured}` +
      (row.latency.atProfileSpeed == null ? '' : `; ${formatLatency(row.latency.atProfileSpeed.medianMs, 'ms')} at the profile's speed (the machine ran its profile's references at ${row.latency.atProfileSpeed.ratio.toFixed(2)}x their profiled time)`),
    `- files: [${run.file}](search/${run.file}), [${row.model.file}](verify/${row.model.file}) (${row.model.format}, ${(row.model.bytes / 1024).toFixed(1)} KB), ` +
      `[Pareto plot](search/pareto-${targetSlug(row.target)}.svg)`,
    '',
    '```json',
    JSON.stringify(row.config),
    '```',
    '',
  ];
}

/** The report's title, when and how long it ran, and the heading of its first section, 'What ran'. */
export function reportHeading(createdAt: Date, seconds: number): string[] {
  return ['# hwnas demo', '', `Searched, exported and verified on ${createdAt.toISOString()} in ${seconds.toFixed(0)} s.`, '', '## What ran', ''];
}

/** report.md */
export function demoMarkdown(r: DemoReport): string {
  const targets = [...new Set(r.runs.map((run) => run.target))];
  return [
    ...reportHeading(r.createdAt, r.seconds),
    `- supernet: ${r.supernet} (space ${r.space.name}, ${r.supernetSteps} training steps)`,
    `- accuracy predictor: ${r.predictor} (${r.predictorKind})`,
    ...runTargets(r.runs).map((t) => `- latency on ${t.given}: ${latencySource(t, r.profiles)}`),
    `- search: evolutionary, population ${r.search.population}, ${r.search.generations} generations, seed ${r.search.seed} per target and budget` +
      (r.search.rerank > 0 ? `; the ${r.search.rerank} most accurate predicted finalists of each measured on val` +
        (r.search.known === undefined ? '' : `, with the ${kKnownPerBudget} most accurate configs of ${r.search.known} (measured before) within the budget`) + ', the best measured chosen' : '') +
      ` (${r.search.seconds.toFixed(1)} s in all)`,
    `- machine: ${describeMachine(r.verify.machine)}`,
    '- budgets:',
    ...r.budgets.map((b) => `  ${budgetLine(b)}`),
    '',
    '## Searched configs with the supernet\'s weights: predicted vs measured',
    '',
    'Predicted accuracy is the predictor\'s, on val' +
      (r.search.rerank > 0 ? `; measured val is what the search measured for its chosen config (the finalists${r.search.known === undefined ? '' : ' and known configs'} re-ranked on val)` : '') +
      `; test accuracy is the exported model's on all ${(r.rows[0]?.testImages ?? 0).toLocaleString('en-US')} test images after BatchNorm recalibration on 2,000 training images. ` +
      "Each target's models are timed between two re-timings of its profile's reference subnets; the error at the profile's speed compares the prediction with the " +
      `measured median divided by how much slower or faster than when profiled the machine ran them (none for a measurement flagged as too noisy, or when that speed moved by more than ${100 * kSteadyDrift}% in between).`,
    '',
    verifyMarkdownTable(r.rows, 'verify', r.verify.machine.cores),
    '',
    ...(r.trained ?? []),
    ...(r.baselines ?? []),
    '## Chosen configs',
    '',
    ...r.rows.flatMap((_, k) => configSection(r, k)),
    ...paretoSection(targets),
  ].join('\n');
}

/** The report's last section: the Pareto plot (predicted) of each target, written by writePlots into search/. */
export function paretoSection(targets: readonly string[]): string[] {
  return ['## Pareto plots (predicted)', '', ...targets.flatMap((t) => [`![${t}](search/pareto-${targetSlug(t)}.svg)`, ''])];
}
