import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../supernet/backend/backend.js';
import { Supernet } from '../../supernet/Supernet.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { kDefaultTrainOptions } from '../../supernet/train/schedule.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { largestConfig } from '../../space/searchSpace.js';
import { decodeModel } from '../../supernet/export/onnx/schema.js';
import { microSpace } from '../fixtures/data.js';
import { tempDir } from '../fixtures/tempDir.js';
import { hwnas } from '../fixtures/cli.js';


describe('hwnas export', () => {
  let dir: string;
  let ckpt: string;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = tempDir('hwnas-export-cli-');
    ckpt = join(dir, 'micro.ckpt');
    const space = microSpace();
    const net = new Supernet(space, 4);
    const meta = { kind: 'hwnas-supernet', space, options: { ...kDefaultTrainOptions, seed: 4 }, step: 7, totalSteps: 10, stepsPerEpoch: 5, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [] } as TrainMeta;
    saveCheckpoint(ckpt, meta, { params: net.store.flatten() });
    net.dispose();
  });

  const run = (...args: string[]) => hwnas(['export', '--checkpoint', ckpt, '--bn-images', '200', '--range-images', '200', '--backend', 'wasm', ...args]);

  it('refuses an invalid config, naming each bad field, and writes nothing', () => {
    const bad = { ...largestConfig(microSpace()), wBits: [8, 8, 5, 8], aBits: [8, 8, 8, 8] };
    bad.kernels = [3, 4, 5, 5];
    bad.depths = [2, 3];
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const out = join(dir, 'bad.onnx');
    const r = run('--config', file, '--out', out);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /config\.depths\[1\] = 3 is not one of stage 1's depths \[1, 2\]/);
    assert.match(r.stderr, /config\.kernels\[1\] = 4 is not one of the space's kernels \[3, 5\]/);
    assert.match(r.stderr, /config\.wBits\[2\] = 5 is not one of \[4, 8, 32\]/);
    assert.equal(existsSync(out), false);
  });

  it('does not touch an existing output without --force, and replaces it whole with --force', () => {
    const out = join(dir, 'keep.onnx');
    writeFileSync(out, 'precious');
    const refused = run('--config', 'smallest', '--out', out);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /keep\.onnx already exists: choose another --out, or pass --force to replace it/);
    assert.equal(readFileSync(out, 'utf8'), 'precious');
    const forced = run('--config', 'smallest', '--out', out, '--force', '--format', 'onnx-int8');
    assert.equal(forced.status, 0, forced.stderr);
    const model = decodeModel(new Uint8Array(readFileSync(out))) as { graph: { node: Array<{ op_type: string }> } };
    assert.ok(model.graph.node.some((n) => n.op_type === 'QuantizeLinear'));
    assert.match(forced.stdout, /wrote .*keep\.onnx \(onnx-int8\): [\d.]+KB \(\d+ bytes\)\n {2}MACs [\d.]+[KM], params [\d.]+K, BitOps [\d.]+[KMG], \d+ activation quantization points/);
  });
});
