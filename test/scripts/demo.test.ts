import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultProfilePath } from '../../latency/measuredTarget.js';
import { resolveTarget } from '../../latency/targets.js';
import { findPackageRoot } from '../../util/packageRoot.js';
import { computedBudgets, demoProfiles, demoRunReferences, demoRuns, kDemoBudgetFractions, kDemoTargets, referenceBudgets } from '../../pipeline/demo.js';
import { bitsSummary, budgetLine } from '../../pipeline/demoReport.js';
import { baselineConfigs } from '../../pipeline/baselines.js';
import { spaceByName } from '../../space/defaultSpace.js';
import { checkShipped, kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { macs } from '../../space/layers.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { microSpace } from '../fixtures/data.js';

const resolved = (...specs: string[]) => specs.map((s) => resolveTarget(s));

describe('shipped artifacts', () => {
  it('is one table of paths under the package root, the profiles where measured targets read them', () => {
    const root = findPackageRoot(import.meta.url);
    assert.equal(shippedPath(kShipped.supernet), `${root}/models/supernet.ckpt`);
    assert.equal(kShipped.predictors.mixed.file, 'models/predictors/accuracy-quant.json');
    assert.equal(kShipped.predictors.fp32.file, 'models/predictors/accuracy-fp32.json');
    assert.deepEqual(Object.keys(kShipped.profiles), [...kDemoTargets]);
    assert.equal(shippedPath(kShipped.profiles['ort-cpu:1']), defaultProfilePath('ort-cpu', 1));
    assert.equal(shippedPath(kShipped.profiles['ort-cpu:2']), defaultProfilePath('ort-cpu', 2));
  });

  it('names every missing artifact and how to make it', () => {
    const missing = { file: 'models/profiles/none-9.json', what: 'latency profile of none:9', make: "measure it with 'hwnas profile --target none:9'" };
    assert.doesNotThrow(() => checkShipped([kShipped.supernet]));
    assert.throws(() => checkShipped([kShipped.supernet, missing, { ...missing, file: 'models/x.json' }]),
      /^Error: 2 shipped artifacts are missing:\n {2}models\/profiles\/none-9\.json \(latency profile of none:9\) does not exist in .*: measure it with 'hwnas profile --target none:9'\n {2}models\/x\.json/);
  });
});

describe('hwnas demo planning', () => {
  it('takes the shipped profile of each measured target and refuses measured targets without one', () => {
    const profiles = demoProfiles(resolved('ort-cpu', 'ort-cpu:2', 'rpi4', 'macs'));
    assert.deepEqual(Object.keys(profiles), ['ort-cpu', 'ort-cpu:2']);
    assert.equal(profiles['ort-cpu'], kShipped.cnn['fashion-hybrid'].profiles['ort-cpu:1'], 'the default space\'s');
    assert.equal(demoProfiles(resolved('ort-cpu:2'), {}, kShipped.cnn['fashion-mbv3'])['ort-cpu:2'], kShipped.profiles['ort-cpu:2']);
    assert.throws(() => demoProfiles(resolved('tfjs-wasm:1')), /--target tfjs-wasm:1: the demo runs on shipped latency profiles, and hwnas ships them for ort-cpu:1 and ort-cpu:2 only: .* or name a profile of your own with --profile tfjs-wasm:1=FILE/);
    assert.deepEqual(Object.keys(demoProfiles(resolved('tfjs-wasm:1', 'ort-cpu:2'), { 'tfjs-wasm:1': '/p.json' })), ['ort-cpu:2']);
    assert.throws(() => demoProfiles(resolved('tpu')), /unknown target 'tpu'/);
  });

  it('budgets each target at 50% and 75% of the largest subnet\'s predicted latency', async () => {
    const space = microSpace();
    const [basis] = await computedBudgets(space, resolved('macs'), {}, kDemoBudgetFractions);
    const largest = macs(space, largestConfig(space)) / 1e6;
    assert.equal(basis.unit, 'MMAC');
    assert.ok(Math.abs((basis.largest as number) - largest) < 1e-9);
    const runs = demoRuns(['macs'], [], [basis]);
    assert.deepEqual(runs.map((r) => r.max), [0.5, 0.75].map((f) => Number((f * largest).toPrecision(4))));
    assert.equal(new Set(runs.map((r) => r.file)).size, 2);
    assert.ok(runs.every((r) => r.target === 'macs' && r.kind === 'proxy'));
  });

  it('budgets each target at the predicted latency of the space\'s standard models where it has them', async () => {
    const space = microSpace();
    const [small, large] = [smallestConfig(space), largestConfig(space)];
    const [basis] = await referenceBudgets(space, resolved('macs'), {}, { small, large }) ?? [];
    assert.deepEqual(basis.references?.map((r) => r.name), ['small', 'large']);
    assert.deepEqual(basis.references?.map((r) => r.latency), [small, large].map((c) => macs(space, c) / 1e6));
    assert.deepEqual(demoRuns(['macs'], [], [basis]).map((r) => r.max), [small, large].map((c) => Number((macs(space, c) / 1e6).toPrecision(4))));
    assert.deepEqual(demoRunReferences([], [basis, basis]), ['small', 'large', 'small', 'large'], 'the standard model of each run, in run order');
    assert.deepEqual(demoRunReferences(['1', '2'], [basis]), [undefined, undefined], 'given budgets have none');
    assert.match(budgetLine(basis), /^- macs: budgets at the standard models' predicted latency: small [0-9.]+ MMAC, large [0-9.]+ MMAC$/);
    assert.equal(await referenceBudgets(space, resolved('macs'), {}, {}), null, 'a space without standard models');
  });

  it('takes ResNet-8 and ResNet-14 as the standard models of fashion-hybrid, none of fashion-mbv3', () => {
    assert.deepEqual(Object.keys(baselineConfigs(spaceByName('fashion-hybrid'))), ['resnet8', 'resnet14']);
    assert.deepEqual(baselineConfigs(spaceByName('fashion-mbv3')), {});
  });

  it('pairs given --max-latency values with the targets instead', () => {
    const runs = demoRuns(['rpi4', 'ort-cpu:1'], ['2ms', '300us'], []);
    assert.deepEqual(runs.map((r) => [r.target, r.max]), [['rpi4', 2], ['ort-cpu:1', 0.3]]);
    assert.throws(() => demoRuns(['rpi4', 'ort-cpu:1'], ['2ms'], []), /got 2 --target and 1 --max-latency/);
  });

  it('summarises a genome\'s bits over its running blocks', () => {
    const space = microSpace();
    const config = { depths: [1, 2], kernels: [3, 5, 3, 3], expands: [2, 3, 2, 2], widths: [1, 0.5] };
    assert.equal(bitsSummary(space, config), 'fp32');
    assert.equal(bitsSummary(space, { ...config, wBits: [8, 32, 8, 4], aBits: [8, 8, 8, 8] }), 'blocks w8/a8 x2, w4/a8 x1; stem w8/a8, classifier w8/a8');
  });
});
