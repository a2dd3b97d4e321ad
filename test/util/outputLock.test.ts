import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lockPath, OutputLock } from '../../util/outputLock.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('OutputLock', () => {
  it('holds the PID in an exclusive lock file; a second writer refuses; release frees it', () => {
    const out = join(dir, 'out');
    const lock = OutputLock.acquire(out);
    assert.equal(readFileSync(lockPath(out), 'utf8'), `${process.pid}\n`);
    assert.throws(() => OutputLock.acquire(out), new RegExp(`out is being written by another hwnas run \\(process ${process.pid}\\)`));
    lock.release();
    assert.equal(existsSync(lockPath(out)), false);
    OutputLock.acquire(out).release();
  });

  it('takes over a stale lock (its process is gone, or it holds no PID)', () => {
    const out = join(dir, 'stale');
    for (const content of ['2147483646\n', '']) {
      writeFileSync(lockPath(out), content);
      const lock = OutputLock.acquire(out);
      assert.equal(readFileSync(lockPath(out), 'utf8'), `${process.pid}\n`);
      lock.release();
    }
  });
});
