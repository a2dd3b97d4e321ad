import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { hybridMicroSpace } from '../fixtures/hybridSpace.js';
import { tempDir } from '../fixtures/tempDir.js';
import { hwnas } from '../fixtures/cli.js';

describe('hwnas train --rule families', () => {
  it('plans the sandwich with the families in turn and keeps it on --resume; refuses a space without families', () => {
    const dir = tempDir('hwnas-families-cli-');
    const spaceFile = join(dir, 'hybrid.json');
    writeFileSync(spaceFile, JSON.stringify(hybridMicroSpace()));
    const out = join(dir, 's.ckpt');
    const common = ['--space', spaceFile, '--out', out, '--workers', '1', '--batch-size', '16', '--eval-images', '0', '--backend', 'wasm', '--largest-epochs', '1'];
    const first = hwnas(['train', ...common, '--rule', 'families', '--max-steps', '1']);
    assert.equal(first.status, 0, first.stderr);
    const phases = () => readCheckpointMeta<TrainMeta>(out).options.phases.map((p) => [p.name, p.sandwich, p.familyTurns === true]);
    assert.deepEqual(phases(), [['largest', false, false], ['sandwich', true, true]]);
    const resumed = hwnas(['train', ...common, '--resume', '--sandwich-epochs', '2', '--max-steps', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /re-planned .*then sandwich 2 epochs/);
    assert.deepEqual(phases(), [['largest', false, false], ['sandwich', true, true]], 'a re-planned run keeps the rule');

    const mbv3 = join(dir, 'm.ckpt');
    const refused = hwnas(['train', '--space', 'fashion-mbv3', '--out', mbv3, '--rule', 'families', '--workers', '1', '--backend', 'wasm']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /--rule families takes block families in turn, and space 'fashion-mbv3' has none: use --rule sandwich/);
    assert.ok(!existsSync(mbv3), 'nothing written');
  });
});
