import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kLatencyFeatures } from '../../latency/latencyFeatures.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import type { LatencyProfile, LinearModel } from '../../latency/latencyProfile.js';
import { adaptModel, adaptProfile, featureClass, fitScales, kFeatureClasses } from '../../profiling/adaptProfile.js';
import { refitProfile, type AdaptableSource } from '../../profiling/fittedProfile.js';
import { subnetGraph } from '../../profiling/measureSubnet.js';
import { profileDevice } from '../../profiling/profileDevice.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import { layersOf } from '../../space/layers.js';
import { mape } from '../../util/stats.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { containerRuntime } from '../fixtures/containerBenchRuntime.js';
import { linearModel, nanoSpace, syntheticProfile } from '../fixtures/latencyProfiles.js';
import { microSpace } from '../fixtures/data.js';
import { tempDir } from '../fixtures/tempDir.js';

const space = microSpace();
const source = syntheticProfile(space);
source.model.float = linearModel({ intercept: 0.02, table: 1.1, 'ops:ff': 0.003, 'kOut:ff': 0.001, 'mMacs:pw:ff': 0.02, 'mMacs:dw:ff': 0.01 });

/** The source model with every class's weights times `scale(class)`: "another machine". */
function scaledProfile(scale: (cls: string) => number): LatencyProfile {
  const scaleModel = (m: LatencyProfile['model']['float']) => ({ ...m, weights: m.weights.map((w, j) => w * scale(featureClass(kLatencyFeatures[j]))) });
  return { ...source, model: { ...source.model, float: scaleModel(source.model.float), quantized: scaleModel(source.model.quantized!) } };
}

const lower = (cfg: Parameters<typeof layersOf>[1]) => layersOf(space, cfg);
const configs = [...sampleSubnets(space, 'fp32', 20, 1), ...sampleSubnets(space, 'int8', 20, 2)];

describe('adaptModel', () => {
  it('groups features into a few classes', () => {
    assert.equal(featureClass('mMacs:pw:qq'), 'mMacs:dense');
    assert.equal(featureClass('mMacs:dw5:ff'), 'mMacs:dw');
    assert.equal(featureClass('mMacs:se:ff'), 'mMacs:other');
    assert.equal(featureClass('converts:fq'), 'convert');
    assert.equal(featureClass('table'), 'table');
    assert.equal(featureClass('mMacsNchwc:kxk'), 'mMacs:dense');
    assert.equal(featureClass('mMacsQ:dw'), 'mMacs:dw');
    assert.equal(featureClass('reorders'), 'reorder');
    assert.ok(kFeatureClasses.length >= 8 && kFeatureClasses.length <= 14, kFeatureClasses.join());
  });

  it('recovers a machine that is uniformly faster from a handful of samples', () => {
    const truth = new ProfileLatencyModel(scaledProfile(() => 0.7), lower).predict(configs);
    const picks = [0, 1, 20, 21, 22];
    const { model, groups } = adaptModel(source, picks.map((i) => ({ config: configs[i], ms: truth[i] })));
    const adapted = new ProfileLatencyModel({ ...source, model }, lower).predict(configs);
    assert.ok(mape(adapted, truth) < 0.5, `MAPE ${mape(adapted, truth)}`);
    assert.equal(groups.float.samples, 2);
    assert.equal(groups.quantized.samples, 3);
    assert.ok(groups.float.source.mape > 40, 'unadapted, the source is 43% high');
  });

  it('learns per-class scales, chosen by leave-one-out, from more samples', () => {
    const scale = (cls: string) => (cls === 'mMacs:dense' ? 0.4 : cls === 'table' ? 0.9 : 0.8);
    const truth = new ProfileLatencyModel(scaledProfile(scale), lower).predict(configs);
    const train = configs.map((config, i) => ({ config, ms: truth[i] })).filter((_, i) => i % 2 === 0);
    const { model, groups } = adaptModel(source, train);
    const held = configs.filter((_, i) => i % 2 === 1);
    const heldTruth = truth.filter((_, i) => i % 2 === 1);
    const adapted = new ProfileLatencyModel({ ...source, model }, lower).predict(held);
    const commonOnly = adaptModel(source, train.slice(0, 1).concat(train.slice(10, 11)));
    const common = new ProfileLatencyModel({ ...source, model: commonOnly.model }, lower).predict(held);
    assert.ok(mape(adapted, heldTruth) < mape(common, heldTruth), `per-class ${mape(adapted, heldTruth)} vs common ratio ${mape(common, heldTruth)}`);
    assert.ok(groups.float.ridge !== null, 'enough samples for per-class departures');
    assert.ok(groups.float.leaveOneOut.mape < groups.float.source.mape);
  });

  it('keeps every class scale >= 0, and recovers positive ones exactly', () => {
    const k = kFeatureClasses.length;
    const rowsOf = (a0: number, a1: number) => Array.from({ length: 12 }, (_, i) => {
      const c = new Float64Array(k);
      c[0] = 0.05 + 0.01 * i;
      c[1] = 0.08 - 0.005 * i;
      return { c, ms: a0 * c[0] + a1 * c[1], weight: 1 };
    });
    const positive = fitScales(rowsOf(0.7, 1.3), 1e-9);
    assert.ok(Math.abs(positive[0] - 0.7) < 1e-3 && Math.abs(positive[1] - 1.3) < 1e-3, `${positive[0]}, ${positive[1]}`);
    // A machine where more of class 1 looks faster (noise, or a class the source mis-split): no negative scale.
    const clipped = fitScales(rowsOf(1.5, -0.4), 1e-9);
    assert.ok(clipped.every((a) => a >= 0), Array.from(clipped).join());
    assert.equal(clipped[1], 0);
  });

  it('refuses no samples', () => {
    assert.throws(() => adaptModel(source, []), /needs at least one measured subnet/);
  });
});

