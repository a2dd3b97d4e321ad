import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { kLatencyFeatures, kRuntimeLatencyFeatures, kStructureLatencyFeatures, latencyFeatures, linearLatency, modelFeatures } from '../../latency/latencyFeatures.js';
import { parseLatencyProfile, type LatencyProfile } from '../../latency/latencyProfile.js';
import { ProfileLatencyModel, tableSum } from '../../latency/ProfileLatencyModel.js';
import { fitLatencyModel, fitWeights, kTukey } from '../../profiling/fitProfile.js';
import { fittedProfile, profileSamples, refitProfile, type ProfileMeasurements } from '../../profiling/fittedProfile.js';
import { crossValidateProfile, agreementOf } from '../../profiling/crossValidateProfile.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import { layersOf } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';
import { mape, median, shareWithin } from '../../util/stats.js';
import { fresh, machine, space, table, train } from '../fixtures/hybridLatency.js';

// Isolated parts cost what their MACs and operators say (the fixture's table); the whole graph
// adds what onnxruntime dispatches between them - NCHWc reorders on this AVX-512 CPU - which no sum of parts and no
// per-operator feature of the format-3 model can represent.
const at = (x: Float64Array, name: string) => x[kRuntimeLatencyFeatures.indexOf(name)];
function truth(cfg: SubnetConfig): number {
  const layers = layersOf(space, cfg);
  const x = modelFeatures(layers, true, 0, { nchwcBlock: 16 });
  return 0.02 + tableSum(new Map(Object.entries(table)), layers, true) + 0.006 * at(x, 'reorders') + 0.002 * at(x, 'kReorder');
}
const measurements: ProfileMeasurements = {
  target: 'ort-cpu', threads: 1, bits: true, space, machine,
  measurement: { sampler: { warmupRuns: 5, minSampleMs: 0.25, minRounds: 10, maxRounds: 120, targetSpread: 0.02 }, budgetSeconds: 200 },
  table, subnets: train.map((config) => ({ config, ms: truth(config) })),
};
// The profile of those timings, fitted once (its nested cross-validation is the slow part) and never changed by a test.
let fitted: ReturnType<typeof fittedProfile> | undefined;
const measuredProfile = () => (fitted ??= fittedProfile(measurements));

