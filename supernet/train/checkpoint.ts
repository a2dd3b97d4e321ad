/**
 * Checkpoint files: a JSON header and float32 arrays in one binary file, written atomically
 * (temp file, fsync, rename) and verified on load (magic, sizes, SHA-256), so a killed run
 * never leaves a half-written checkpoint and a truncated file is refused, never loaded half.
 *
 * Layout: 8-byte magic `HWNASCK1`, u32 LE header length, header JSON (UTF-8), zero padding
 * to a multiple of 4 bytes, then the arrays back to back (little-endian float32).
 */
import { readFailure } from '../../util/fsErrors.js';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomicWrite.js';

const kMagic = Buffer.from('HWNASCK1', 'ascii');

export interface CheckpointArrayInfo {
  name: string;
  length: number;
}

interface Header<M> {
  format: 'hwnas-checkpoint';
  version: 1;
  meta: M;
  arrays: CheckpointArrayInfo[];
  dataBytes: number;
  sha256: string;
}

export interface Checkpoint<M> {
  meta: M;
  arrays: Record<string, Float32Array>;
}

function dataBuffer(arrays: Record<string, Float32Array>): { infos: CheckpointArrayInfo[]; data: Buffer } {
  const infos = Object.entries(arrays).map(([name, a]) => ({ name, length: a.length }));
  const data = Buffer.alloc(infos.reduce((s, i) => s + i.length * 4, 0));
  let off = 0;
  for (const [, a] of Object.entries(arrays)) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(data, off);
    off += a.byteLength;
  }
  return { infos, data };
}

/** Writes a checkpoint atomically: readers see the old file or the complete new one. */
export function saveCheckpoint<M>(path: string, meta: M, arrays: Record<string, Float32Array>): void {
  const { infos, data } = dataBuffer(arrays);
  const header: Header<M> = {
    format: 'hwnas-checkpoint', version: 1, meta, arrays: infos, dataBytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const pad = Buffer.alloc((4 - ((kMagic.length + 4 + json.length) % 4)) % 4);
  writeFileAtomic(path, Buffer.concat([kMagic, len, json, pad, data]));
}

/** Reads and verifies a checkpoint; throws naming the file and the defect. */
export function loadCheckpoint<M>(path: string): Checkpoint<M> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw readFailure('checkpoint', path, err, 'give a checkpoint written by hwnas train');
  }
  const bad = (what: string) =>
    new Error(`checkpoint ${path} is ${what}: it was not written completely or is damaged; delete it and train again, or restore a good copy`);
  if (buf.length < kMagic.length + 4 || !buf.subarray(0, kMagic.length).equals(kMagic)) throw bad('not an hwnas checkpoint (bad magic)');
  const jsonLen = buf.readUInt32LE(kMagic.length);
  const jsonStart = kMagic.length + 4;
  if (jsonStart + jsonLen > buf.length) throw bad('truncated (header)');
  let header: Header<M>;
  try {
    header = JSON.parse(buf.subarray(jsonStart, jsonStart + jsonLen).toString('utf8')) as Header<M>;
  } catch {
    throw bad('corrupt (header is not JSON)');
  }
  if (header.format !== 'hwnas-checkpoint' || header.version !== 1) throw bad(`of an unknown format (${header.format} v${header.version})`);
  const dataStart = jsonStart + jsonLen + ((4 - ((jsonStart + jsonLen) % 4)) % 4);
  const data = buf.subarray(dataStart);
  if (data.length !== header.dataBytes) throw bad(`truncated (${data.length} of ${header.dataBytes} data bytes)`);
  if (createHash('sha256').update(data).digest('hex') !== header.sha256) throw bad('corrupt (checksum mismatch)');
  const arrays: Record<string, Float32Array> = {};
  let off = 0;
  for (const { name, length } of header.arrays) {
    const a = new Float32Array(length);
    Buffer.from(a.buffer).set(data.subarray(off, off + length * 4));
    arrays[name] = a;
    off += length * 4;
  }
  return { meta: header.meta, arrays };
}

/**
 * The metadata of a checkpoint from its header alone: the weights are neither read nor
 * hashed (load the checkpoint for those). Throws naming the file and the defect.
 */
export function readCheckpointMeta<M>(path: string): M {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readFailure('checkpoint', path, err, 'give a checkpoint written by hwnas train');
  }
  const bad = (what: string) => new Error(`checkpoint ${path} is ${what}: it was not written completely or is damaged; delete it and train again, or restore a good copy`);
  try {
    const head = Buffer.alloc(kMagic.length + 4);
    if (readSync(fd, head, 0, head.length, 0) !== head.length || !head.subarray(0, kMagic.length).equals(kMagic)) throw bad('not an hwnas checkpoint (bad magic)');
    const json = Buffer.alloc(head.readUInt32LE(kMagic.length));
    if (readSync(fd, json, 0, json.length, head.length) !== json.length) throw bad('truncated (header)');
    let header: Header<M>;
    try {
      header = JSON.parse(json.toString('utf8')) as Header<M>;
    } catch {
      throw bad('corrupt (header is not JSON)');
    }
    if (header.format !== 'hwnas-checkpoint' || header.version !== 1) throw bad(`of an unknown format (${header.format} v${header.version})`);
    return header.meta;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `path` starts as an hwnas checkpoint does (its magic), without reading the rest: tells
 * a foreign file from a damaged checkpoint. Throws naming the file when it cannot be read.
 */
export function hasCheckpointMagic(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readFailure('checkpoint', path, err, 'give a checkpoint written by hwnas train');
  }
  try {
    const head = Buffer.alloc(kMagic.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(kMagic);
  } catch (err) {
    throw readFailure('checkpoint', path, err, 'give a checkpoint written by hwnas train');
  } finally {
    closeSync(fd);
  }
}
