/**
 * Writes that never leave a half-written output: the data goes to a temporary file (or
 * folder) beside the target, is flushed, and is renamed over the target only when complete.
 * On failure the temporary is removed and an existing target is untouched.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function tempName(target: string, kind: string): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${Date.now().toString(36)}`);
}

function writeAll(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` (or what `produce` returns, computed first) to `path` atomically. */
export function writeFileAtomic(path: string, data: Uint8Array | string | (() => Uint8Array | string)): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path, 'tmp');
  try {
    writeAll(tmp, typeof data === 'function' ? data() : data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes `files` (name -> contents) as folder `dir`, replacing an existing folder only once the
 * new one is complete (the old one is moved aside, then removed).
 */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = tempName(dir, 'tmp');
  try {
    mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) writeAll(join(tmp, name), data);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
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
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}
