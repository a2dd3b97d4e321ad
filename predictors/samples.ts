/**
 * Accuracy datasets as JSONL: one `AccuracySample` per line, written whole by `hwnas collect`.
 * Reading validates every line (shape, then the config against the space) and names the
 * line of any problem. A last line without its newline is the trace of a write cut short by
 * something outside this program (full disk, power loss): `readSamples` reports it, and
 * `repairTail` cuts it off before a resumed run appends.
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { z } from 'zod';
import type { SearchSpace } from '../space/types.js';
import { parseConfig } from '../space/schema.js';
import type { AccuracySample } from './types.js';

const sampleSchema = z.strictObject({
  config: z.unknown(),
  accuracy: z.number().min(0).max(1),
  loss: z.number().nonnegative(),
  n: z.number().int().positive(),
  seconds: z.number().nonnegative(),
});

export interface SampleFile {
  samples: AccuracySample[];
  /** Bytes after the last newline (an incomplete last line), 0 for a clean file. */
  partialBytes: number;
}

/** Parses one line; `where` names it in errors (e.g. `data.jsonl:12`). */
export function parseSample(space: SearchSpace, line: string, where: string): AccuracySample {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    throw new Error(`${where} is not valid JSON (${(err as Error).message}): fix or delete the line`);
  }
  const parsed = sampleSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
    throw new Error(`${where} is not an accuracy sample {config, accuracy, loss, n, seconds}: ${issues}`);
  }
  let config;
  try {
    config = parseConfig(space, parsed.data.config);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}\n(is the file from another search space than '${space.name}'?)`);
  }
  return { ...parsed.data, config };
}

/** Every complete line of a dataset file (none if it does not exist). */
export function readSamples(path: string, space: SearchSpace): SampleFile {
  if (!existsSync(path)) return { samples: [], partialBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const samples: AccuracySample[] = [];
  text.slice(0, end).split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    samples.push(parseSample(space, line, `${path}:${i + 1}`));
  });
  return { samples, partialBytes: Buffer.byteLength(text.slice(end), 'utf8') };
}

/** Cuts an incomplete last line off `path`; returns the bytes removed. */
export function repairTail(path: string): number {
  if (!existsSync(path)) return 0;
  const buf = readFileSync(path);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end === buf.length) return 0;
  truncateSync(path, end);
  return buf.length - end;
}

/** Samples of a dataset, failing if it is missing or empty. */
export function loadDataset(path: string, space: SearchSpace): AccuracySample[] {
  if (!existsSync(path)) throw new Error(`dataset ${path} does not exist: create it with 'hwnas collect --out ${path}'`);
  const { samples } = readSamples(path, space);
  if (samples.length === 0) throw new Error(`dataset ${path} holds no samples: collect some with 'hwnas collect --out ${path}'`);
  return samples;
}
