import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FitnessPool } from '../../evolution/FitnessPool.js';
import type { FitnessSpec } from '../../evolution/types.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { deployedConfig } from '../../space/bits.js';
import { Rng } from '../../space/rng.js';
import { layersOf } from '../../space/layers.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { linearModel, nanoSpace, syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { tempDir } from '../fixtures/tempDir.js';

const filename = new URL('../fixtures/linearFitnessWorker.js', import.meta.url).href;

describe('fitness workers with measured targets', () => {
  const dir = tempDir('hwnas-fitness-profiles-');
  const space = nanoSpace();

  it('load each measured target\'s profile named in the spec and score with it', async () => {
    const p1 = syntheticProfile(space);
    const p2 = syntheticProfile(space, { threads: 2 });
    p2.model.quantized = linearModel({ intercept: 0.05, table: 0.5 });
    const spec: FitnessSpec = {
      space,
      predictor: { file: 'linear-fixture' },
      targets: ['ort-cpu:1', 'ort-cpu:2', 'macs'],
      profiles: { 'ort-cpu:1': writeProfile(join(dir, 'one.json'), p1), 'ort-cpu:2': writeProfile(join(dir, 'two.json'), p2) },
    };
    const pool = await FitnessPool.create(spec, { workers: 2, filename, minChunk: 4 });
    try {
      assert.deepEqual(pool.targets.map((t) => [t.name, t.kind, t.unit]), [['ort-cpu:1', 'measured', 'ms'], ['ort-cpu:2', 'measured', 'ms'], ['macs', 'proxy', 'MMAC']]);
      const rng = new Rng(2);
      const configs = Array.from({ length: 40 }, () => sampleConfig(space, rng, { quant: 'mixed' }));
      const scores = await pool.score(configs);
      // Scored as deployed: the members with every running block at 32 bits are float models.
      const deployed = configs.map((c) => deployedConfig(space, c));
      assert.ok(deployed.some((c) => c.wBits === undefined) && deployed.some((c) => c.wBits !== undefined));
      const lower = (c: (typeof configs)[number]) => layersOf(space, c);
      const [one, two] = [new ProfileLatencyModel(p1, lower).predict(deployed), new ProfileLatencyModel(p2, lower).predict(deployed)];
      configs.forEach((_, i) => {
        assert.equal(scores.latency[i * 3], one[i]);
        assert.equal(scores.latency[i * 3 + 1], two[i]);
      });
    } finally {
      await pool.close();
    }
  });

  it('fail to start when a measured target has no profile, saying how to make one', async () => {
    const spec: FitnessSpec = { space, predictor: { file: 'linear-fixture' }, targets: ['ort-cpu:1'], profiles: { 'ort-cpu:1': join(dir, 'missing.json') } };
    await assert.rejects(
      (async () => {
        const pool = await FitnessPool.create(spec, { workers: 1, filename });
        await pool.close();
      })(),
      /target ort-cpu:1: latency profile .*missing\.json does not exist: measure one on this device with 'hwnas profile/,
    );
  });
});
