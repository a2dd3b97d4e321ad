/**
 * Writes that never leave a half-written output: the data goes to a temporary file (or
 * folder) beside the target, is flushed, and is renamed over the target only when complete.
 * On failure the temporary is removed and an existing target is untouched (a folder may also be
 * filled by any code through `buildFolderAtomic`). Appends of whole lines (JSONL datasets,
 * journals) go out in one write followed by fsync.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { processRunning } from './outputLock.js';

function tempName(target: string, kind: string): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${Date.now().toString(36)}`);
}

/**
 * Removes the temporaries of `target` that a writer killed with -9 left beside it (their PID no
 * longer runs): a half-written `.NAME.tmp-PID-*`, and a replaced `.NAME.old-PID-*` once `target`
 * itself exists again. Temporaries of running writers are left alone.
 */
export function removeStaleTemps(target: string): void {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(tmp|old)-(\d+)-[0-9a-z]+$/.exec(name.slice(prefix.length));
    if (!m || processRunning(Number(m[2]))) continue;
    if (m[1] === 'old' && !existsSync(target)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Writes every byte to an open descriptor (regular files take it at once; this guards short writes). */
function writeFd(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  for (let tries = 0; offset < bytes.length; tries++) {
    if (tries > 1000) throw new Error(`write made no progress after ${offset} of ${bytes.length} bytes`);
    offset += writeSync(fd, bytes, offset, bytes.length - offset);
  }
}

function writeAll(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    writeFd(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` (or what `produce` returns, computed first) to `path` atomically. */
export function writeFileAtomic(path: string, data: Uint8Array | string | (() => Uint8Array | string)): void {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleTemps(path);
  const tmp = tempName(path, 'tmp');
  try {
    writeAll(tmp, typeof data === 'function' ? data() : data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Moves the complete folder `tmp` to `dir`, replacing an existing `dir` only once `tmp` is in place. */
function commitFolder(tmp: string, dir: string): void {
  if (!existsSync(dir)) {
    renameSync(tmp, dir);
    return;
  }
  const old = tempName(dir, 'old');
  renameSync(dir, old);
  try {
    renameSync(tmp, dir);
  } catch (err) {
    renameSync(old, dir);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Writes `files` (name -> contents) as folder `dir`, replacing an existing folder only once the
 * new one is complete (the old one is moved aside, then removed).
 */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  mkdirSync(dirname(dir), { recursive: true });
  removeStaleTemps(dir);
  const tmp = tempName(dir, 'tmp');
  try {
    mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) writeAll(join(tmp, name), data);
    commitFolder(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Builds folder `dir` through `build`, which fills an empty temporary folder beside it (files of
 * any size, written by any code); `dir` appears, or replaces an existing one, only when `build`
 * resolves. When it rejects, the temporary folder is removed and an existing `dir` is untouched.
 */
export async function buildFolderAtomic<T>(dir: string, build: (tmp: string) => Promise<T>): Promise<T> {
  mkdirSync(dirname(dir), { recursive: true });
  removeStaleTemps(dir);
  const tmp = tempName(dir, 'tmp');
  try {
    mkdirSync(tmp);
    const result = await build(tmp);
    commitFolder(tmp, dir);
    return result;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** An append-only text file taking whole lines. */
export class LineAppender {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends `line` plus a newline in one write and flushes it to disk. */
  append(line: string): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    if (line.includes('\n')) throw new Error('a line must not contain a newline');
    writeFd(this.fd, Buffer.from(`${line}\n`, 'utf8'));
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
