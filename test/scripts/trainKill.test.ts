import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import { fixturePath } from '../fixtures/data.js';
import { tempDir } from '../fixtures/tempDir.js';
import { kCliPath as cli } from '../fixtures/cli.js';


function trainArgs(out: string): string[] {
  return [cli, 'train', '--space', fixturePath('microSpace.json'), '--out', out, '--workers', '1',
    '--batch-size', '16', '--checkpoint-every', '2', '--eval-images', '0', '--backend', 'wasm'];
}

function stepOf(path: string): number {
  return loadCheckpoint<{ step: number }>(path).meta.step;
}

describe('hwnas train, killed and resumed', () => {
  it('continues from the last checkpoint after SIGKILL', async () => {
    const out = join(tempDir('hwnas-kill-'), 'run.ckpt');
    const child = spawn(process.execPath, trainArgs(out), { stdio: 'ignore' });
    const started = Date.now();
    // Wait until at least two checkpoints have been written, then kill without warning.
    while (!(existsSync(out) && stepOf(out) >= 4)) {
      assert.ok(Date.now() - started < 60_000, 'no checkpoint within 60 s');
      assert.equal(child.exitCode, null, 'training exited before it was killed');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const saved = stepOf(out);
    assert.ok(saved >= 4 && saved % 2 === 0, `checkpoint step ${saved}`);

    const resumed = spawnSync(process.execPath, [...trainArgs(out), '--resume', '--max-steps', '3'], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`paused at step ${saved + 3}/`));
    assert.equal(stepOf(out), saved + 3);
  });

  it('refuses to start over an existing checkpoint and exits non-zero with the fix', () => {
    const out = join(tempDir('hwnas-kill-'), 'run.ckpt');
    const first = spawnSync(process.execPath, [...trainArgs(out), '--max-steps', '1'], { encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    const again = spawnSync(process.execPath, [...trainArgs(out), '--max-steps', '1'], { encoding: 'utf8' });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /hwnas: .*run\.ckpt exists: pass --resume to continue it, or choose another --out/);
  });

  it('names a weight-averaging window longer than the appended phase, and an unknown schedule', () => {
    const out = join(tempDir('hwnas-kill-'), 'run.ckpt');
    const long = spawnSync(process.execPath, [...trainArgs(out), '--extend-epochs', '2', '--extend-average', '3'], { encoding: 'utf8' });
    assert.equal(long.status, 1);
    assert.match(long.stderr, /--extend-average 3 is more than the 2 appended epochs; average at most --extend-epochs/);
    const schedule = spawnSync(process.execPath, [...trainArgs(out), '--extend-epochs', '2', '--extend-schedule', 'linear'], { encoding: 'utf8' });
    assert.notEqual(schedule.status, 0);
    assert.match(schedule.stderr, /--extend-schedule.*'linear' is invalid.*cosine, constant/);
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it('a resumed run refuses a changed --batch-size or --seed, naming the value it keeps, and leaves the checkpoint as it was', () => {
    const dir = tempDir('hwnas-train-resume-');
    const out = join(dir, 'a.ckpt');
    const first = spawnSync(process.execPath, [...trainArgs(out), '--max-steps', '1'], { encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    const batch = spawnSync(process.execPath, [cli, 'train', '--space', fixturePath('microSpace.json'), '--out', out, '--workers', '1',
      '--batch-size', '32', '--eval-images', '0', '--backend', 'wasm', '--resume', '--max-steps', '1'], { encoding: 'utf8' });
    assert.equal(batch.status, 1);
    assert.match(batch.stderr, /--batch-size 32 differs from .*a\.ckpt's 16: a resumed run keeps its checkpoint's settings/);
    const seed = spawnSync(process.execPath, [...trainArgs(out), '--seed', '3', '--resume', '--max-steps', '1'], { encoding: 'utf8' });
    assert.equal(seed.status, 1);
    assert.match(seed.stderr, /--seed 3 differs from .*'s 0/);
    assert.equal(stepOf(out), 1, 'the refused runs trained nothing');
  });
});
