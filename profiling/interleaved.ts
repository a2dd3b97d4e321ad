/**
 * Timing graphs that are compared with each other (a part and its baseline; a uint8 and an
 * int8 container of one subnet) on a machine that other work shares.
 *
 * - Interleaved: every round takes one sample of each graph, in alternating order, so a slow
 *   phase of the machine (a neighbour's burst, the host descheduling the VM) hits all of them
 *   alike instead of one of them.
 * - Batched: a sample times `batch` back-to-back runs, `batch` calibrated on the warm-up so that
 *   a sample lasts at least `minSampleMs` - long against the timer, short against the scheduler's
 *   time slice, so that most samples are not preempted at all.
 * - Robust: each graph's time is the median of its per-run sample times; the precision of that
 *   median is estimated from the samples' IQR (standard error of a median ~ 0.93 IQR / sqrt(n)).
 * - Bounded: after `minRounds` rounds the caller's spread (from those standard errors) is checked
 *   every `minRounds` rounds; sampling stops once it is at most `targetSpread`, at `maxRounds`, or
 *   at the caller's deadline, whichever comes first. A measurement that is still imprecise is
 *   returned with `noisy: true` and its spread: it is kept and weighted, never thrown away.
 *
 * Runs under the one measurement lock (measure.ts), like every other timing in hwnas.
 */
import { withMeasurementLock } from './measure.js';
import { quantileSorted } from '../util/stats.js';

export interface SamplerSettings {
  /** Untimed runs of each graph before timing; at least 1. */
  warmupRuns: number;
  /** Shortest sample, ms: a sample repeats the run back to back until it is at least this long. */
  minSampleMs: number;
  /** Rounds (one sample of each graph) before the first precision check, and between checks; at least 5. */
  minRounds: number;
  /** Most rounds, whatever the precision. */
  maxRounds: number;
  /** Relative precision wanted (the caller's spread, e.g. standard error / median). */
  targetSpread: number;
}

export const kDefaultSampler: Readonly<SamplerSettings> = Object.freeze({
  warmupRuns: 5,
  minSampleMs: 0.25,
  minRounds: 10,
  maxRounds: 120,
  targetSpread: 0.02,
});

export interface GraphTiming {
  /** Median per-run time over the samples, ms, and the quartiles. */
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  /** Standard error of the median, ms (~ 0.93 IQR / sqrt(samples)). */
  seMs: number;
  /** Runs per sample, and samples taken. */
  batch: number;
  samples: number;
}

export interface InterleavedMeasurement {
  timings: GraphTiming[];
  rounds: number;
  /** The caller's spread at the end. */
  spread: number;
  /** True when sampling stopped (bound or deadline) before the spread reached the target. */
  noisy: boolean;
  seconds: number;
}

export interface InterleavedOptions {
  /** The measurement's relative spread from the graphs' timings (default: the largest se / median). */
  spreadOf?: (timings: readonly GraphTiming[]) => number;
  /** Epoch ms after which no new round starts (minRounds are always taken). */
  deadlineMs?: number;
  label?: string;
}

type Run = () => unknown;

export function checkSampler(s: SamplerSettings): void {
  const int = (name: keyof SamplerSettings, min: number) => {
    if (!Number.isInteger(s[name]) || s[name] < min) throw new RangeError(`sampler.${name} must be an integer >= ${min} (got ${s[name]})`);
  };
  int('warmupRuns', 1);
  int('minRounds', 5);
  int('maxRounds', s.minRounds);
  if (!(s.minSampleMs >= 0) || !Number.isFinite(s.minSampleMs)) throw new RangeError(`sampler.minSampleMs must be a finite number >= 0 (got ${s.minSampleMs})`);
  if (!(s.targetSpread > 0)) throw new RangeError(`sampler.targetSpread must be positive (got ${s.targetSpread})`);
}

async function runOnce(run: Run): Promise<void> {
  const r = run();
  if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') await r;
}

/** ms per run of `batch` back-to-back runs. */
async function sample(run: Run, batch: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await runOnce(run);
  return Number(process.hrtime.bigint() - t0) / 1e6 / batch;
}

export function timingOf(samples: readonly number[], batch: number): GraphTiming {
  const sorted = Float64Array.from(samples).sort();
  const q1Ms = quantileSorted(sorted, 0.25);
  const q3Ms = quantileSorted(sorted, 0.75);
  return { medianMs: quantileSorted(sorted, 0.5), q1Ms, q3Ms, seMs: (0.93 * (q3Ms - q1Ms)) / Math.sqrt(sorted.length), batch, samples: sorted.length };
}

const largestRelativeSe = (t: readonly GraphTiming[]) => Math.max(...t.map((g) => (g.medianMs > 0 ? g.seMs / g.medianMs : 0)));

/** Times `runs` interleaved (see the file comment). Rejects when a run throws, naming the label. */
export async function measureInterleaved(runs: readonly Run[], settings: SamplerSettings, options: InterleavedOptions = {}): Promise<InterleavedMeasurement> {
  checkSampler(settings);
  if (runs.length === 0) throw new RangeError('measureInterleaved needs at least one run function');
  const spreadOf = options.spreadOf ?? largestRelativeSe;
  return withMeasurementLock(async () => {
    const t0 = Date.now();
    const batches: number[] = [];
    try {
      for (const run of runs) {
        const warm: number[] = [];
        for (let i = 0; i < settings.warmupRuns; i++) warm.push(await sample(run, 1));
        // The warm-up's fastest run sets the batch: preemption and first-run allocation only add time.
        const perRun = Math.max(1e-4, Math.min(...warm));
        batches.push(Math.max(1, Math.ceil(settings.minSampleMs / perRun)));
      }
      const samples: number[][] = runs.map(() => []);
      let rounds = 0;
      let spread = Infinity;
      for (;;) {
        for (let k = 0; k < runs.length; k++) {
          const i = rounds % 2 === 0 ? k : runs.length - 1 - k;
          samples[i].push(await sample(runs[i], batches[i]));
        }
        rounds++;
        if (rounds % settings.minRounds !== 0) continue;
        spread = spreadOf(samples.map((s, i) => timingOf(s, batches[i])));
        if (spread <= settings.targetSpread || rounds + settings.minRounds > settings.maxRounds) break;
        if (options.deadlineMs !== undefined && Date.now() >= options.deadlineMs) break;
      }
      return {
        timings: samples.map((s, i) => timingOf(s, batches[i])),
        rounds,
        spread,
        noisy: !(spread <= settings.targetSpread),
        seconds: (Date.now() - t0) / 1000,
      };
    } catch (err) {
      const where = options.label ? ` '${options.label}'` : '';
      throw new Error(`measuring${where} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  });
}
