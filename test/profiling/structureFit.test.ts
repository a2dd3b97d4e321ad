import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { kRuntimeLatencyFeatures, kStructureLatencyFeatures, linearLatency, modelFeatures } from '../../latency/latencyFeatures.js';
import { parseLatencyProfile } from '../../latency/latencyProfile.js';
import { ProfileLatencyModel, tableSum } from '../../latency/ProfileLatencyModel.js';
import { blockFamilies } from '../../latency/structureFeatures.js';
import { adaptModel, featureClass, kFeatureClasses } from '../../profiling/adaptProfile.js';
import { fitLatencyModel, kTukey } from '../../profiling/fitProfile.js';
import { fittedProfile, profileSamples, type ProfileMeasurements } from '../../profiling/fittedProfile.js';
import { predictByRefit } from '../../profiling/crossValidateProfile.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import { layersOf } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';
import { mape } from '../../util/stats.js';
import { fresh, machine, space, table, train } from '../fixtures/hybridLatency.js';

const tableMap = new Map(Object.entries(table));

// What the whole graph costs beyond its parts: a fixed cost per block that depends on its family
// and on where it runs (a resnet block at 28x28 costs more than one at 7x7), and dense
// convolutions at 28x28 slower per MAC - none of which a whole-network sum of the format-4
// features can represent.
const kExtra: Record<string, number> = {
  'blocks:resnet:r1': 0.012, 'blocks:resnet:r2': 0.006, 'blocks:fused:r1': 0.009, 'blocks:mbconv:r4': 0.004,
  'mMacsRes:kxk:r1:f': 0.004, 'mMacsRes:kxk:r1:q': 0.003,
};
function truth(cfg: SubnetConfig): number {
  const layers = layersOf(space, cfg);
  const x = modelFeatures(layers, true, 0, { nchwcBlock: 16 }, blockFamilies(space, cfg));
  const extra = Object.entries(kExtra).reduce((s, [name, w]) => s + w * x[kStructureLatencyFeatures.indexOf(name)], 0);
  return 0.02 + tableSum(tableMap, layers, true) + extra;
}
const measurements = (ms: (cfg: SubnetConfig, i: number) => number): ProfileMeasurements => ({
  target: 'ort-cpu', threads: 1, bits: true, space, machine,
  measurement: { sampler: { warmupRuns: 5, minSampleMs: 0.25, minRounds: 10, maxRounds: 120, targetSpread: 0.02 }, budgetSeconds: 200 },
  table, subnets: train.map((config, i) => ({ config, ms: ms(config, i) })),
});
const exact = measurements(truth);
const actual = fresh.map(truth);
// The profile of the exact timings, fitted once (its nested cross-validation is the slow part) and never changed by a test.
let fittedExact: ReturnType<typeof fittedProfile> | undefined;
const exactProfile = () => (fittedExact ??= fittedProfile(exact));

