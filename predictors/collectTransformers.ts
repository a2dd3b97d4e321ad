/**
 * `hwnas collect` for a SuperTransformer: distinct seeded SubTransformers evaluated on the val
 * split straight from the shared weights (no BatchNorm to recalibrate), appended one JSON line
 * each to the same resumable dataset files as the CNN's (samples.ts): a rerun skips the configs
 * the file holds, an incomplete last line is cut off first, one writer per file.
 */
import type { SuperTransformer } from '../supernet/transformer/SuperTransformer.js';
import { evaluateTransformer } from '../supernet/transformer/evaluate.js';
import type { DataSplit } from '../supernet/data/types.js';
import { distinctTransformers, transformerConfigKey } from '../space/transformer/configs.js';
import { parseTransformerConfig } from '../space/transformer/schema.js';
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';
import { LineAppender } from '../util/atomicWrite.js';
import { OutputLock } from '../util/outputLock.js';
import { loadDatasetWith, readSamplesWith, repairTail, type ConfigReader } from './samples.js';
import type { TransformerSample } from './types.js';

/** The reader of a transformer space's configs in dataset files. */
export function transformerReader(space: TransformerSpace): ConfigReader<TransformerConfig> {
  return { space: space.name, parse: (json) => parseTransformerConfig(space, json), key: transformerConfigKey };
}

/** A transformer dataset as `hwnas fit` takes it: each config once. */
export function loadTransformerDataset(path: string, space: TransformerSpace): { samples: TransformerSample[]; duplicates: number; partialBytes: number } {
  return loadDatasetWith(path, transformerReader(space));
}

/** Evaluates SubTransformer `cfg` of `net` on the first `limit` images of `val`: one dataset line. */
export function evaluateSubTransformer(net: SuperTransformer, cfg: TransformerConfig, val: DataSplit, limit?: number): TransformerSample {
  const t0 = performance.now();
  const r = evaluateTransformer(net, cfg, val, limit);
  return { config: cfg, accuracy: r.accuracy, loss: r.loss, n: Math.min(limit ?? val.n, val.n), seconds: (performance.now() - t0) / 1000 };
}

export interface TransformerCollectOptions {
  n: number;
  seed?: number;
  onSample?: (sample: TransformerSample, done: number, total: number) => void;
}

export interface TransformerCollectSummary {
  planned: number;
  alreadyPresent: number;
  evaluated: number;
  repairedBytes: number;
  seconds: number;
}

/** Completes the dataset `out` to the `n` planned SubTransformers, evaluating the missing ones with `evaluate`. */
export async function collectTransformers(
  space: TransformerSpace, evaluate: (cfg: TransformerConfig) => TransformerSample | Promise<TransformerSample>, out: string, options: TransformerCollectOptions,
): Promise<TransformerCollectSummary> {
  const t0 = performance.now();
  if (!Number.isInteger(options.n) || options.n < 1) throw new RangeError(`options.n must be a positive integer (got ${options.n})`);
  const plan = distinctTransformers(space, options.n, options.seed ?? 1);
  const lock = OutputLock.acquire(out);
  let writer: LineAppender | undefined;
  try {
    const existing = readSamplesWith(out, transformerReader(space)).samples;
    const first = existing[0];
    const images = first?.n;
    const repairedBytes = repairTail(out);
    const present = new Set(existing.map((s) => transformerConfigKey(s.config)));
    const todo = plan.filter((cfg) => !present.has(transformerConfigKey(cfg)));
    writer = new LineAppender(out);
    let done = plan.length - todo.length;
    for (const cfg of todo) {
      const sample = await evaluate(cfg);
      if (images !== undefined && sample.n !== images) {
        throw new Error(`${out} was evaluated on ${images} val images but this run uses ${sample.n}: pass --eval-images ${images} to continue it, or use another --out`);
      }
      writer.append(JSON.stringify(sample));
      options.onSample?.(sample, ++done, plan.length);
    }
    return { planned: plan.length, alreadyPresent: plan.length - todo.length, evaluated: todo.length, repairedBytes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    writer?.close();
    lock.release();
  }
}
