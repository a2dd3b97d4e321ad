/**
 * What `hwnas verify` prints and writes: per chosen config, predicted vs measured accuracy and
 * latency; notes for the rows without a usable measured latency (estimate-only targets, flagged
 * measurements); and verify.json / verify.md in the output folder.
 */
import { availableParallelism } from 'node:os';
import type { MachineInfo } from '../profiling/machine.js';
import { formatLatency } from './latencyArg.js';
import { formatTable, markdownTable } from './table.js';
import { latencyErrorAtProfileSpeed, latencyErrorPercent, withinBudget, type VerifyRow } from './verifyConfigs.js';
import { driftRatios, kSteadyDrift, steady, type LatencyCheck } from './verifyLatency.js';

export const kVerifyFormat = 'hwnas-verify';

/** Where the verified configs came from and where they were measured. */
export interface VerifyProvenance {
  checkpoint: string;
  /** Training steps of the checkpoint. */
  checkpointStep: number;
  machine: MachineInfo;
  seconds: number;
}

const kHeader = [
  'target', 'budget', 'predicted acc (val)', 'measured val (search)', 'test acc (ONNX)', 'predicted latency', 'measured median (IQR)', 'error %',
  "error % at the profile's speed", 'within budget',
];

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const ms = (x: number): string => String(Number(x.toPrecision(3)));

/** A measured latency as printed: median (IQR) in ms, FLAGGED when too noisy, 'estimate only' when nothing was measured. */
export function latencyCell(check: LatencyCheck): string {
  const m = check.measurement;
  if (m === null) return 'estimate only';
  const text = `${ms(m.medianMs)} ms (IQR ${ms(m.iqrMs)})`;
  return m.flagged ? `FLAGGED ${text}` : text;
}

function signedPercent(e: number | null): string {
  return e === null ? '-' : `${e >= 0 ? '+' : ''}${e.toFixed(1)}%`;
}

function withinCell(row: VerifyRow): string {
  const w = withinBudget(row);
  if (w === null) return row.latency.measurement === null ? 'n/a' : 'unknown';
  return w ? 'yes' : 'no';
}

function cells(row: VerifyRow): string[] {
  return [
    row.target, formatLatency(row.budget, row.unit), pct(row.predicted.accuracy), row.searchVal === null ? '-' : pct(row.searchVal.accuracy), pct(row.testAccuracy),
    formatLatency(row.predicted.latency, row.unit), latencyCell(row.latency), signedPercent(latencyErrorPercent(row)),
    signedPercent(latencyErrorAtProfileSpeed(row)), withinCell(row),
  ];
}

/** Drift beyond which the note says the machine does not run as profiled. */
const kDriftNote = 0.05;

/**
 * One line per measured target on how the machine ran against its profile, re-timed before and
 * after the target's rows; and where that moved too much for the rows to be put at the profile's speed.
 */
function driftNotes(rows: readonly VerifyRow[]): string[] {
  const seen = new Set<string>();
  return rows.flatMap((row) => {
    const { drift, driftAfter } = row.latency;
    if (drift === undefined || seen.has(row.target)) return [];
    seen.add(row.target);
    if (drift === null) return [`${row.target}: no latency profile of this search space at the default path to compare this machine with`];
    const q = drift.quantized;
    const timed = `${drift.references} fp32${q === undefined ? '' : ` and ${q.references} quantized`} reference subnets of ${drift.profile} re-timed each time`;
    const after = driftAfter == null ? '' : ` and ${driftRatios(driftAfter)} after`;
    const all = [drift, ...(driftAfter == null ? [] : [driftAfter])].flatMap((d) => [d.ratio, d.quantized?.ratio ?? null]);
    const off = all.some((r) => r !== null && Math.abs(r - 1) > kDriftNote);
    const moved = (a: number | null | undefined, b: number | null | undefined) => a != null && b != null && !steady(a, b);
    const unsteady = driftAfter != null && (moved(drift.ratio, driftAfter.ratio) || moved(q?.ratio, driftAfter.quantized?.ratio));
    const divided = rows.some((r) => r.target === row.target && r.latency.atProfileSpeed != null);
    return [
      `${row.target}: this machine ran the profile's subnets at ${driftRatios(drift)} their profiled latency before timing${after} (${timed})` +
        (off ? ': it was not running as when profiled, so measured and predicted latencies differ by that much before any model error' +
          (divided ? "; the error at the profile's speed divides it out" : '') : '') +
        (unsteady ? `; its speed moved by more than ${100 * kSteadyDrift}% between before and after, so no one factor puts its rows of that precision at the profile's speed` : ''),
    ];
  });
}

