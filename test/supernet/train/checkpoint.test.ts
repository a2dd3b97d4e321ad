import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../../../supernet/train/checkpoint.js';
import { tempDir } from '../../fixtures/tempDir.js';

describe('readCheckpointMeta', () => {
  it('reads the metadata from the header alone: a checkpoint whose weights are damaged still names its meta', () => {
    const dir = tempDir('hwnas-ckmeta-');
    const path = join(dir, 'a.ckpt');
    saveCheckpoint(path, { kind: 'x', step: 7 }, { params: new Float32Array([1, 2, 3]) });
    assert.deepEqual(readCheckpointMeta(path), { kind: 'x', step: 7 });
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path, bytes);
    assert.throws(() => loadCheckpoint(path), /checksum mismatch/);
    assert.deepEqual(readCheckpointMeta(path), { kind: 'x', step: 7 });
    writeFileSync(path, 'not a checkpoint at all');
    assert.throws(() => readCheckpointMeta(path), /not an hwnas checkpoint \(bad magic\)/);
    assert.throws(() => readCheckpointMeta(join(dir, 'missing.ckpt')), /cannot read checkpoint .*missing\.ckpt: it does not exist/);
  });
});
