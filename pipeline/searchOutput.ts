/**
 * What `hwnas search` writes and prints: one results JSON per search run, one Pareto plot
 * (SVG) per target, and a table of the chosen configs or of the fronts.
 */
import type { Rerank } from './rerank.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { ParetoResult, ScoredConfig, SearchResult } from '../evolution/types.js';
import type { ResolvedTarget } from '../latency/targets.js';
import type { SearchSpace } from '../space/types.js';
import { formatLatency } from './latencyArg.js';
import { paretoPlotSvg, type PlotPoint, type PlotSeries } from './paretoPlot.js';
import { formatTable } from './table.js';

/** One search of the command: a target and, in budget mode, its budget. */
export interface SearchRun {
  /** Target spec as given (results files and profile maps are keyed by it). */
  target: string;
  /** `target` parsed once, when the run was planned. */
  resolved: ResolvedTarget;
  unit: string;
  /** 'measured', 'estimate' or 'proxy'. */
  kind: string;
  /** The budget in the target's unit; undefined for an unconstrained Pareto search. */
  max?: number;
  /** Results file name inside the output folder. */
  file: string;
}

/** The distinct targets of `runs`, in order of first use. */
export function runTargets(runs: readonly SearchRun[]): ResolvedTarget[] {
  return [...new Map(runs.map((r) => [r.target, r.resolved])).values()];
}

/** The provenance written next to every result, so that `hwnas verify` can rebuild the subnets. */
export interface SearchProvenance {
  space: SearchSpace;
  checkpoint: string | null;
  predictor: string;
  quant: 'fp32' | 'mixed';
  options: Record<string, unknown>;
  seconds: number;
  /** Budget mode with re-ranking: the finalists measured on val; `best` is the chosen one. */
  rerank?: Rerank;
  /** The latency profile file of each measured target of the fitness (absolute paths). */
  profiles?: Record<string, string>;
  /**
   * Budget mode with --finetune-epochs: the chosen config fine-tuned on its own (`checkpoint`
   * is then the fine-tuned one), from the supernet `from`; accuracies inherited and after.
   */
  finetune?: {
    epochs: number;
    from: string;
    inherited: { valAccuracy: number; testAccuracy: number };
    finetuned: { valAccuracy: number; testAccuracy: number };
  };
}

export type SearchOutcome = (SearchResult | ParetoResult) & SearchProvenance;

export const kSearchFormat = 'hwnas-search-result';

/**
 * The completion marker of a search's output folder, written last: the results files it lists
 * were all written by one search that finished. Readers (searchResultFile.ts) refuse a results
 * file that no marker beside it lists.
 */
export const kSearchMarker = 'search-complete.json';
export const kSearchMarkerFormat = 'hwnas-search-complete';

/** Writes the completion marker of `dir`, listing the results files of `runs`. */
export function writeSearchMarker(dir: string, runs: readonly SearchRun[]): string {
  const path = join(dir, kSearchMarker);
  writeFileAtomic(path, `${JSON.stringify({ format: kSearchMarkerFormat, version: 1, files: runs.map((r) => r.file) }, null, 2)}\n`);
  return path;
}

/** A file-name-safe form of a target spec: 'ort-cpu:1' -> 'ort-cpu-1'. */
export function targetSlug(target: string): string {
  return target.replace(/[^a-z0-9-]+/gi, '-');
}

export function writeResult(dir: string, run: SearchRun, outcome: SearchOutcome): string {
  const path = join(dir, run.file);
  writeFileAtomic(path, `${JSON.stringify({ format: kSearchFormat, version: 1, ...outcome }, null, 2)}\n`);
  return path;
}

function kindNote(kind: string): string {
  return kind === 'estimate' ? ', analytic estimate' : kind === 'proxy' ? ', a proxy' : '';
}

/** What a plot shows of a search result, a CNN or a transformer one: its front and, in budget mode, its chosen point. */
export type PlottedResult = { mode: 'pareto'; front: PlotPoint[] } | { mode: 'budget'; front: PlotPoint[]; best: PlotPoint };

/** One SVG per target with every run on it; returns the paths written. */
export function writePlots(dir: string, runs: readonly SearchRun[], outcomes: readonly PlottedResult[]): string[] {
  const paths: string[] = [];
  const targets = [...new Set(runs.map((r) => r.target))];
  for (const target of targets) {
    const mine = runs.map((run, k) => ({ run, outcome: outcomes[k] })).filter(({ run }) => run.target === target);
    const { run } = mine[0];
    const series: PlotSeries[] = mine.map(({ run: r, outcome }) => ({
      name: r.max === undefined ? `${target} front` : `${target} <= ${formatLatency(r.max, r.unit)}`,
      front: outcome.front,
      best: outcome.mode === 'budget' ? outcome.best : undefined,
      budget: r.max,
    }));
    const svg = paretoPlotSvg({
      title: `Predicted accuracy vs latency on ${target}`,
      xLabel: `predicted latency on ${target} (${run.unit}${kindNote(run.kind)})`,
      series,
    });
    const path = join(dir, `pareto-${targetSlug(target)}.svg`);
    writeFileAtomic(path, svg);
    paths.push(path);
  }
  return paths;
}

function pct(accuracy: number): string {
  return `${(accuracy * 100).toFixed(2)}%`;
}

function num(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : '-';
}

function latencyColumns(outcome: SearchOutcome): string[] {
  return Object.entries(outcome.units).map(([target, unit]) => `${target} (${unit})`);
}

function latencyCells(outcome: SearchOutcome, p: ScoredConfig): string[] {
  return Object.keys(outcome.units).map((target) => num(p.latencies[target]));
}

/** Every `step`-th point of a front and its last (most accurate) point, at most `max` rows. */
function thin(front: readonly ScoredConfig[], max: number): ScoredConfig[] {
  if (front.length <= max) return [...front];
  const step = (front.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => front[Math.round(k * step)]);
}

/** The printed summary: chosen configs (budget mode) or thinned fronts (Pareto mode). */
export function searchTable(runs: readonly SearchRun[], outcomes: readonly SearchOutcome[]): string {
  const first = outcomes[0];
  // Re-ranked searches add the chosen finalist's measured val accuracy.
  const measured = outcomes.some((o) => o.rerank !== undefined);
  const header = ['target', 'budget', 'accuracy', ...(measured ? ['val (measured)'] : []), ...latencyColumns(first), 'scored', 'seconds'];
  const rows: string[][] = [];
  runs.forEach((run, k) => {
    const o = outcomes[k];
    const budget = run.max === undefined ? 'none' : formatLatency(run.max, run.unit);
    const points = o.mode === 'budget' ? [o.best] : thin(o.front, 10);
    const known = o.rerank?.candidates.filter((c) => c.knownAccuracy !== undefined).length ?? 0;
    const chosen = o.rerank?.candidates[o.rerank.chosen];
    const val = o.rerank === undefined || chosen === undefined ? '-'
      : `${pct(chosen.valAccuracy)} (best of ${o.rerank.candidates.length}${known > 0 ? `, ${known} known${chosen.knownAccuracy !== undefined ? ', a known one' : ''}` : ''})`;
    points.forEach((p, i) => {
      const tail = i === 0 ? [String(o.scored), o.seconds.toFixed(1)] : ['', ''];
      rows.push([i === 0 ? run.target : '', i === 0 ? budget : '', pct(p.accuracy), ...(measured ? [i === 0 ? val : ''] : []), ...latencyCells(o, p), ...tail]);
    });
  });
  return formatTable(header, rows);
}
