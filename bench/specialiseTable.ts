/**
 * What bench:specialise shares for CNN supernets and SuperTransformers: the --targets list, and
 * the table - a row per
 * chosen config (the one searched for target T), a column per target with its latency there -
 * measured (with the prediction) or an estimate - the diagonal in bold; below it, per target,
 * which configs fit its budget, the most accurate of them, and the fastest measured there.
 */
import { formatLatency } from '../pipeline/latencyArg.js';
import { markdownTable } from '../pipeline/table.js';
import { pct } from './searchBench.js';

export interface SpecialiseColumn {
  target: string;
  unit: string;
  budget: number;
}

/** One config: the one searched for `searchedFor`, with its latency on every target. */
export interface SpecialiseRow {
  searchedFor: string;
  /** Identity of the config, to count distinct ones. */
  key: string;
  predictedAccuracy: number;
  testAccuracy: number;
  /** Predicted latency on each column's target. */
  predicted: Record<string, number>;
  /**
   * Per measured target: the cell's text, the median in the column's unit when it is usable
   * (null when it is not, e.g. flagged as too noisy), and a note for the list below the table.
   */
  measured: Record<string, { text: string; ms: number | null; note?: string }>;
  /** Cells after the accuracies (e.g. MACs, bits). */
  extra: string[];
}

/** Per target: the configs within its budget, and which of them is best there. */
export interface OwnBest {
  target: string;
  /** Within the budget by predicted latency, and the most accurate of those by predicted val and by test accuracy. */
  within: string[];
  bestPredicted: string | null;
  bestTest: string | null;
  /** Measured targets: within it by the usable measured medians, the most accurate of those (test), and the fastest measured. */
  withinMeasured?: string[];
  bestTestMeasured?: string | null;
  fastest?: string | null;
}

/** The --targets value: comma-separated target specs, at least one, none twice. */
export function specialiseTargets(text: string): string[] {
  const targets = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (targets.length === 0) throw new Error(`--targets must name at least one target (got '${text}')`);
  if (new Set(targets).size !== targets.length) throw new Error(`--targets names a target twice (got '${text}')`);
  return targets;
}

/** The latency cell of `row` on `col`: measured (with the prediction) or "est.", bold on the diagonal, marked over budget. */
function cell(row: SpecialiseRow, col: SpecialiseColumn): string {
  const predicted = row.predicted[col.target];
  const m = row.measured[col.target];
  let text = m === undefined ? `est. ${formatLatency(predicted, col.unit)}` : `${m.text}; pred ${formatLatency(predicted, col.unit)}`;
  if (predicted > col.budget) text += ', over budget';
  return row.searchedFor === col.target ? `**${text}**` : text;
}

const mostAccurate = (rows: readonly SpecialiseRow[], key: (r: SpecialiseRow) => number): string | null =>
  (rows.length === 0 ? null : rows.reduce((a, b) => (key(b) > key(a) ? b : a)).searchedFor);

/** Per target: the configs within its budget and the best of them (see OwnBest). */
export function ownBest(rows: readonly SpecialiseRow[], columns: readonly SpecialiseColumn[]): OwnBest[] {
  return columns.map((col) => {
    const within = rows.filter((r) => r.predicted[col.target] <= col.budget);
    const best: OwnBest = {
      target: col.target, within: within.map((r) => r.searchedFor),
      bestPredicted: mostAccurate(within, (r) => r.predictedAccuracy), bestTest: mostAccurate(within, (r) => r.testAccuracy),
    };
    if (!rows.some((r) => r.measured[col.target] !== undefined)) return best;
    const ms = (r: SpecialiseRow): number | null => r.measured[col.target]?.ms ?? null;
    const timed = rows.filter((r) => ms(r) !== null);
    const withinMeasured = timed.filter((r) => (ms(r) as number) <= col.budget);
    const fastest = timed.length === 0 ? null : timed.reduce((a, b) => ((ms(b) as number) < (ms(a) as number) ? b : a)).searchedFor;
    return { ...best, withinMeasured: withinMeasured.map((r) => r.searchedFor), bestTestMeasured: mostAccurate(withinMeasured, (r) => r.testAccuracy), fastest };
  });
}

/** The table, a line on it (`note`, then the count of distinct configs), the per-target summary and the rows' notes. */
export function specialiseMarkdown(rows: readonly SpecialiseRow[], columns: readonly SpecialiseColumn[], extraHeader: readonly string[], note: string): string {
  const header = ['config searched for', ...columns.map((c) => `${c.target} (budget ${formatLatency(c.budget, c.unit)})`), 'predicted acc (val)', 'test acc (ONNX)', ...extraHeader];
  const body = rows.map((r) => [r.searchedFor, ...columns.map((c) => cell(r, c)), pct(r.predictedAccuracy), pct(r.testAccuracy), ...r.extra]);
  const distinct = new Set(rows.map((r) => r.key)).size;
  const summary = ownBest(rows, columns).map((b) => {
    const own = (who: string | null | undefined): string => (who == null ? 'none' : `${who}'s${who === b.target ? ' (its own)' : ''}`);
    const measured = b.withinMeasured === undefined ? '' :
      `; measured within it: ${b.withinMeasured.join(', ') || 'none'}, the most accurate of those ${own(b.bestTestMeasured)} by test accuracy; fastest measured there: ${own(b.fastest)}`;
    return `- ${b.target}: ${b.within.length} of ${rows.length} configs fit its budget (predicted: ${b.within.join(', ') || 'none'}); ` +
      `most accurate of them: ${own(b.bestPredicted)} by predicted val accuracy, ${own(b.bestTest)} by test accuracy${measured}`;
  });
  const notes = rows.flatMap((r) => Object.entries(r.measured).flatMap(([t, m]) => (m.note === undefined ? [] : [`- ${r.searchedFor}'s config on ${t}: ${m.note}`])));
  return [markdownTable(header, body), '', `${note} ${distinct} distinct configs of ${rows.length}.`, '', ...summary, ...notes].join('\n');
}