describe('the runtime-feature latency model', () => {
  it('recovers a whole-graph reorder cost the per-operator model cannot represent', () => {
    const profile = parseLatencyProfile(JSON.parse(JSON.stringify(measuredProfile())), 'fit.json');
    assert.equal(profile.version, 5, 'this version fits the structure features, which extend the runtime ones');
    assert.deepEqual(profile.model.layout, { nchwcBlock: 16 });
    const model = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg));
    const predicted = model.predict(fresh);
    const actual = fresh.map(truth);
    assert.ok(mape(predicted, actual) < 0.5, `new model MAPE ${mape(predicted, actual)}% on fresh subnets`);
    for (const m of [profile.model.float, profile.model.quantized!]) assert.ok(m.crossValidated.mape < 0.5, JSON.stringify(m.crossValidated));
    // The format-3 model on the same measurements, fitted the same way.
    const old = profileSamples(measurements);
    const oldModel = (quantized: boolean) => fitLatencyModel(old.filter((s) => s.quantized === quantized).map((s) => s.sample), 'old');
    const oldFit = { float: oldModel(false), quantized: oldModel(true) };
    const oldPredicted = fresh.map((cfg) => {
      const layers = layersOf(space, cfg);
      const m = cfg.wBits === undefined ? oldFit.float : oldFit.quantized;
      return linearLatency(m.weights, latencyFeatures(layers, true, tableSum(new Map(Object.entries(table)), layers, true)));
    });
    assert.ok(mape(oldPredicted, actual) > 5 * mape(predicted, actual) && mape(oldPredicted, actual) > 2, `old MAPE ${mape(oldPredicted, actual)}%`);
    assert.ok(shareWithin(predicted, actual, 2) === 1, 'every fresh subnet within 2%');
  });

  it('cross-validates both models offline, per precision group', () => {
    const profile = measuredProfile();
    const held = { operators: crossValidateProfile(profile, 'operators'), runtime: crossValidateProfile(profile, 'runtime') };
    for (const group of ['fp32', 'int8', 'mixed']) {
      const [old, now] = [held.operators, held.runtime].map((h) => agreementOf(h.filter((r) => r.group === group)));
      assert.equal(now.subnets, 60);
      assert.ok(now.mape < 0.5 && now.shareWithin10 === 1, `${group}: ${JSON.stringify(now)}`);
      assert.ok(old.mape > now.mape, `${group}: old ${JSON.stringify(old)}`);
    }
    // Float graphs are where NCHWc reorders are (quantized layers run NHWC): the old model is far off there.
    const oldFloat = agreementOf(held.operators.filter((r) => r.group === 'fp32'));
    assert.ok(oldFloat.mape > 5 && oldFloat.shareWithin10 < 0.6, JSON.stringify(oldFloat));
  });

  it('loads an old profile and predicts with its stored model exactly as before; --refit fits the new one', () => {
    // The fashion-mbv3 profile shipped before format 5 (kept as a fixture: users hold such files).
    const path = 'test/fixtures/profiles/fashion-mbv3-v2-ort-cpu-1.json';
    const data = JSON.parse(readFileSync(path, 'utf8')) as { version: number; model: { features: string[] } };
    assert.equal(data.version, 2);
    const old = parseLatencyProfile(data, path);
    assert.deepEqual(old.model.features, [...kLatencyFeatures]);
    const model = new ProfileLatencyModel(old, (cfg) => layersOf(old.space, cfg));
    const cfgs = sampleSubnets(old.space, 'mixed', 5, 3);
    const tableOf = new Map(Object.entries(old.table));
    const expected = cfgs.map((cfg) => {
      const layers = layersOf(old.space, cfg);
      return linearLatency(old.model.quantized!.weights, latencyFeatures(layers, true, tableSum(tableOf, layers, true)));
    });
    assert.deepEqual([...model.predict(cfgs)], expected);
    const refit: LatencyProfile = refitProfile(data, path);
    assert.equal(refit.version, 5);
    assert.deepEqual(refit.model.layout, { nchwcBlock: 8 }, 'a format-2 profile records no cpu flags: the AVX2 block');
    assert.deepEqual(refit.model.features, [...kStructureLatencyFeatures]);
    assert.deepEqual(refit.subnets, old.subnets);
    assert.equal(refit.model.quantized?.nonNegative, true, 'this version fits weights >= 0');
  });
});

describe('the non-negative fit', () => {
  // Two-thread measurements of fashion-mbv3 (noisy): where the free fit's negative weights cancel
  // wrongly, a search finds subnets predicted far too fast.
  const data = JSON.parse(readFileSync('test/fixtures/profiles/fashion-mbv3-v2-ort-cpu-2.json', 'utf8')) as unknown;
  const profile = parseLatencyProfile(data, 'fixture');
  const samples = profileSamples(profile, 'structure').filter((s) => s.quantized).map((s) => s.sample);
  const free = fitWeights(samples, 1e-3, { robust: kTukey });
  const nonNegative = fitWeights(samples, 1e-3, { robust: kTukey, nonNegative: true });
  const relError = (w: readonly number[]) => median(samples.map((s) => Math.abs(linearLatency(w, s.features) / s.ms - 1)));

  it('keeps every weight >= 0 where the free fit has negative ones, and fits about as well', () => {
    assert.ok(free.some((w) => w < -1e-6), 'the free fit has negative weights on these samples');
    assert.ok(nonNegative.every((w) => w >= 0), `negative weight ${Math.min(...nonNegative)}`);
    assert.ok(relError(nonNegative) < 1.5 * relError(free), `median error ${relError(nonNegative)} vs free ${relError(free)}`);
  });

  it('never predicts a subnet faster for having one more block', () => {
    const predict = (cfg: SubnetConfig) => linearLatency(nonNegative, profileSamples({ ...profile, subnets: [{ config: cfg, ms: 1 }] }, 'structure')[0].sample.features);
    let pairs = 0;
    for (const cfg of sampleSubnets(profile.space, 'mixed', 60, 11)) {
      const stage = cfg.depths.findIndex((d, i) => d < Math.max(...profile.space.stages[i].depths));
      if (stage < 0) continue;
      const deeper = { ...cfg, depths: cfg.depths.map((d, i) => (i === stage ? d + 1 : d)) };
      assert.ok(predict(deeper) >= predict(cfg) - 1e-12, `${JSON.stringify(deeper)} predicted below ${JSON.stringify(cfg)}`);
      pairs++;
    }
    assert.ok(pairs >= 20, `only ${pairs} pairs`);
  });
});
