import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFolderAtomic } from '../../supernet/atomicWrite.js';

describe('atomic writes', () => {
  it('a failing write leaves the existing file untouched and no temporary behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-atomic-'));
    const path = join(dir, 'model.onnx');
    writeFileSync(path, 'precious');
    assert.throws(() => writeFileAtomic(path, () => {
      throw new Error('export failed half-way');
    }), /export failed half-way/);
    assert.equal(readFileSync(path, 'utf8'), 'precious');
    assert.deepEqual(readdirSync(dir), ['model.onnx']);
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    assert.deepEqual(readdirSync(dir), ['model.onnx']);
  });

  it('a folder is replaced only when the new one is complete', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-atomic-'));
    const out = join(dir, 'model');
    writeFolderAtomic(out, { 'a.txt': 'old', 'b.bin': new Uint8Array([9]) });
    writeFolderAtomic(out, { 'a.txt': 'new' });
    assert.deepEqual(readdirSync(out), ['a.txt']);
    assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['model']);
  });
});
