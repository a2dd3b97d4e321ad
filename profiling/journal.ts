/**
 * The journal of a profile in progress: a JSONL file beside the output (`<out>.partial`), one
 * fsynced line per measurement, so a killed run loses at most the measurement it was taking.
 * The first line is a header naming what is measured; `--resume` continues a journal only
 * when its header matches (same target, threads, space, seed, harness settings and machine).
 * A torn last line (a kill mid-write) is dropped on open. A CNN profile records the container
 * of quantized weights it measures with (a `container` line) before its first measurement.
 */
import { sameSpace } from '../space/sameSpace.js';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { machineDifferences, type MachineInfo } from './machine.js';
import type { SamplerSettings } from './interleaved.js';
import type { Int8ContainerChoice } from './int8Container.js';

export interface JournalHeader<S extends object = SearchSpace> {
  type: 'header';
  target: string;
  threads: number;
  bits: boolean;
  space: S;
  seed: number;
  measurement: SamplerSettings;
  machine: MachineInfo;
}

/**
 * A part's time: its graph's median minus its baseline's, measured interleaved; `spread` is the
 * relative precision reached, `noisy` whether it stayed above the sampler's target (kept anyway).
 */
export interface PartEntry {
  type: 'part';
  key: string;
  ms: number;
  partMs: number;
  baselineMs: number;
  /** The profile's reference subnet, timed in the same rounds (the machine's speed at the time). */
  refMs: number;
  spread: number;
  rounds: number;
  noisy: boolean;
  /** Seconds spent sampling it. */
  seconds: number;
}

export interface SubnetEntry<C = SubnetConfig> {
  type: 'subnet';
  group: string;
  /** configKey of the config. */
  key: string;
  config: C;
  ms: number;
  /** The reference subnet timed in the same rounds, when one was given. */
  refMs?: number;
  spread: number;
  rounds: number;
  noisy: boolean;
  /** Seconds spent sampling it. */
  seconds: number;
}

export type JournalEntry<C = SubnetConfig> = PartEntry | SubnetEntry<C>;

/**
 * The container comparison of a profile (int8Container.ts; null: the runtime has no choice):
 * every part and subnet of the journal is measured with `choice.weightType`.
 */
export interface ContainerRecord {
  type: 'container';
  choice: Int8ContainerChoice | null;
}

type JournalRecord<S extends object, C> = JournalHeader<S> | JournalEntry<C> | ContainerRecord;

function headerDifferences<S extends object>(a: JournalHeader<S>, b: JournalHeader<S>): string[] {
  const out: string[] = [];
  if (a.target !== b.target || a.threads !== b.threads) out.push(`target ${a.target}:${a.threads} vs ${b.target}:${b.threads}`);
  if (a.bits !== b.bits) out.push('bits');
  const name = (space: S) => (space as { name?: string }).name;
  if (!sameSpace(a.space, b.space)) out.push(`space '${name(a.space)}' vs '${name(b.space)}' (or its contents)`);
  if (a.seed !== b.seed) out.push(`seed ${a.seed} vs ${b.seed}`);
  if (JSON.stringify(a.measurement) !== JSON.stringify(b.measurement)) out.push('sampler settings (warm-up, sample length, rounds, target spread)');
  out.push(...machineDifferences(a.machine, b.machine));
  return out;
}

/** A journal of a CNN profile (the defaults) or of a transformer profile (S and C its space and config types). */
export class ProfileJournal<S extends object = SearchSpace, C = SubnetConfig> {
  /** Latest entry per part key and per subnet key. */
  readonly parts = new Map<string, PartEntry>();
  readonly subnets = new Map<string, SubnetEntry<C>>();
  /** The container the measurements are taken with; undefined until recorded (older journals: uint8). */
  container: ContainerRecord | undefined = undefined;

  private constructor(
    readonly path: string,
    readonly header: JournalHeader<S>,
  ) {}

  /**
   * Starts a journal at `path`, or with `resume` continues the one there. Throws when a journal
   * exists and `resume` is false, or when the existing one was measured differently.
   */
  static open<S extends object = SearchSpace, C = SubnetConfig>(path: string, header: JournalHeader<S>, resume: boolean): ProfileJournal<S, C> {
    if (existsSync(path) && !resume) {
      throw new Error(`${path} holds an unfinished profile: pass --resume to continue it, or delete it to start over`);
    }
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      const journal = new ProfileJournal<S, C>(path, header);
      journal.appendLine(header);
      return journal;
    }
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    if (!text.endsWith('\n')) {
      // A torn last line: drop it so the next append starts a fresh line.
      const torn = lines.pop() ?? '';
      truncateSync(path, Buffer.byteLength(text) - Buffer.byteLength(torn));
    }
    const records = lines.filter((l) => l.length > 0).map((l, i) => {
      try {
        return JSON.parse(l) as JournalRecord<S, C>;
      } catch {
        throw new Error(`${path} line ${i + 1} is not JSON: the journal is damaged; delete it to start over`);
      }
    });
    const first = records[0];
    if (first?.type !== 'header') throw new Error(`${path} does not start with a journal header: delete it to start over`);
    const diffs = headerDifferences(first, header);
    if (diffs.length > 0) {
      throw new Error(`cannot resume ${path}: it was measured with a different ${diffs.join(', ')}; use the same settings, or delete it to start over`);
    }
    const journal = new ProfileJournal<S, C>(path, first);
    for (const r of records.slice(1)) {
      if (r.type === 'part') journal.parts.set(r.key, r);
      else if (r.type === 'subnet') journal.subnets.set(r.key, r);
      else if (r.type === 'container') journal.container = r;
    }
    return journal;
  }

  append(entry: JournalEntry<C> | ContainerRecord): void {
    this.appendLine(entry);
    if (entry.type === 'part') this.parts.set(entry.key, entry);
    else if (entry.type === 'subnet') this.subnets.set(entry.key, entry);
    else this.container = entry;
  }

  /** Deletes the journal (once the profile is written). */
  remove(): void {
    rmSync(this.path, { force: true });
  }

  private appendLine(record: JournalRecord<S, C>): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
