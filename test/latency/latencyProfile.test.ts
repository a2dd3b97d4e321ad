import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kRuntimeLatencyFeatures } from '../../latency/latencyFeatures.js';
import { loadLatencyProfile, parseLatencyProfile } from '../../latency/latencyProfile.js';
import { largestConfig } from '../../space/searchSpace.js';
import { nanoSpace, syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const dir = tempDir('hwnas-profile-schema-');
const space = nanoSpace();

describe('latency profile files', () => {
  it('round-trip through JSON unchanged', () => {
    const profile = { ...syntheticProfile(space), subnets: [{ config: largestConfig(space, { quant: 'mixed' }), ms: 0.25 }] };
    const path = writeProfile(join(dir, 'ok.json'), profile);
    assert.deepEqual(loadLatencyProfile(path), profile);
  });

  it('say how to make a profile when the file is missing', () => {
    assert.throws(() => loadLatencyProfile(join(dir, 'none.json')),
      /latency profile .*none\.json does not exist: measure one on this device with 'hwnas profile --target TARGET:THREADS --out .*none\.json'/);
  });

  it('refuse files that are not JSON', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"format": ');
    assert.throws(() => loadLatencyProfile(path), /latency profile .*bad\.json is not JSON .*re-create it with 'hwnas profile'/);
  });

  it('name every schema problem by its path', () => {
    const good = syntheticProfile(space);
    const cases: [unknown, RegExp][] = [
      [{ ...good, version: 1 }, /version: Invalid input/],
      [{ ...good, format: 'other' }, /format: Invalid input/],
      [{ ...good, threads: 0 }, /threads: Too small/],
      [{ ...good, table: { 'stem:x': 'fast' } }, /table\.stem:x: Invalid input: expected number/],
      [{ ...good, model: { features: good.model.features, float: good.model.float } }, /model\.quantized: a profile with bits needs a quantized model/],
      [{ ...good, model: { ...good.model, float: { ...good.model.float, weights: [1, 2] } } }, /model\.float\.weights: expected 58 weights, one per feature \(got 2\)/],
      [{ ...good, model: { ...good.model, layout: { nchwcBlock: 16 } } }, /model\.layout: only a model of the runtime features has a layout/],
      [{ ...good, model: { ...good.model, features: [...kRuntimeLatencyFeatures] } }, /model\.layout: a model of the runtime features needs its layout/],
      [{ ...good, model: { ...good.model, features: ['intercept', 'scale'] } }, /model\.features: the model uses other features than this version of hwnas: re-fit it with 'hwnas profile --refit FILE'/],
      [{ ...good, extra: 1 }, /\(root\): Unrecognized key: "extra"/],
      [{ ...good, subnets: [{ config: { ...largestConfig(space), kernels: [3, 4, 3, 3] }, ms: 1 }] }, /subnets\.0\.config: config\.kernels\[1\] = 4 is not one of/],
      [{ ...good, subnets: [{ config: largestConfig(space), ms: -1 }] }, /subnets\.0\.ms: Too small/],
      [{ ...good, machine: { ...good.machine, createdAt: 'yesterday' } }, /machine\.createdAt/],
    ];
    for (const [data, message] of cases) {
      assert.throws(() => parseLatencyProfile(data, 'p.json'), (err: Error) => {
        assert.match(err.message, /^latency profile p\.json is invalid:/);
        assert.match(err.message, message);
        return true;
      });
    }
  });
});
