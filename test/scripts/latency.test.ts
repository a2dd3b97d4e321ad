/**
 * `hwnas latency` through the built CLI, on the shipped fashion-hybrid profile: the predicted
 * latency of the baselines' configs (what a search needs as their budgets), as a table and as
 * JSON; a missing profile or a config of another space ends with exit 1 and the reason.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { hwnas } from '../fixtures/cli.js';

const at = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const profile = at('models/hybrid/ort-cpu-1.json');

describe('hwnas latency', () => {
  it("prints the profile's prediction for each config, as a table or JSON", () => {
    const table = hwnas(['latency', '--profile', profile, '--config', at('models/baselines/resnet8.json'), '--config', at('models/baselines/resnet14.json')]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /config\s+MACs\s+ort-cpu:1 predicted ms/);
    assert.match(table.stdout, /resnet8\.json\s+9\.35M\s+0\.18\d\d/);
    assert.match(table.stdout, /resnet14\.json\s+20\.18M\s+0\.37\d\d/);
    const json = hwnas(['latency', '--profile', profile, '--config', at('models/baselines/resnet8.json'), '--config', 'largest', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const rows = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { config: string; target: string; space: string; macs: number; predictedMs: number });
    assert.equal(rows.length, 2);
    assert.deepEqual([rows[0].target, rows[0].space, rows[0].macs], ['ort-cpu:1', 'fashion-hybrid', 9345920]);
    // The shipped profile's figure for ResNet-8 (measured there at 0.1835 ms, BENCHMARKS.md).
    assert.ok(Math.abs(rows[0].predictedMs - 0.1843) < 0.0005, `ResNet-8 predicted ${rows[0].predictedMs} ms`);
    assert.ok(rows[1].predictedMs > 4 * rows[0].predictedMs, 'the largest subnet is predicted far slower than ResNet-8');
  });

  it('refuses a missing profile, a transformer profile and a config of another space, naming the problem', () => {
    const missing = hwnas(['latency', '--profile', 'nowhere.json']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /latency profile nowhere\.json does not exist: measure one on this device with 'hwnas profile --target TARGET:THREADS --out nowhere\.json'/);
    const other = hwnas(['latency', '--profile', at('models/profiles/ort-cpu-1.json'), '--config', at('models/baselines/resnet8.json')]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /invalid subnet config for space 'fashion-mbv3'/);
    assert.equal(other.stdout, '');
    const vit = hwnas(['latency', '--profile', at('models/vit/ort-cpu-1.json')]);
    assert.equal(vit.status, 1);
    assert.match(vit.stderr, /models\/vit\/ort-cpu-1\.json is a transformer latency profile: hwnas latency predicts configs of a CNN space/);
  });
});
