import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { kProfileVersion, loadLatencyProfile, type LatencyProfile } from '../../latency/latencyProfile.js';
import { adaptableSource, hasCurrentModel, sourceNote, type AdaptableSource } from '../../profiling/fittedProfile.js';

// A format-2 profile measured in November on a CPU without AVX-512 (600 subnets, operator features).
const kOld = 'test/fixtures/profiles/fashion-mbv3-v2-ort-cpu-1.json';

describe('adaptableSource', () => {
  let old: LatencyProfile;
  let source: AdaptableSource;
  before(() => {
    old = loadLatencyProfile(kOld);
    source = adaptableSource(old, kOld);
  });

  it('re-fits an older version\'s model on the stored measurements', () => {
    assert.equal(hasCurrentModel(old), false);
    assert.equal(source.kept, undefined);
    assert.equal(source.refit?.version, 2);
    assert.ok(source.refit.crossValidated >= 0.95, `5-fold CV within +-10% ${source.refit.crossValidated}`);
    assert.equal(source.profile.version, kProfileVersion);
    assert.ok(hasCurrentModel(source.profile));
    // The measurements are the source's own: only the model changed.
    assert.deepEqual(source.profile.subnets, old.subnets);
    assert.deepEqual(source.profile.table, old.table);
    assert.deepEqual(source.profile.machine, old.machine);
  });

  it('takes a current model and an adapted profile as they are, and an older model it cannot re-fit, saying why', () => {
    const current = source.profile;
    assert.deepEqual(adaptableSource(current, 'a.json'), { profile: current });
    assert.equal(sourceNote('a.json', { profile: current }, 600), undefined);
    const adapted = { ...old, adapted: { from: 'x.json', fromMachine: old.machine, samples: 30, groups: {} } };
    assert.deepEqual(adaptableSource(adapted, 'b.json'), { profile: adapted });
    // 19 subnets: fewer than a group's fit needs.
    const few = { ...old, subnets: old.subnets.slice(0, 19) };
    const kept = adaptableSource(few, 'c.json');
    assert.equal(kept.profile, few);
    assert.match(kept.kept ?? '', /^its (\d+ float and )?\d+ quantized subnets are fewer than the 10 a re-fit with this version's model needs: adapting its own model$/);
    assert.match(sourceNote('c.json', kept, 19) ?? '', /^c\.json: its .* subnets are fewer than the 10/);
  });

  it('says what the re-fit did', () => {
    const refit = (version: number): AdaptableSource => ({ profile: old, refit: { version, crossValidated: 0.8, seconds: 9.2 } });
    assert.equal(sourceNote('p.json', refit(4), 600),
      'p.json holds a format-4 model: re-fitted on its 600 stored subnets with this version\'s model before adapting (9 s; 5-fold CV within +-10%: 80.0%)');
    assert.match(sourceNote('p.json', refit(kProfileVersion), 600) ?? '', /^p\.json holds a model fitted before every weight was >= 0: re-fitted/);
  });
});

describe('the shipped CNN profiles', () => {
  it('hold this version\'s model, so the demo never re-fits them', () => {
    for (const file of ['models/profiles/ort-cpu-1.json', 'models/profiles/ort-cpu-2.json', 'models/hybrid/ort-cpu-1.json', 'models/hybrid/ort-cpu-2.json']) {
      assert.ok(hasCurrentModel(loadLatencyProfile(file)), file);
    }
  });
});