describe('the structure-feature latency model (format 5)', () => {
  it('recovers per-block costs by family and resolution that the format-4 model cannot represent', () => {
    const profile = exactProfile();
    assert.equal(profile.version, 5);
    assert.deepEqual(profile.model.features, [...kStructureLatencyFeatures]);
    assert.equal(profile.model.float.robust, kTukey);
    const predicted = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg)).predict(fresh);
    assert.ok(mape(predicted, actual) < 0.5, `format 5: MAPE ${mape(predicted, actual)}% on fresh subnets`);
    const format4 = predictByRefit(profile, 'runtime', fresh);
    assert.ok(mape(format4, actual) > 2 && mape(format4, actual) > 5 * mape(predicted, actual), `format 4: MAPE ${mape(format4, actual)}%`);
    assert.deepEqual(predictByRefit(profile, 'structure', fresh), [...predicted], 'the offline refit is the fit hwnas profile makes');
  });

  it('ignores a few grossly wrong timings that bend a plain least-squares fit', () => {
    // Every 12th training subnet timed 40% slow (a slow phase its spread did not show). The
    // float model, whose 60 subnets determine its features well.
    const noisy = measurements((cfg, i) => truth(cfg) * (i % 12 === 5 ? 1.4 : 1));
    const samples = profileSamples(noisy, 'structure').filter((s) => !s.quantized).map((s) => s.sample);
    const floatFresh = fresh.filter((cfg) => cfg.wBits === undefined);
    const floatActual = floatFresh.map(truth);
    const predict = (weights: readonly number[]) => floatFresh.map((cfg) => {
      const layers = layersOf(space, cfg);
      return linearLatency(weights, modelFeatures(layers, true, tableSum(tableMap, layers, true), { nchwcBlock: 16 }, blockFamilies(space, cfg)));
    });
    const robust = mape(predict(fitLatencyModel(samples, 'test', { robust: kTukey }).weights), floatActual);
    const plain = mape(predict(fitLatencyModel(samples, 'test').weights), floatActual);
    assert.ok(robust < 0.5, `robust fit: MAPE ${robust}%`);
    assert.ok(plain > 2 && plain > 4 * robust, `plain fit: MAPE ${plain}%`);
    const profile = fittedProfile(noisy);
    const predicted = new ProfileLatencyModel(profile, (cfg) => layersOf(space, cfg)).predict(floatFresh);
    assert.ok(mape(predicted, floatActual) < 0.5, 'the profile fits robustly');
  });

  it('round-trips through JSON and predicts the same after', () => {
    const profile = exactProfile();
    const loaded = parseLatencyProfile(JSON.parse(JSON.stringify(profile)), 'p.json');
    assert.deepEqual(loaded.model, profile.model);
    const lower = (cfg: SubnetConfig) => layersOf(space, cfg);
    assert.deepEqual([...new ProfileLatencyModel(loaded, lower).predict(fresh)], [...new ProfileLatencyModel(profile, lower).predict(fresh)]);
    const bad = JSON.parse(JSON.stringify(profile)) as { model: { layout?: unknown; float: { robust?: unknown } } };
    delete bad.model.layout;
    assert.throws(() => parseLatencyProfile(bad, 'p.json'), /model\.layout: a model of the runtime features needs its layout/);
    const negative = JSON.parse(JSON.stringify(profile)) as { model: { float: { robust?: unknown } } };
    negative.model.float.robust = -1;
    assert.throws(() => parseLatencyProfile(negative, 'p.json'), /model\.float\.robust/);
  });

  it('adapts to another machine like the older formats, its new features in the existing classes', () => {
    assert.equal(featureClass('blocks:resnet:r1'), 'ops');
    assert.equal(featureClass('mMacsRes:kxk:r2:q'), 'mMacs:dense');
    assert.equal(featureClass('mMacsRes:dw:r4:dq'), 'mMacs:dw');
    assert.ok(kStructureLatencyFeatures.every((f) => kFeatureClasses.includes(featureClass(f))));
    const profile = exactProfile();
    // "Another machine": everything 1.3x slower; 12 subnets measured there.
    const adapted = adaptModel(profile, fresh.filter((_, i) => i % 5 === 0).map((config) => ({ config, ms: 1.3 * truth(config) })));
    const predicted = new ProfileLatencyModel({ ...profile, model: adapted.model }, (cfg) => layersOf(space, cfg)).predict(fresh);
    assert.ok(mape(predicted, actual.map((ms) => 1.3 * ms)) < 0.5, `adapted: MAPE ${mape(predicted, actual.map((ms) => 1.3 * ms))}%`);
  });

  it('leaves a format-4 profile predicting exactly as before', () => {
    // The fashion-hybrid profile shipped before format 5 (kept as a fixture: users hold such files).
    const path = 'test/fixtures/profiles/fashion-hybrid-v4-ort-cpu-1.json';
    const data = JSON.parse(readFileSync(path, 'utf8')) as { version: number };
    assert.equal(data.version, 4);
    const old = parseLatencyProfile(data, path);
    assert.deepEqual(old.model.features, [...kRuntimeLatencyFeatures]);
    const layout = old.model.layout as { nchwcBlock: number };
    const table4 = new Map(Object.entries(old.table));
    const cfgs = [...sampleSubnets(old.space, 'fp32', 5, 3), ...sampleSubnets(old.space, 'mixed', 5, 4)];
    const expected = cfgs.map((cfg) => {
      const layers = layersOf(old.space, cfg);
      const m = cfg.wBits === undefined ? old.model.float : old.model.quantized!;
      return linearLatency(m.weights, modelFeatures(layers, true, tableSum(table4, layers, true), layout));
    });
    assert.deepEqual([...new ProfileLatencyModel(old, (cfg) => layersOf(old.space, cfg)).predict(cfgs)], expected);
  });
});
