/**
 * The one latency measurement harness. Every measured number in hwnas goes through
 * `measureLatency`, so every measurement has the same warm-up, the same statistics and the
 * same noise check.
 *
 * A measurement whose spread is too wide is repeated up to `maxAttempts` times; if it is still
 * too wide it is returned with `flagged: true` and a `reason`. CALLERS MUST CHECK `flagged`:
 * a flagged median is reported so that it can be inspected, not used as a latency.
 *
 * Measurements never overlap: a lock shared by every copy of this module in the process (kept
 * on globalThis) runs them one at a time. The lock does not reach other worker threads or
 * processes; measure from one thread only.
 */
import { performance } from 'node:perf_hooks';
import { AsyncMutex } from '../util/asyncMutex.js';
import { coefficientOfVariation, mean, quantileSorted } from '../util/stats.js';

export interface MeasureOptions {
  /** Untimed runs before timing starts (once per measurement); at least 10. */
  warmupRuns?: number;
  /** Timed runs per attempt; at least 30. */
  runs?: number;
  /** Attempts before a too-wide spread is given up on and flagged; at least 1. */
  maxAttempts?: number;
  /** Largest accepted coefficient of variation (sample std / mean). Infinity disables the check. */
  maxCv?: number;
  /** Largest accepted IQR / median. Infinity disables the check. */
  maxIqrRatio?: number;
  /** Thread count the run uses, recorded with the result (null = not stated). */
  threads?: number | null;
  /** Free-form label recorded with the result (target, config id, ...). */
  label?: string;
}

export const kDefaultMeasureOptions: Required<MeasureOptions> = Object.freeze({
  warmupRuns: 10,
  runs: 50,
  maxAttempts: 3,
  maxCv: 0.25,
  maxIqrRatio: 0.1,
  threads: null,
  label: '',
});

export interface Measurement {
  label: string;
  threads: number | null;
  warmupRuns: number;
  /** Timed runs in the reported attempt. */
  runs: number;
  /** Attempts made (1 unless the spread was too wide). */
  attempts: number;
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  iqrMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Coefficient of variation (sample std / mean). */
  cv: number;
  /** Timed samples of the reported attempt, in run order (milliseconds). */
  samplesMs: number[];
  /** True when every attempt's spread was too wide: do not use this as a latency. */
  flagged: boolean;
  /** Why the measurement was flagged; null when it was not. */
  reason: string | null;
  /** Wall-clock bounds of the measurement (epoch milliseconds, sub-millisecond precision). */
  startedAtMs: number;
  endedAtMs: number;
}

const kLockKey = Symbol.for('hwnas.hardware.measureLock');
const globalSlots = globalThis as { [kLockKey]?: AsyncMutex };
const measureLock: AsyncMutex = (globalSlots[kLockKey] ??= new AsyncMutex());

/**
 * Runs fn while holding the measurement lock, so it never overlaps a measurement (use it for
 * work that would disturb one, such as loading a model on the same cores).
 */
export function withMeasurementLock<T>(fn: () => T | Promise<T>): Promise<T> {
  return measureLock.runExclusive(fn);
}

function checkInteger(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`options.${name} must be an integer >= ${min} (got ${String(value)})`);
  }
}

function checkPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RangeError(`options.${name} must be a positive number, or Infinity to disable it (got ${String(value)})`);
  }
}

function resolveOptions(options: MeasureOptions): Required<MeasureOptions> {
  const o: Required<MeasureOptions> = { ...kDefaultMeasureOptions, ...options };
  checkInteger('warmupRuns', o.warmupRuns, 10);
  checkInteger('runs', o.runs, 30);
  checkInteger('maxAttempts', o.maxAttempts, 1);
  checkPositive('maxCv', o.maxCv);
  checkPositive('maxIqrRatio', o.maxIqrRatio);
  if (o.threads !== null) checkInteger('threads', o.threads, 1);
  if (typeof o.label !== 'string') throw new TypeError(`options.label must be a string (got ${typeof o.label})`);
  return o;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

async function timeRuns(run: () => unknown, count: number, phase: string, label: string): Promise<Float64Array> {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    try {
      const r = run();
      if (isThenable(r)) await r;
    } catch (err) {
      const where = label ? ` '${label}'` : '';
      throw new Error(`measureLatency${where}: the run function failed in ${phase} run ${i + 1}: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return samples;
}

interface Attempt {
  samples: Float64Array;
  sorted: Float64Array;
  medianMs: number;
  iqrRatio: number;
  cv: number;
  /** max(iqrRatio / maxIqrRatio, cv / maxCv): above 1 means too wide. */
  excess: number;
}

function summarise(samples: Float64Array, o: Required<MeasureOptions>): Attempt {
  const sorted = Float64Array.from(samples).sort();
  const medianMs = quantileSorted(sorted, 0.5);
  const iqrRatio = medianMs > 0 ? (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / medianMs : 0;
  const cv = mean(samples) > 0 ? coefficientOfVariation(samples) : 0;
  const excess = Math.max(iqrRatio / o.maxIqrRatio, cv / o.maxCv);
  return { samples, sorted, medianMs, iqrRatio, cv, excess };
}

function describeSpread(a: Attempt, o: Required<MeasureOptions>, attempts: number): string {
  const parts: string[] = [];
  if (a.iqrRatio > o.maxIqrRatio) parts.push(`IQR/median ${a.iqrRatio.toFixed(3)} > options.maxIqrRatio ${o.maxIqrRatio}`);
  if (a.cv > o.maxCv) parts.push(`CV ${a.cv.toFixed(3)} > options.maxCv ${o.maxCv}`);
  return `spread too wide in all ${attempts} attempt(s); the least noisy had ${parts.join(' and ')}: ` +
    'reduce background load, pin threads, or raise the thresholds knowingly';
}

/**
 * Measures the latency of `run` (sync or async): warm-up, then timed runs with
 * process.hrtime.bigint(), repeated while the spread is too wide. Rejects on invalid options or
 * when `run` throws. Check `flagged` on the result before using it.
 */
export async function measureLatency(
  run: () => unknown | Promise<unknown>,
  options: MeasureOptions = {},
): Promise<Measurement> {
  if (typeof run !== 'function') throw new TypeError(`measureLatency needs a function to run (got ${typeof run})`);
  const o = resolveOptions(options);
  return measureLock.runExclusive(async () => {
    const startedAtMs = performance.timeOrigin + performance.now();
    await timeRuns(run, o.warmupRuns, 'warm-up', o.label);
    let best: Attempt | undefined;
    let attempts = 0;
    while (attempts < o.maxAttempts) {
      attempts++;
      const a = summarise(await timeRuns(run, o.runs, 'timed', o.label), o);
      if (best === undefined || a.excess < best.excess) best = a;
      if (a.excess <= 1) break;
    }
    const b = best as Attempt;
    const flagged = b.excess > 1;
    const q1Ms = quantileSorted(b.sorted, 0.25);
    const q3Ms = quantileSorted(b.sorted, 0.75);
    return {
      label: o.label,
      threads: o.threads,
      warmupRuns: o.warmupRuns,
      runs: o.runs,
      attempts,
      medianMs: b.medianMs,
      q1Ms,
      q3Ms,
      iqrMs: q3Ms - q1Ms,
      meanMs: mean(b.samples),
      minMs: b.sorted[0],
      maxMs: b.sorted[b.sorted.length - 1],
      cv: b.cv,
      samplesMs: Array.from(b.samples),
      flagged,
      reason: flagged ? describeSpread(b, o, attempts) : null,
      startedAtMs,
      endedAtMs: performance.timeOrigin + performance.now(),
    };
  });
}
