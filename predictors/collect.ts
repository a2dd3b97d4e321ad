/**
 * Collecting an accuracy dataset: the first `n` distinct configs of a seeded stream, each
 * evaluated once and appended to a JSONL file as one whole line. The plan depends only on the
 * space, the seed, `n` and the quant mode, so a killed run resumes by skipping the configs
 * already in the file, and the finished file holds the same configs in the same order
 * whatever the number of workers. A lock file beside the dataset keeps a second run from
 * appending to it at the same time (util/outputLock.ts).
 */
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { Rng } from '../space/rng.js';
import { configKey, sampleConfigWith, type QuantMode, type Sampling } from '../space/searchSpace.js';
import type { AccuracySample } from './types.js';
import type { SubnetEvaluator } from './SubnetEvaluator.js';
import { otherGenome, readSamples, repairTail, sampleLine } from './samples.js';
import { LineAppender } from '../util/atomicWrite.js';
import { OutputLock } from '../util/outputLock.js';

export interface CollectOptions {
  /** Distinct configs the file should hold when done. */
  n: number;
  quant?: QuantMode;
  /** How configs are drawn: uniform genes, or spread over sizes (`sampleConfigBySize`). */
  sampling?: Sampling;
  /** Seed of the config stream. */
  seed?: number;
  /** Val images per evaluation, when known: lines already in the file must match it. */
  imagesPerSample?: number;
  /** Called after each line is written. */
  onSample?: (sample: AccuracySample, progress: CollectProgress) => void;
}

export const kDefaultCollectOptions: Required<Omit<CollectOptions, 'onSample' | 'imagesPerSample'>> = { n: 100, quant: 'fp32', seed: 1, sampling: 'sizes' };

export interface CollectProgress {
  /** Planned configs now in the file. */
  done: number;
  total: number;
}

export interface CollectSummary {
  planned: number;
  /** Planned configs found in the file at the start (skipped). */
  alreadyPresent: number;
  evaluated: number;
  /** Bytes of an incomplete last line cut off before appending. */
  repairedBytes: number;
  seconds: number;
}

/** Draws per config before giving up on finding `n` distinct ones. */
const kDrawsPerConfig = 50;

/** The first `n` distinct configs (by `configKey`) of the stream seeded with `seed`. */
export function planConfigs(
  space: SearchSpace, n: number, seed: number, quant: QuantMode, sampling: Sampling = 'sizes',
): SubnetConfig[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`options.n must be a positive integer (got ${n})`);
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const plan: SubnetConfig[] = [];
  const maxDraws = kDrawsPerConfig * n + 1000;
  for (let draws = 0; plan.length < n; draws++) {
    if (draws >= maxDraws) {
      throw new Error(`found only ${plan.length} distinct configs in ${maxDraws} draws: space '${space.name}' is too small for n = ${n}; lower --n`);
    }
    const cfg = sampleConfigWith(sampling, space, rng, { quant });
    const key = configKey(space, cfg);
    if (seen.has(key)) continue;
    seen.add(key);
    plan.push(cfg);
  }
  return plan;
}

/** Refuses to mix quant modes or evaluation sizes in one file. */
function checkCompatible(existing: readonly AccuracySample[], out: string, quant: QuantMode, images: number | undefined): void {
  const mode = otherGenome(existing, quant);
  if (mode >= 0) {
    const other = quant === 'mixed' ? 'fp32' : 'mixed';
    throw new Error(`${out}:${sampleLine(out, mode)} is a ${other} sample but this run collects ${quant} ones: use another --out for each quant mode`);
  }
  const size = images === undefined ? -1 : existing.findIndex((s) => s.n !== images);
  if (size >= 0) {
    throw new Error(`${out}:${sampleLine(out, size)} was evaluated on ${existing[size].n} val images but this run uses ${images}: ` +
      `pass --eval-images ${existing[size].n} to continue it, or use another --out`);
  }
}

/**
 * Evaluates the planned configs missing from `out` and appends one line per config, in plan
 * order, keeping `evaluator.concurrency` evaluations running. Rejects on the first failed
 * evaluation in plan order (lines already written stay valid; the rest resume next time).
 */
export async function collect(
  space: SearchSpace, evaluator: SubnetEvaluator, out: string, options: CollectOptions,
): Promise<CollectSummary> {
  const o = { ...kDefaultCollectOptions, ...options };
  const t0 = performance.now();
  const plan = planConfigs(space, o.n, o.seed, o.quant, o.sampling);
  // One writer per file; then the file is recognised as a dataset of these settings before
  // anything changes it (a foreign file is never cut).
  const lock = OutputLock.acquire(out);
  let writer: LineAppender | undefined;
  try {
    const existing = readSamples(out, space).samples;
    checkCompatible(existing, out, o.quant, o.imagesPerSample);
    const repairedBytes = repairTail(out);
    const present = new Set(existing.map((s) => configKey(space, s.config)));
    const todo = plan.filter((cfg) => !present.has(configKey(space, cfg)));
    const alreadyPresent = plan.length - todo.length;
    writer = new LineAppender(out);
    await evaluateInto(writer, todo, evaluator, (sample, written) => o.onSample?.(sample, { done: alreadyPresent + written, total: plan.length }));
    return { planned: plan.length, alreadyPresent, evaluated: todo.length, repairedBytes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    writer?.close();
    lock.release();
  }
}

/** Evaluates `todo` keeping `evaluator.concurrency` evaluations running, appending each sample in order. */
async function evaluateInto(
  writer: LineAppender, todo: readonly SubnetConfig[], evaluator: SubnetEvaluator, onSample: (sample: AccuracySample, written: number) => void,
): Promise<void> {
  let next = 0;
  let written = 0;
  let running = 0;
  let stopped = false;
  // Results wait here until every earlier one is written; a slot frees when its evaluation
  // settles, so one slow config does not idle the other workers.
  const results = new Map<number, Promise<AccuracySample>>();
  const launch = (): void => {
    while (next < todo.length && running < evaluator.concurrency) {
      running++;
      const p = evaluator.evaluate(todo[next]).finally(() => {
        running--;
        if (!stopped) setImmediate(launch);
      });
      // Marks the promise handled: a failure is rethrown where it is awaited below.
      p.catch(() => undefined);
      results.set(next++, p);
    }
  };
  launch();
  while (written < todo.length) {
    const pending = results.get(written) as Promise<AccuracySample>;
    let sample: AccuracySample;
    try {
      sample = await pending;
    } catch (err) {
      stopped = true;
      throw err;
    } finally {
      results.delete(written);
    }
    writer.append(JSON.stringify(sample));
    written++;
    launch();
    onSample(sample, written);
  }
}
