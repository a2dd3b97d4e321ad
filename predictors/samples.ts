/**
 * Accuracy datasets as JSONL: one `AccuracySample` per line, written whole by `hwnas collect`.
 * Reading validates every line (shape, then the config against the space) and names the
 * line of any problem. A file is recognised as a dataset by its content before it is read as
 * one or changed (`recogniseDataset`). A last line without its newline is the trace of a write
 * cut short by something outside this program (full disk, power loss): `readSamples` reports
 * it, and `repairTail` cuts it off before a resumed run appends.
 */
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { z } from 'zod';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { parseConfig } from '../space/schema.js';
import { configKey, type QuantMode } from '../space/searchSpace.js';
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

/** How a dataset's configs are read: parsed against their space, and keyed (equal configs, equal keys). */
export interface ConfigReader<C> {
  /** The space's name, for messages. */
  space: string;
  parse(json: unknown): C;
  key(cfg: C): string;
}

/** The reader of a CNN search space's configs. */
export function searchSpaceReader(space: SearchSpace): ConfigReader<SubnetConfig> {
  return { space: space.name, parse: (json) => parseConfig(space, json), key: (cfg) => configKey(space, cfg) };
}

/** A sample whose config is of type C. */
export type SampleOf<C> = Omit<AccuracySample, 'config'> & { config: C };

/** Parses one line with `reader`; `where` names it in errors (e.g. `data.jsonl:12`). */
export function parseSampleWith<C>(reader: ConfigReader<C>, line: string, where: string): SampleOf<C> {
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
    config = reader.parse(parsed.data.config);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}\n(is the file from another search space than '${reader.space}'?)`);
  }
  return { ...parsed.data, config };
}

/** Parses one line of a CNN dataset; `where` names it in errors (e.g. `data.jsonl:12`). */
export function parseSample(space: SearchSpace, line: string, where: string): AccuracySample {
  return parseSampleWith(searchSpaceReader(space), line, where);
}

/** The start of every line `hwnas collect` writes (JSON.stringify of an AccuracySample). */
const kLineStart = '{"config":';

const kNotDataset = "hwnas collect never changes a file it did not write: choose another --out (a new file, or a dataset of 'hwnas collect')";

/**
 * Recognises a dataset by its content before anything reads it as one or changes it: text (no
 * NUL byte) whose complete lines are all accuracy samples (shape only; the space is checked by
 * `readSamples`) and whose incomplete last line, if any, is the start of one. Throws naming
 * the first line that is not. Returns the text.
 */
export function recogniseDataset(path: string, bytes: Buffer, fix = kNotDataset): string {
  if (bytes.includes(0)) throw new Error(`${path} is not an accuracy dataset (it is a binary file): ${fix}`);
  const text = bytes.toString('utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let ok = line.startsWith(kLineStart);
    if (ok) {
      try {
        ok = sampleSchema.safeParse(JSON.parse(line)).success;
      } catch {
        ok = false;
      }
    }
    if (ok) continue;
    if (lines.slice(0, i).every((l) => l.trim() === '')) {
      throw new Error(`${path} is not an accuracy dataset: its first line is not a sample {config, accuracy, loss, n, seconds}; ${fix}`);
    }
    return text;
  }
  const tail = text.slice(end);
  if (tail !== '' && !(tail.startsWith(kLineStart) || kLineStart.startsWith(tail))) {
    const which = end === 0 ? 'its first line is not a sample {config, accuracy, loss, n, seconds}' : 'its last line (without a newline) is not the start of a sample';
    throw new Error(`${path} is not an accuracy dataset: ${which}; ${fix}`);
  }
  return text;
}

/** Every complete line of a dataset file (none if it does not exist). Throws when the file is not a dataset. */
export function readSamplesWith<C>(path: string, reader: ConfigReader<C>, fix?: string): { samples: SampleOf<C>[]; partialBytes: number } {
  if (!existsSync(path)) return { samples: [], partialBytes: 0 };
  const text = recogniseDataset(path, readFileSync(path), fix);
  const end = text.lastIndexOf('\n') + 1;
  const samples: SampleOf<C>[] = [];
  text.slice(0, end).split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    samples.push(parseSampleWith(reader, line, `${path}:${i + 1}`));
  });
  return { samples, partialBytes: Buffer.byteLength(text.slice(end), 'utf8') };
}

/** The line number (from 1) in `path` of its sample `index` as readSamplesWith counts them (blank lines skipped). */
export function sampleLine(path: string, index: number): number {
  let seen = -1;
  const text = readFileSync(path, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '' && ++seen === index) return i + 1;
  }
  throw new RangeError(`${path} has no sample ${index + 1}`);
}

/** Index of the first of `samples` not of `quant`'s genome (a float config in a mixed dataset, or one with bits in an fp32 one), or -1. */
export function otherGenome(samples: readonly { config: SubnetConfig }[], quant: QuantMode): number {
  return samples.findIndex((s) => (s.config.wBits !== undefined) !== (quant === 'mixed'));
}

/** Every complete line of a CNN dataset file (see readSamplesWith; `fix` ends the error of a file that is not one). */
export function readSamples(path: string, space: SearchSpace, fix?: string): SampleFile {
  return readSamplesWith(path, searchSpaceReader(space), fix);
}

/**
 * Cuts an incomplete last line off `path`; returns the bytes removed. Changes nothing, and
 * throws, when the file is not recognised as a dataset.
 */
export function repairTail(path: string): number {
  if (!existsSync(path)) return 0;
  const buf = readFileSync(path);
  recogniseDataset(path, buf);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end === buf.length) return 0;
  truncateSync(path, end);
  return buf.length - end;
}

/** A dataset as `hwnas fit` takes it: each config once. */
export interface Dataset {
  samples: AccuracySample[];
  /** Lines dropped because their config (canonical form) was already in an earlier line. */
  duplicates: number;
  /** Bytes of an incomplete last line left out (an interrupted write). */
  partialBytes: number;
}

/**
 * Samples of a dataset, each config once (the first line of each canonical config is kept),
 * failing if it is missing or empty.
 */
export function loadDatasetWith<C>(path: string, reader: ConfigReader<C>): { samples: SampleOf<C>[]; duplicates: number; partialBytes: number } {
  if (!existsSync(path)) throw new Error(`dataset ${path} does not exist: create it with 'hwnas collect --out ${path}'`);
  if (!statSync(path).isFile()) throw new Error(`dataset ${path} is a folder, not a file: give the JSONL file 'hwnas collect --out' wrote`);
  const file = readSamplesWith(path, reader);
  const seen = new Set<string>();
  const samples = file.samples.filter((s) => {
    const key = reader.key(s.config);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (samples.length === 0) throw new Error(`dataset ${path} holds no samples: collect some with 'hwnas collect --out ${path}'`);
  return { samples, duplicates: file.samples.length - samples.length, partialBytes: file.partialBytes };
}

/** A CNN dataset as `hwnas fit` takes it (see loadDatasetWith). */
export function loadDataset(path: string, space: SearchSpace): Dataset {
  return loadDatasetWith(path, searchSpaceReader(space));
}
