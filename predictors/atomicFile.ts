/**
 * Crash-safe file writes: whole-file replacement (temp file, fsync, rename) and whole-line
 * appends (one `write` of the complete line on an append-mode descriptor, then fsync), so a
 * killed process leaves either the old contents or the complete new ones.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Replaces `path` with `text` atomically. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.from(text, 'utf8'));
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  // Regular files take a whole write at once; the loop only guards against short writes.
  for (let tries = 0; off < buf.length; tries++) {
    if (tries > 1000) throw new Error(`write made no progress after ${off} of ${buf.length} bytes`);
    off += writeSync(fd, buf, off, buf.length - off);
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
    writeAll(this.fd, Buffer.from(`${line}\n`, 'utf8'));
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
