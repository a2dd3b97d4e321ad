import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { Rng } from '../../space/rng.js';
import { layersOf } from '../../space/layers.js';
import { largestConfig, sampleConfig, smallestConfig } from '../../space/searchSpace.js';
import { createTargetModel } from '../../latency/targets.js';
import type { SubnetConfig } from '../../space/types.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { microSpace } from '../fixtures/data.js';
import { nanoSpace, syntheticProfile } from '../fixtures/latencyProfiles.js';

const space = nanoSpace();
const lower = (cfg: SubnetConfig) => layersOf(space, cfg);

describe('ProfileLatencyModel', () => {
  it('predicts the linear model of the table sum and operator features, with the weights of the config\'s precision', () => {
    const profile = syntheticProfile(space);
    const model = new ProfileLatencyModel(profile, lower);
    assert.equal(model.kind, 'measured');
    assert.equal(model.unit, 'ms');
    assert.equal(model.target, 'ort-cpu:1');
    for (const quant of ['fp32', 'mixed'] as const) {
      const cfg = smallestConfig(space, { quant });
      const parts = latencyParts(lower(cfg));
      const sum = parts.reduce((s, p) => s + profile.table[p.key], 0);
      const layers = lower(cfg);
      const kOut = layers.reduce((s, l) => s + (l.outH * l.outW * l.outC) / 1000, 0);
      // By hand: the fixture's float model is 0.02 + 1.1 table + 0.003 per op + 0.001 per 1k output elements;
      // its quantized one 0.05 + 0.9 table + 0.004 per int8 op + conversions (none: the nano space's
      // smallest mixed config runs every operator at 8 bits).
      assert.ok(quant === 'fp32' || layers.every((l) => l.wBits === 8 && l.aBits === 8), 'the case computed by hand');
      const expected = quant === 'fp32' ? 0.02 + 1.1 * sum + 0.003 * layers.length + 0.001 * kOut : 0.05 + 0.9 * sum + 0.004 * layers.length;
      assert.ok(Math.abs(model.predict([cfg])[0] - expected) < 1e-12, `${quant}: ${model.predict([cfg])[0]} vs ${expected}`);
    }
  });

  it('predicts a batch as it predicts each config', () => {
    const model = new ProfileLatencyModel(syntheticProfile(space), lower);
    const rng = new Rng(3);
    const configs = Array.from({ length: 200 }, (_, i) => sampleConfig(space, rng, { quant: i % 2 ? 'mixed' : 'fp32' }));
    const batch = model.predict(configs);
    assert.ok(batch instanceof Float64Array);
    assert.equal(batch.length, 200);
    configs.forEach((cfg, i) => assert.equal(batch[i], model.predict([cfg])[0]));
    assert.ok(new Set(batch).size > 20, 'different configs get different latencies');
  });

  it('runs every config as its float graph on a runtime without bits', () => {
    const model = new ProfileLatencyModel(syntheticProfile(space, { bits: false, target: 'tfjs-wasm' }), lower);
    const mixed = sampleConfig(space, new Rng(5), { quant: 'mixed' });
    const { wBits: _w, aBits: _a, ...float } = mixed;
    assert.equal(model.predict([mixed])[0], model.predict([float])[0]);
  });

  it('refuses a search space that lowers configs differently from the profile\'s', () => {
    const other = { ...space, stem: { ...space.stem, width: 16 } };
    for (const otherLower of [(cfg: SubnetConfig) => layersOf(other, cfg), (cfg: SubnetConfig) => layersOf(fashionMbv3, cfg)]) {
      assert.throws(() => new ProfileLatencyModel(syntheticProfile(space), otherLower, 'profile p.json'),
        /profile p\.json was measured for search space 'nano', which the search does not use: measure a profile of this space with 'hwnas profile --target ort-cpu:1 --space FILE/);
    }
  });

  it('names the parts of a wider space that the profile never measured', () => {
    const micro = microSpace();
    const model = new ProfileLatencyModel(syntheticProfile(space), (cfg) => layersOf(micro, cfg), 'profile p.json');
    const cfg = { ...smallestConfig(micro), kernels: [5, 3, 3, 3] };
    assert.throws(() => model.predict([cfg]), /profile p\.json has no entry for part 'block:14x14:8-16-8:k5s2:relu\+se:wf-af-inf'/);
  });

  it('names a part missing from the table', () => {
    const profile = syntheticProfile(space);
    const cfg = smallestConfig(space);
    const missing = latencyParts(lower(cfg))[1].key;
    delete profile.table[missing];
    const model = new ProfileLatencyModel(profile, lower, 'profile p.json');
    assert.throws(() => model.predict([cfg]), new RegExp(`profile p\\.json has no entry for part '${missing.replace(/[+]/g, '\\+')}'`));
  });
});

describe('ProfileLatencyModel on the format-2 fashion-mbv3 profiles', () => {
  // Predictions of the fashion-mbv3 profiles shipped until format 5 (test/fixtures/profiles),
  // taken before the lowering marked its blocks and latencyParts learned other families: the
  // keys, and so every prediction, must not change.
  const golden: Record<string, [number, number, number, number]> = {
    'ort-cpu:1': [0.6004949538273521, 0.06317191328182006, 0.6161079427629882, 0.11631831777962708],
    'ort-cpu:2': [0.37380159439299987, 0.06499966566966733, 0.4296238711279824, 0.12019176151727486],
  };
  for (const [spec, expected] of Object.entries(golden)) {
    it(`${spec} predicts fashion-mbv3's largest and smallest configs, float and mixed, as before`, async () => {
      const profile = `test/fixtures/profiles/fashion-mbv3-v2-${spec.replace(':', '-')}.json`;
      const model = await createTargetModel(spec, (cfg) => layersOf(fashionMbv3, cfg), { profile });
      const configs = [largestConfig(fashionMbv3), smallestConfig(fashionMbv3), largestConfig(fashionMbv3, { quant: 'mixed' }), smallestConfig(fashionMbv3, { quant: 'mixed' })];
      const got = model.predict(configs);
      expected.forEach((ms, i) => assert.ok(Math.abs(got[i] - ms) < 1e-12, `${spec} config ${i}: ${got[i]} ms, was ${ms} ms`));
      // And every random config finds its parts in the table.
      const rng = new Rng(4);
      const random = Array.from({ length: 200 }, (_, i) => sampleConfig(fashionMbv3, rng, { quant: i % 2 ? 'mixed' : 'fp32' }));
      assert.ok(model.predict(random).every((ms) => Number.isFinite(ms) && ms > 0));
    });
  }
});