describe('adaptProfile', () => {
  it('measures subnets here and writes a profile of this machine that refit refuses', async () => {
    const nano = nanoSpace();
    const out = join(tempDir('hwnas-adapt-'), 'p.json');
    const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };
    const made = (await profileDevice(fakeRuntime({ overheadUs: 40 }), nano, out, { subnets: 30, sampler })).profile;
    // "Another machine": 300 us more per inference.
    const slower = fakeRuntime({ overheadUs: 340 });
    const seen: AdaptableSource[] = [];
    const run = await adaptProfile(slower, made, 'p.json', { samples: 9, sampler, onSource: (s) => seen.push(s) });
    const { profile } = run;
    assert.equal(profile.adapted?.from, 'p.json');
    assert.equal(profile.adapted?.samples, 9);
    assert.equal(profile.subnets.length, 9);
    assert.deepEqual(profile.table, made.table);
    assert.equal(slower.loads, 2 * 9, 'each subnet with the reference beside it');
    assert.ok(profile.reference !== undefined && profile.reference.ms > made.reference!.ms, 'the reference runs slower here');
    // The fake runtime's exact times of fresh subnets on the slower machine.
    const check = [...sampleSubnets(nano, 'fp32', 3, 99), ...sampleSubnets(nano, 'int8', 3, 98)];
    const actual = check.map((c) => slower.costUs(subnetGraph(slower, nano, c)) / 1000);
    const lowerNano = (cfg: Parameters<typeof layersOf>[1]) => layersOf(nano, cfg);
    const adapted = new ProfileLatencyModel(profile, lowerNano).predict(check);
    const unadapted = new ProfileLatencyModel(made, lowerNano).predict(check);
    assert.ok(mape(adapted, actual) < 15 && mape(adapted, actual) < mape(unadapted, actual) / 3,
      `adapted MAPE ${mape(adapted, actual)} vs source ${mape(unadapted, actual)}`);
    assert.deepEqual(seen, [{ profile: made }], 'a current model is adapted as it is');
    assert.equal(profile.adapted?.sourceRefitFrom, undefined);
    await assert.rejects(adaptProfile(fakeRuntime({ threads: 2 }), made, 'p.json', { samples: 3, sampler }), /p\.json is a profile of ort-cpu:1, not of ort-cpu:2/);
    assert.throws(() => refitProfile(JSON.parse(JSON.stringify(profile)), 'a.json'), /a\.json was adapted from another profile/);
  });

  it('re-fits a source of an older version on its measurements first and records it', async () => {
    const nano = nanoSpace();
    const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };
    const made = (await profileDevice(fakeRuntime(), nano, join(tempDir('hwnas-adapt-refit-'), 'p.json'), { subnets: 30, sampler })).profile;
    // An older fit: free weights, and useless ones (all 0) that only a re-fit replaces.
    const zero = (m: LinearModel): LinearModel => ({ ...m, nonNegative: undefined, weights: m.weights.map(() => 0) });
    const older: LatencyProfile = { ...made, version: 4, model: { ...made.model, float: zero(made.model.float), quantized: zero(made.model.quantized!) } };
    const seen: AdaptableSource[] = [];
    const run = await adaptProfile(fakeRuntime({ overheadUs: 200 }), older, 'old.json', { samples: 4, sampler, onSource: (s) => seen.push(s) });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].refit?.version, 4);
    assert.equal(run.profile.adapted?.sourceRefitFrom, 4);
    assert.equal(run.profile.version, 5);
    assert.ok(run.profile.model.float.weights.some((w) => w > 0) && run.profile.model.float.nonNegative === true, 'the re-fitted model was adapted');

    // Too few quantized subnets to re-fit: the older model is adapted as it is, and the reason given.
    const thin: LatencyProfile = { ...older, model: made.model, subnets: [...made.subnets.filter((s) => s.config.wBits === undefined), ...made.subnets.filter((s) => s.config.wBits !== undefined).slice(0, 5)] };
    // Events in order: what was done to the source comes before any measuring.
    const events: string[] = [];
    const kept: AdaptableSource[] = [];
    const adaptedThin = await adaptProfile(fakeRuntime({ overheadUs: 200 }), { ...thin, model: { ...made.model, float: { ...made.model.float, nonNegative: undefined } } }, 'thin.json', {
      samples: 4, sampler, onSource: (s) => { kept.push(s); events.push('source'); }, onProgress: (done) => events.push(`measured ${done}`),
    });
    assert.deepEqual(events, ['source', 'measured 0', 'measured 1', 'measured 2', 'measured 3', 'measured 4']);
    assert.equal(kept[0].kept, 'its 5 quantized subnets are fewer than the 10 a re-fit with this version\'s model needs: adapting its own model');
    assert.equal(adaptedThin.profile.adapted?.sourceRefitFrom, undefined);
    assert.equal(adaptedThin.profile.model.float.nonNegative, undefined, 'an older fit claims nothing it did not have');
  });

  it('chooses the container here first and measures its subnets with it', async () => {
    const nano = nanoSpace();
    const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };
    const made = (await profileDevice(fakeRuntime(), nano, join(tempDir('hwnas-adapt-int8-'), 'p.json'), { subnets: 30, sampler })).profile;
    const runtime = containerRuntime();
    const { profile } = await adaptProfile(runtime, made, 'p.json', { samples: 6, sampler });
    assert.equal(profile.int8?.weightType, 'int8');
    assert.equal(profile.measuredWeightType, 'int8');
    const compared = 2 * (profile.int8?.subnets ?? 0);
    assert.deepEqual(runtime.loaded.slice(compared), new Array(2 * 6).fill('int8'), 'each subnet and its reference with int8 weights');
  });
});
