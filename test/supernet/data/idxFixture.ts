/** Helpers for tests that write small IDX files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** IDX bytes: magic 0x00 0x00 type ndims, big-endian dims, then the data as given. */
export function encodeIdx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data instanceof Uint8Array ? data : Uint8Array.from(data), header.length);
  return out;
}

export function writeIdx(path: string, dims: number[], data: ArrayLike<number>, options: { gzip?: boolean } = {}): void {
  const bytes = encodeIdx(dims, data);
  writeFileSync(path, options.gzip === false ? bytes : gzipSync(bytes));
}

/** A fresh temp directory and a function removing it. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `hwnas-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `n` images of `height x width`; flat pixel `i` is `(7 * i) % 256`. */
export function fakeImages(n: number, height = 28, width = 28): Uint8Array {
  const out = new Uint8Array(n * height * width);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7) % 256;
  return out;
}
