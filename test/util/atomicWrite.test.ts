import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFolderAtomic, writeFileAtomic, writeFolderAtomic } from '../../util/atomicWrite.js';
import { tempDir } from '../fixtures/tempDir.js';

describe('atomic writes', () => {
  it('a failing write leaves the existing file untouched and no temporary behind', () => {
    const dir = tempDir('hwnas-atomic-');
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
    const dir = tempDir('hwnas-atomic-');
    const out = join(dir, 'model');
    writeFolderAtomic(out, { 'a.txt': 'old', 'b.bin': new Uint8Array([9]) });
    writeFolderAtomic(out, { 'a.txt': 'new' });
    assert.deepEqual(readdirSync(out), ['a.txt']);
    assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['model']);
  });

  it('a folder built by any code appears only when the build resolves', async () => {
    const dir = tempDir('hwnas-atomic-');
    const out = join(dir, 'run');
    writeFolderAtomic(out, { 'old.txt': 'precious' });
    await assert.rejects(buildFolderAtomic(out, async (tmp) => {
      writeFileSync(join(tmp, 'model.onnx'), 'half');
      throw new Error('verify failed half-way');
    }), /verify failed half-way/);
    assert.deepEqual(readdirSync(dir), ['run']);
    assert.deepEqual(readdirSync(out), ['old.txt']);
    const value = await buildFolderAtomic(out, async (tmp) => {
      mkdirSync(join(tmp, 'sub'));
      writeFileSync(join(tmp, 'sub', 'model.onnx'), 'whole');
      return 42;
    });
    assert.equal(value, 42);
    assert.deepEqual(readdirSync(out), ['sub']);
    assert.equal(readFileSync(join(out, 'sub', 'model.onnx'), 'utf8'), 'whole');
    assert.deepEqual(readdirSync(dir), ['run']);
  });

  it('removes the temporaries a writer killed with -9 left, and keeps those of running writers', async () => {
    const dir = tempDir('hwnas-atomic-');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const out = join(dir, 'verify');
    mkdirSync(join(dir, `.verify.tmp-${dead}-abc`));
    writeFileSync(join(dir, `.verify.tmp-${dead}-abc`, 'model.onnx'), 'half');
    mkdirSync(join(dir, `.verify.tmp-${process.pid}-def`));
    writeFileSync(join(dir, `.other.tmp-${dead}-abc`), 'not ours');
    await buildFolderAtomic(out, async (tmp) => writeFileSync(join(tmp, 'verify.json'), '{}'));
    assert.deepEqual(readdirSync(dir).sort(), ['.other.tmp-' + dead + '-abc', `.verify.tmp-${process.pid}-def`, 'verify']);
    // A replaced folder moved aside is removed only once the output exists again.
    const file = join(dir, 'run.ckpt');
    writeFileSync(join(dir, `.run.ckpt.tmp-${dead}-x1`), 'half');
    writeFileSync(join(dir, `.run.ckpt.old-${dead}-x1`), 'previous');
    writeFileAtomic(file, 'new');
    assert.ok(readdirSync(dir).includes(`.run.ckpt.old-${dead}-x1`));
    assert.ok(!readdirSync(dir).includes(`.run.ckpt.tmp-${dead}-x1`));
    writeFileAtomic(file, 'newer');
    assert.ok(!readdirSync(dir).includes(`.run.ckpt.old-${dead}-x1`));
  });
});
