import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { evaluateTransformerProfile, type TransformerEvaluation } from '../../pipeline/transformerProfile.js';
import { subTransformerGraph } from '../../profiling/transformer/transformerGraphs.js';
import { evaluationTable, noiseNote } from '../../scripts/commands/profileTransformerCmd.js';
import { median } from '../../util/stats.js';
import { fakeOnnxRuntime, kFastSampler, kVitTargets, modelKey, syntheticVitProfile, type FakeOnnxRuntime } from '../fixtures/vitProfiles.js';
import { tinyVitSpace } from '../fixtures/vit.js';

const space = tinyVitSpace();
const profile = syntheticVitProfile(space, kVitTargets['ort-cpu:1']);
/** About 1 ms an inference (a tiny SubTransformer is 30-45 kB): long against the harness's own overhead. */
const kBytesPerUs = 40;
/** Every model's third session runs at half speed: a SubTransformer measured [1, 1, 2, 1, 1]. */
const slowThird = (session: number) => (session === 3 ? 2 : 1);
// CV of [1, 1, 2, 1, 1]: mean 1.2, sample sd sqrt(0.8 / 4); 4 of its 5 within +-10% of its median 1.
const kExpectedCv = Math.sqrt(0.2) / 1.2;

describe('the noise ceiling of a transformer profile\'s evaluation', () => {
  let runtime: FakeOnnxRuntime;
  let e: TransformerEvaluation;
  const progress: Array<[number, number]> = [];

  before(async () => {
    runtime = fakeOnnxRuntime(1, kBytesPerUs, slowThird);
    e = await evaluateTransformerProfile(runtime, profile, {
      subnets: 6, noiseModels: 5, noiseRepeats: 5, sampler: kFastSampler, onProgress: (done, total) => progress.push([done, total]),
    });
  });

  it('re-measures the first held-out SubTransformers, each time in a fresh session beside the one reference', () => {
    assert.equal(runtime.loads, 1 + 6 + 5 * 4);
    assert.equal(runtime.sessions.get(modelKey(subTransformerGraph(space, profile.reference.config, 424_242).model)), 1, 'one reference session');
    const sessions = e.measured.map((m) => runtime.sessions.get(modelKey(subTransformerGraph(space, m.config).model)));
    assert.deepEqual(sessions, [5, 5, 5, 5, 5, 1]);
    assert.deepEqual(progress.at(-1), [26, 26]);
    assert.equal(e.subnets, 6);
  });

  it('reports each SubTransformer\'s CV, their median, the share within +-10% of their median and the rank agreement of repeats', () => {
    const n = e.noise;
    assert.deepEqual([n.models, n.repeats, n.times.length, n.cvs.length], [5, 5, 5, 5]);
    for (const [i, t] of n.times.entries()) assert.equal(t[0], e.measured[i].ms, `SubTransformer ${i}: the first measurement is the held-out one`);
    // Wall-clock timings of a busy-waiting fake: a loaded machine can stretch any one of them, so
    // the checks take the median over the five SubTransformers.
    const slow = median(n.times.map((t) => t[2] / median(t)));
    assert.ok(slow > 1.6 && slow < 2.5, `the third sessions ran ${slow.toFixed(2)}x their SubTransformers' medians (median over 5)`);
    // CV is not robust to one stretched timing: it may only come out above the expected value.
    assert.ok(n.medianCv > kExpectedCv - 0.08 && n.medianCv < 2 * kExpectedCv, `median CV ${n.medianCv} vs ${kExpectedCv}`);
    assert.ok(n.shareWithin10OfMedian >= 0.5 && n.shareWithin10OfMedian <= 0.84, `within +-10% of the median: ${n.shareWithin10OfMedian} (4 of 5 expected)`);
    assert.ok(n.spearman >= -1 && n.spearman <= 1, `Spearman ${n.spearman}`);
  });

  it('stores the noise in the JSON report and prints it beneath the kinds', () => {
    const json = JSON.parse(JSON.stringify({ profile: 'p.json', ...e })) as { noise: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.noise).sort(), ['cvs', 'medianCv', 'models', 'repeats', 'shareWithin10OfMean', 'shareWithin10OfMedian', 'spearman', 'times']);
    assert.equal(json.noise.models, 5);
    const table = evaluationTable(e).split('\n');
    assert.deepEqual(table.slice(2, 4).map((row) => row.split(' ')[0]).sort(), ['mlp', 'table']);
    assert.match(table[4], /^re-measured +5 x 5 +5 +- +\d+\.\d% +- +-?\d\.\d{3}$/);
    assert.match(noiseNote(e), /^noise ceiling: 5 held-out SubTransformers measured 5 times each, every time loaded anew \(a fresh session of the runtime\) and timed with the reference; CV (\d+\.\d, ){4}\d+\.\d% \(median \d+\.\d%\)/);
  });

  it('without session-to-session variation the same measurements agree with themselves', async () => {
    const steady = await evaluateTransformerProfile(fakeOnnxRuntime(1, kBytesPerUs), profile, { subnets: 3, noiseModels: 3, noiseRepeats: 3, sampler: kFastSampler });
    assert.ok(steady.noise.medianCv < 0.1, `median CV ${steady.noise.medianCv}`);
    assert.ok(Number.isNaN(steady.noise.spearman), 'three SubTransformers rank nothing');
    assert.match(evaluationTable(steady).split('\n')[4], /^re-measured +3 x 3 +3 +- +\d+\.\d% +- +-$/);
  });

  it('refuses noise settings that are not positive integers, naming the option', async () => {
    await assert.rejects(evaluateTransformerProfile(fakeOnnxRuntime(1), profile, { subnets: 3, noiseRepeats: 0 }), /options\.noiseRepeats must be a positive integer \(got 0\)/);
    await assert.rejects(evaluateTransformerProfile(fakeOnnxRuntime(1), profile, { subnets: 3, noiseModels: 1.5 }), /options\.noiseModels must be a positive integer \(got 1\.5\)/);
  });
});