/**
 * One line per row whose latency is not a usable measurement, saying why, then the drift of each
 * measured target, then each target whose intra-op threads take every one of the machine's `cores`.
 */
export function verifyNotes(rows: readonly VerifyRow[], cores: number = availableParallelism()): string[] {
  return [...rowNotes(rows), ...driftNotes(rows), ...coreNotes(rows, cores)];
}

/**
 * A multi-threaded measurement on a machine with no core to spare shares every core with the rest
 * of the machine: measured on the 2-core machines of this project, two-thread sessions ran in
 * phases up to 2x apart, slowing graphs with more operators most (BENCHMARKS.md, issue 15).
 */
function coreNotes(rows: readonly VerifyRow[], cores: number): string[] {
  const seen = new Set<string>();
  return rows.flatMap((row) => {
    const threads = row.latency.measurement?.threads;
    if (threads == null || threads < 2 || threads < cores || seen.has(row.target)) return [];
    seen.add(row.target);
    const beside = row.target.startsWith('ort-cpu:')
      ? `, or beside a standard model in alternating rounds ('npm run bench:baselines -- --target ${row.target} --compare mine=OUT/${row.model.file}', OUT the verify folder)`
      : '';
    return [`${row.target}: its ${threads} intra-op threads take every core of this ${cores}-core machine, so its times move with whatever else runs on it ` +
      `(on 2-core machines, phases up to 2x apart that slow graphs with more operators most): time it where the model will be deployed${beside}`];
  });
}

function rowNotes(rows: readonly VerifyRow[]): string[] {
  return rows.flatMap((row) => {
    const m = row.latency.measurement;
    if (m === null) {
      const what = row.kind === 'proxy' ? `${row.target} is a proxy in ${row.unit}, not a time` : `${row.target} is an analytic estimate`;
      return [`${row.target}: estimate only; not measurable on this machine (${what})`];
    }
    return m.flagged ? [`${row.target}: the latency measurement was FLAGGED as too noisy and is not used as a latency: ${m.reason}`] : [];
  });
}

/** The printed table, with its notes. */
export function verifyTable(rows: readonly VerifyRow[]): string {
  const notes = verifyNotes(rows);
  return [formatTable(kHeader, rows.map(cells)), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** The Markdown table with a link to each exported model (`modelDir`: the models' folder relative to the document), then the notes. */
export function verifyMarkdownTable(rows: readonly VerifyRow[], modelDir = '.', cores: number = availableParallelism()): string {
  const link = (row: VerifyRow): string => `[${row.model.file}](${modelDir === '.' ? '' : `${modelDir}/`}${row.model.file})`;
  const notes = verifyNotes(rows, cores).map((n) => `- ${n}`);
  const runtimes = rows.filter((r) => r.latency.runtime !== null).map((r) => `- ${r.target}: ${r.latency.runtime}`);
  return [
    markdownTable([...kHeader, 'model'], rows.map((r) => [...cells(r), link(r)])),
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(runtimes.length > 0 ? ['', 'Measured with the hwnas measurement harness (median of the timed runs, after warm-up):', ...runtimes] : []),
  ].join('\n');
}

/** The machine in one line: the CPU with its kernel-relevant flags (profiling/machine.ts), cores, platform, Node, runtime. */
export function describeMachine(m: MachineInfo): string {
  const flags = m.cpuFlags === undefined ? 'cpu flags unknown' : `cpu flags ${m.cpuFlags.length > 0 ? m.cpuFlags.join(' ') : '(none listed)'}`;
  return `${m.cpuModel} (${flags}), ${m.cores} cores, ${m.platform}/${m.arch}, Node ${m.node}, ${m.runtime.name} ${m.runtime.version}`;
}

/** verify.md */
export function verifyMarkdown(rows: readonly VerifyRow[], p: VerifyProvenance): string {
  return [
    '# hwnas verify',
    '',
    `- supernet: ${p.checkpoint} (step ${p.checkpointStep})`,
    `- accuracy: top-1 of each exported ONNX file in onnxruntime on the ${(rows[0]?.testImages ?? 0).toLocaleString('en-US')} test images, after BatchNorm recalibration on 2,000 training images; the predictions are on val`,
    `- machine: ${describeMachine(p.machine)}`,
    `- results: ${[...new Set(rows.map((r) => r.source))].join(', ')}`,
    '',
    verifyMarkdownTable(rows, '.', p.machine.cores),
    '',
  ].join('\n');
}

/** verify.json */
export function verifyJson(rows: readonly VerifyRow[], p: VerifyProvenance): string {
  return `${JSON.stringify({ format: kVerifyFormat, version: 1, ...p, rows }, null, 2)}\n`;
}
