import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkOutputPath, describeFsError, publicPath } from '../../util/fsErrors.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-fserrors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const errno = (code: string, path: string) => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, path, syscall: 'open' });

describe('describeFsError', () => {
  it('says what went wrong in words, naming the output and not its temporary sibling', () => {
    const msg = describeFsError(errno('EROFS', '/mnt/ro/.model.onnx.tmp-123-lx2k9'));
    assert.equal(msg, 'cannot write /mnt/ro/model.onnx: /mnt/ro/model.onnx is on a read-only file system: choose a writable place');
    assert.doesNotMatch(msg, /EROFS|tmp-/);
    assert.match(describeFsError(errno('ENOSPC', '/d/.search.tmp-1-a/search-rpi4.json')), /^cannot write \/d\/search\/search-rpi4\.json: no space left on the device/);
    assert.match(describeFsError(errno('EEXIST', '/d/out')), /\/d\/out already exists: choose another path, or pass --force/);
    assert.match(describeFsError(errno('ENOTDIR', '/d/file/x')), /a part of \/d\/file\/x is a file, not a folder/);
    assert.equal(publicPath('/a/.b.json.old-9-z/c'), '/a/b.json/c');
  });
});

describe('checkOutputPath', () => {
  it('refuses, before any work, what cannot take the output', () => {
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    mkdirSync(join(dir, 'folder'));
    assert.throws(() => checkOutputPath(file, { kind: 'folder' }), /--out .*file\.txt is a file, not a folder/);
    assert.throws(() => checkOutputPath(join(dir, 'folder'), { kind: 'file', existing: 'replace' }), /--out .*folder is a folder, not a file/);
    assert.throws(() => checkOutputPath(join(dir, 'folder'), { kind: 'folder' }), /folder already exists: choose another --out, or pass --force to replace it/);
    assert.throws(() => checkOutputPath(join(file, 'sub', 'x.json'), { kind: 'file' }), /cannot be created: .*file\.txt is a file, not a folder/);
    assert.throws(() => checkOutputPath('/proc/self/hwnas-out', { kind: 'folder' }), /--out \/proc\/self\/hwnas-out is under \/proc, a kernel pseudo-file system/);
    assert.throws(() => checkOutputPath('/sys/x.json', { kind: 'file', flag: '--json' }), /--json \/sys\/x\.json is under \/sys/);
    checkOutputPath(join(dir, 'folder'), { kind: 'folder', existing: 'replace' });
    checkOutputPath(join(dir, 'new', 'deeper', 'x.json'), { kind: 'file' });
  });
});
