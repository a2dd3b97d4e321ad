/**
 * The tables bench/searchQuality.ts prints (Markdown, ready for BENCHMARKS.md): per budget, each
 * method's chosen config with predicted vs measured accuracy and latency and whether the search
 * beat it; and the half-latency check in one line.
 */
import type { ScoredConfig } from '../evolution/types.js';
import type { Rerank } from '../pipeline/rerank.js';
import type { SearchSpace } from '../space/types.js';
import { bitsSummary } from '../pipeline/demoReport.js';
import { formatLatency } from '../pipeline/latencyArg.js';
import { markdownTable } from '../pipeline/table.js';
import { withinBudget, type VerifyRow } from '../pipeline/verifyConfigs.js';
import { latencyCell } from '../pipeline/verifyReport.js';
import type { HalfCheck } from './halfCheck.js';
import { pct } from './searchBench.js';

export type Method = 'searched' | 'random' | 'hand-made' | 'separate' | 'largest';

/** What one method chose under one budget. */
export interface Choice {
  method: Method;
  /** The budget as a fraction of the largest subnet's predicted latency; null for the largest itself. */
  fraction: number | null;
  /** Predicted-latency budget in ms (the largest: its own predicted latency). */
  budget: number;
  /** null: nothing the method scored met the budget. */
  best: ScoredConfig | null;
  /** Distinct configs the method scored to choose. */
  scored: number;
  note: string;
  /** The finalists measured on val, when the method re-ranked its choice. */
  rerank?: Rerank;
}

const kOrder: readonly Method[] = ['searched', 'random', 'hand-made', 'separate', 'largest'];

/** 'yes (+0.12 pp)': whether a >= b, with the difference in percentage points. */
function atLeast(a: number, b: number): string {
  const d = 100 * (a - b);
  return `${a >= b ? 'yes' : 'no'} (${d >= 0 ? '+' : ''}${d.toFixed(2)} pp)`;
}

function withinCell(row: VerifyRow): string {
  const w = withinBudget(row);
  return w === null ? 'unknown (flagged)' : w ? 'yes' : 'no';
}

/** The chosen finalist's measured val accuracy and how many were measured, or '-'. */
function valCell(r: Rerank | undefined): string {
  return r === undefined ? '-' : `${pct(r.candidates[r.chosen].valAccuracy)} (best of ${r.candidates.length})`;
}

/** The table of one budget: `entries` are its choices with their verified rows (the largest's included). */
export function qualityTable(space: SearchSpace, entries: ReadonlyArray<{ c: Choice; row: VerifyRow | null }>): string {
  const sorted = [...entries].sort((a, b) => kOrder.indexOf(a.c.method) - kOrder.indexOf(b.c.method));
  const searched = sorted.find((e) => e.c.method === 'searched');
  const header = [
    'method', 'configs scored', 'MACs', 'bits', 'predicted acc (val)', 'measured val (finalists)', 'test acc (ONNX)', 'predicted latency', 'measured median (IQR)',
    'measured within budget', 'searched >= it: predicted / test',
  ];
  const rows = sorted.map(({ c, row }) => {
    if (c.best === null || row === null) return [c.method, String(c.scored), 'none within the budget', '', '', '', '', '', '', '', ''];
    const versus = c.method === 'searched' || c.method === 'largest' || searched?.row == null
      ? '-'
      : `${atLeast(searched.row.predicted.accuracy, row.predicted.accuracy)} / ${atLeast(searched.row.testAccuracy, row.testAccuracy)}`;
    return [
      c.method === 'largest' ? 'largest (reference)' : c.method, String(c.scored), `${(row.model.macs / 1e6).toFixed(2)}M`, bitsSummary(space, row.config),
      pct(row.predicted.accuracy), valCell(c.rerank), pct(row.testAccuracy), formatLatency(row.predicted.latency, row.unit), latencyCell(row.latency),
      c.method === 'largest' ? '-' : withinCell(row), versus,
    ];
  });
  const notes = sorted.map(({ c }) => `- ${c.method}: ${c.note}`);
  const flagged = sorted.flatMap(({ c, row }) => {
    const m = row?.latency.measurement;
    return m?.flagged ? [`- ${c.method}: the latency measurement was FLAGGED as too noisy and is not used as a latency: ${m.reason}`] : [];
  });
  return [markdownTable(header, rows), '', ...notes, ...flagged].join('\n');
}

/** The half-latency check in one paragraph. */
export function halfCheckLine(h: HalfCheck): string {
  const what = 'a config at <= 1/2 of the largest subnet\'s measured latency loses <= 1 pp test accuracy';
  const followUp = h.followUp === null ? '' : ` Follow-up search at ${formatLatency(h.followUp.budget, 'ms')} predicted, because ${h.followUp.reason}.`;
  const row = h.row;
  const m = row?.latency.measurement;
  const detail = row === null || h.largestMs === null || m == null
    ? ''
    : ` Checked config (${h.model}): ${formatLatency(m.medianMs, 'ms')} measured vs the largest's ${formatLatency(h.largestMs, 'ms')}; ` +
      `test accuracy ${pct(row.testAccuracy)} vs ${pct(h.largestTest)}.`;
  return `**Half-latency check** (${what}): **${h.status.toUpperCase()}**: ${h.reason}.${followUp}${detail}`;
}
