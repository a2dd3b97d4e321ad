import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isGzip, parseIdx, readIdx } from '../../../supernet/data/idx.js';
import { encodeIdx, makeTempDir } from './idxFixture.js';

/** Asserts that `fn` throws an error whose message names `path` and matches `pattern`. */
function throwsNaming(fn: () => unknown, path: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.ok(err.message.includes(path), `message does not name ${path}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('readIdx', () => {
  const { dir, cleanup } = makeTempDir('idx');
  after(cleanup);
  const dims = [2, 3, 2];
  const data = Array.from({ length: 12 }, (_, i) => i * 20);
  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads a gzipped file', () => {
    const out = readIdx(write('ok.gz', gzipSync(encodeIdx(dims, data))));
    assert.deepEqual(out.dims, dims);
    assert.deepEqual(Array.from(out.data), data);
  });

  it('detects gzip by content, not by name', () => {
    const plainNamedGz = readIdx(write('plain.gz', encodeIdx(dims, data)));
    const gzNamedPlain = readIdx(write('zipped.idx', gzipSync(encodeIdx(dims, data))));
    assert.deepEqual(Array.from(plainNamedGz.data), data);
    assert.deepEqual(Array.from(gzNamedPlain.data), data);
    assert.equal(isGzip(encodeIdx(dims, data)), false);
    assert.equal(isGzip(gzipSync(encodeIdx(dims, data))), true);
  });

  it('reads a 1-D label file', () => {
    const out = readIdx(write('labels', encodeIdx([4], [9, 0, 3, 1])));
    assert.deepEqual(out.dims, [4]);
    assert.deepEqual(Array.from(out.data), [9, 0, 3, 1]);
  });

  it('rejects a bad magic', () => {
    const bytes = encodeIdx(dims, data);
    bytes[0] = 0x12;
    const path = write('badmagic', bytes);
    throwsNaming(() => readIdx(path), path, /bad magic 0x12 0x00/);
  });

  it('rejects a value type other than unsigned byte', () => {
    const path = write('float', encodeIdx([3], [0, 0, 0], 0x0d));
    throwsNaming(() => readIdx(path), path, /type 0x0d \(float32\) is not supported; expected 0x08/);
  });

  it('rejects zero dimensions and a truncated header', () => {
    const zero = write('zerodims', Uint8Array.of(0, 0, 8, 0));
    throwsNaming(() => readIdx(zero), zero, /dimension count is 0/);
    const short = write('shorthdr', encodeIdx(dims, data).subarray(0, 10));
    throwsNaming(() => readIdx(short), short, /truncated header: 3 dimensions need 16 header bytes but the file has 10/);
    const tiny = write('tiny', Uint8Array.of(0, 0));
    throwsNaming(() => readIdx(tiny), tiny, /too short/);
  });

  it('rejects truncated data, gzipped or not', () => {
    const bytes = encodeIdx(dims, data).subarray(0, -1);
    const plain = write('trunc', bytes);
    throwsNaming(() => readIdx(plain), plain, /truncated: dimensions \[2, 3, 2\] need 12 data bytes but the file has 11/);
    const zipped = write('trunc.gz', gzipSync(bytes));
    throwsNaming(() => readIdx(zipped), zipped, /truncated/);
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeIdx(dims, [...data, 0, 0]);
    bytes.set([0, 0, 0, 2], 4);
    const path = write('trailing', bytes);
    throwsNaming(() => readIdx(path), path, /trailing bytes: dimensions \[2, 3, 2\] need 12 data bytes but the file has 14/);
  });

  it('rejects corrupt gzip data', () => {
    const zipped = gzipSync(encodeIdx(dims, data));
    const cut = write('cut.gz', zipped.subarray(0, zipped.length - 6));
    throwsNaming(() => readIdx(cut), cut, /corrupt gzip data/);
    const badCrc = Uint8Array.from(zipped);
    badCrc[badCrc.length - 8] ^= 0xff;
    const crc = write('crc.gz', badCrc);
    throwsNaming(() => readIdx(crc), crc, /corrupt gzip data/);
  });

  it('names a file that cannot be read', () => {
    const path = join(dir, 'absent');
    throwsNaming(() => readIdx(path), path, /cannot be read/);
  });

  it('parseIdx names the given source', () => {
    throwsNaming(() => parseIdx(Uint8Array.of(1, 2, 3, 4), 'memory:x'), 'memory:x', /bad magic/);
  });
});
