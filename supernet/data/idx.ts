/**
 * Reader for IDX files (the MNIST container format): a 4-byte magic (0x00 0x00, a type byte,
 * the number of dimensions), one big-endian uint32 per dimension, then the values row-major.
 * Only the unsigned-byte type (0x08) is supported, which is what (Fashion-)MNIST uses.
 * Files may be gzipped; gzip is detected by its magic bytes, not by the file name.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A decoded IDX file: its dimensions and its values, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const kIdxTypeNames: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** True when the bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes IDX bytes (already decompressed). `source` names the file in error messages.
 * Throws when the magic is wrong, the type is not unsigned byte, or the byte count does not
 * match the dimensions (truncated file or trailing bytes).
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`IDX file ${source}: too short for the 4-byte magic (${bytes.length} bytes)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `IDX file ${source}: bad magic ${hex(bytes[0])} ${hex(bytes[1])} (expected 0x00 0x00 then a type byte ` +
        `and a dimension count); is this an IDX file?`,
    );
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = kIdxTypeNames[type] ?? 'unknown type';
    throw new Error(`IDX file ${source}: value type ${hex(type)} (${name}) is not supported; expected 0x08 (unsigned byte)`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new Error(`IDX file ${source}: dimension count is 0 in the magic (expected at least 1)`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(
      `IDX file ${source}: truncated header: ${ndims} dimensions need ${headerBytes} header bytes but the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const actual = bytes.length - headerBytes;
  if (actual !== count) {
    const what = actual < count ? 'truncated' : 'trailing bytes';
    throw new Error(
      `IDX file ${source}: ${what}: dimensions [${dims.join(', ')}] need ${count} data bytes but the file has ${actual}`,
    );
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

/** Decompresses gzipped bytes; errors name `source`. Non-gzip bytes are returned as they are. */
export function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`IDX file ${source}: corrupt gzip data (${reason}); re-download or reinstall the file`);
  }
}

/** Reads and decodes an IDX file, gzipped or not. Synchronous; errors name the file. */
export function readIdx(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`IDX file ${path}: cannot be read (${reason})`);
  }
  return parseIdx(gunzipIfNeeded(raw, path), path);
}
