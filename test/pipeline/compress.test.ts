import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FolderClock } from '../../pipeline/compress.js';
import { tempDir } from '../fixtures/tempDir.js';

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('FolderClock', () => {
  it("adds a resumed run's wall time to what the earlier runs saved", async () => {
    const file = join(tempDir('hwnas-clock-'), 'wall.json');
    const first = new FolderClock(file);
    await wait(60);
    first.save();
    const saved = (JSON.parse(readFileSync(file, 'utf8')) as { seconds: number }).seconds;
    assert.ok(saved >= 0.05 && saved < 1, `first run ${saved} s`);
    const resumed = new FolderClock(file);
    await wait(60);
    assert.ok(resumed.seconds() >= saved + 0.05 && resumed.seconds() < saved + 1, `resumed ${resumed.seconds()} s after ${saved}`);
  });
});
