import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { kProfileVersion, loadLatencyProfile, type LatencyProfile } from '../../latency/latencyProfile.js';
import { adaptableSource, hasCurrentModel, refitNote, type AdaptableSource } from '../../profiling/fittedProfile.js';

// A format-2 profile measured in November on a CPU without AVX-512 (600 subnets, operator features).
const kOld = 'test/fixtures/profiles/fashion-mbv3-v2-ort-cpu-1.json';

describe('adaptableSource', () => {
  let old: LatencyProfile;
  let source: AdaptableSource;
  before(() => {
    old = loadLatencyProfile(kOld);
    source = adaptableSource(old, kOld);
  });

  it('re-fits an older version\'s model on the stored measurements when that cross-validates as well', () => {
    assert.equal(hasCurrentModel(old), false);
    assert.deepEqual(source.refit && { version: source.refit.version }, { version: 2 });
    const { before: was, after } = source.refit!;
    assert.ok(after >= was && after >= 0.95, `5-fold CV within +-10%: ${was} -> ${after}`);
    assert.equal(source.profile.version, kProfileVersion);
    assert.ok(hasCurrentModel(source.profile));
    // The measurements are the source's own: only the model changed.
    assert.deepEqual(source.profile.subnets, old.subnets);
    assert.deepEqual(source.profile.table, old.table);
    assert.deepEqual(source.profile.machine, old.machine);
  });

  it('takes a current model, an adapted profile and too few subnets as they are', () => {
    const current = source.profile;
    assert.equal(adaptableSource(current, 'a.json').profile, current);
    const adapted = { ...old, adapted: { from: 'x.json', fromMachine: old.machine, samples: 30, groups: {} } };
    assert.equal(adaptableSource(adapted, 'b.json').profile, adapted);
    const few = { ...old, subnets: old.subnets.slice(0, 19) };
    assert.equal(adaptableSource(few, 'c.json').profile, few);
  });

  it('says what the re-fit gained', () => {
    assert.equal(refitNote('p.json', { version: 4, before: 0.668, after: 0.8 }, 600),
      'p.json holds a version-4 model: re-fitted on its 600 stored subnets with this version\'s model before adapting (5-fold CV within +-10%: 66.8% -> 80.0%)');
  });
});
