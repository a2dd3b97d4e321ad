import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveTarget } from '../../latency/targets.js';
import { demoRuns, demoSpace, kDemoBudgetFractions } from '../../pipeline/demo.js';
import { checkShipped, kShipped, shippedPath, type ShippedArtifact } from '../../pipeline/shippedModels.js';
import {
  checkTransformerSetup, checkTransformerTargets, runtimePool, searchAndVerifyTransformers, transformerBudgets, transformerProfileInputs,
  type TransformerDemoOutcome, type TransformerSetup,
} from '../../pipeline/transformerDemo.js';
import { transformerDemoJson, transformerDemoMarkdown, transformerDemoTable, type TransformerDemoReport } from '../../pipeline/transformerDemoReport.js';
import { describeMachine } from '../../pipeline/verifyReport.js';
import { largestTransformer, smallestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import { subTransformerGraph } from '../../profiling/transformer/transformerGraphs.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { SuperTransformer } from '../../supernet/transformer/SuperTransformer.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { fakeOnnxRuntime, kFastSampler, kVitTargets, syntheticLatency, vitDemoSetup, type FakeOnnxRuntime } from '../fixtures/vitProfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const resolved = (...specs: string[]) => specs.map((s) => resolveTarget(s));
const space = tinyVitSpace();

describe('the shipped transformer artifacts', () => {
  const vit = kShipped.transformer;

  it('are the SuperTransformer, its predictor and a profile per demo target and tfjs-wasm:1, each saying how to make it', () => {
    assert.equal(vit.space, 'fashion-vit');
    assert.deepEqual([vit.supernet.file, vit.predictor.file, ...Object.values(vit.profiles).map((p) => p.file)],
      ['models/training/fashion-vit.ckpt', 'models/vit/accuracy-fp32.json', 'models/vit/ort-cpu-1.json', 'models/vit/ort-cpu-2.json', 'models/vit/tfjs-wasm-1.json']);
    assert.deepEqual(Object.keys(vit.profiles), ['ort-cpu:1', 'ort-cpu:2', 'tfjs-wasm:1']);
    for (const p of Object.values(vit.profiles)) assert.ok(existsSync(shippedPath(p)), `${p.file} is shipped`);
    assert.match(vit.predictor.make, /'hwnas collect --checkpoint models\/training\/fashion-vit\.ckpt --out vit\.jsonl', then fit it with 'hwnas fit --space fashion-vit --data vit\.jsonl --out models\/vit\/accuracy-fp32\.json'/);
    assert.match(vit.profiles['ort-cpu:2'].make, /'hwnas profile --space fashion-vit --target ort-cpu:2 --out models\/vit\/ort-cpu-2\.json' on an idle machine/);
  });

  it('missing, are each named with the command that makes it', () => {
    const absent = (a: ShippedArtifact) => ({ ...a, file: `models/absent/${a.file}` });
    assert.throws(() => checkShipped([vit.supernet, vit.predictor, vit.profiles['ort-cpu:1']].map(absent)), (err: Error) => {
      assert.match(err.message, /^3 shipped artifacts are missing:/);
      assert.match(err.message, /models\/absent\/models\/training\/fashion-vit\.ckpt \(fashion-vit SuperTransformer checkpoint\) does not exist in .*: train it with 'hwnas train --space fashion-vit --out models\/training\/fashion-vit\.ckpt'/);
      assert.match(err.message, /models\/absent\/models\/vit\/accuracy-fp32\.json \(fashion-vit accuracy predictor\) does not exist in .*: collect samples/);
      assert.match(err.message, /models\/absent\/models\/vit\/ort-cpu-1\.json \(transformer latency profile of fashion-vit on ort-cpu:1\) does not exist in .*: measure it with 'hwnas profile --space fashion-vit --target ort-cpu:1/);
      return true;
    });
  });
});

describe('transformer demo planning', () => {
  it('runs the transformer demo for --space fashion-vit, a CNN one for each shipped CNN space (fashion-hybrid by default), and refuses any other', () => {
    assert.deepEqual(demoSpace(undefined), { kind: 'cnn', shipped: kShipped.cnn['fashion-hybrid'] });
    assert.deepEqual(demoSpace('fashion-vit'), { kind: 'transformer', shipped: kShipped.transformer });
    assert.deepEqual(demoSpace('fashion-mbv3'), { kind: 'cnn', shipped: kShipped.cnn['fashion-mbv3'] });
    assert.equal(kShipped.cnn['fashion-mbv3'].supernet, kShipped.supernet);
    for (const bad of ['fashion-plain', 'nope', 'constructor']) {
      assert.throws(() => demoSpace(bad), new RegExp(`^Error: --space ${bad}: the demo runs on shipped artifacts, which hwnas has for spaces ` +
        'fashion-hybrid \\(models/training/fashion-hybrid\\.ckpt\\), fashion-mbv3 \\(models/supernet\\.ckpt\\), fashion-vit \\(models/training/fashion-vit\\.ckpt\\) only'));
    }
  });

  it('takes measured targets that run SubTransformer graphs only, and a profile for each: given, else shipped', () => {
    assert.doesNotThrow(() => checkTransformerTargets(resolved('ort-cpu', 'ort-cpu:2', 'tfjs-wasm:1')));
    for (const t of ['rpi4', 'macs']) {
      assert.throws(() => checkTransformerTargets(resolved(t)), new RegExp(`--target ${t}: SubTransformers are searched and timed on measured targets that run their graphs only \\(ort-cpu, tfjs-wasm, tfjs-node\\): give such targets, e.g. ort-cpu:1 and ort-cpu:2`));
    }
    assert.throws(() => checkTransformerTargets(resolved('rpi4'), '--targets'), /^Error: --targets rpi4:/);
    const inputs = transformerProfileInputs(resolved('ort-cpu', 'ort-cpu:2'), { 'ort-cpu:2': '/mine.json' }, kShipped.transformer);
    assert.deepEqual(inputs.shipped, [kShipped.transformer.profiles['ort-cpu:1']]);
    assert.match(inputs.profiles['ort-cpu'], /\/models\/vit\/ort-cpu-1\.json$/);
    assert.deepEqual(inputs.shown, { 'ort-cpu': 'models/vit/ort-cpu-1.json', 'ort-cpu:2': '/mine.json' });
    assert.throws(() => transformerProfileInputs(resolved('ort-cpu:3'), {}, kShipped.transformer),
      /^Error: --target ort-cpu:3: hwnas ships transformer latency profiles of fashion-vit for ort-cpu:1, ort-cpu:2 and tfjs-wasm:1 only: use one of those, or give one of your own with --profile ort-cpu:3=FILE \('hwnas profile --space fashion-vit --target ort-cpu:3 --out FILE'\)$/);
  });
});

describe('describeMachine', () => {
  it('names the CPU with its kernel-relevant flags, or says they are unknown', () => {
    const m = { cpuModel: 'AMD EPYC', cpuFlags: ['avx2', 'fma'], cores: 2, platform: 'linux', arch: 'x64', node: '20.1.0', runtime: { name: 'onnxruntime-node', version: '1.2.3' }, createdAt: '2026-01-01T00:00:00.000Z' };
    assert.equal(describeMachine(m), 'AMD EPYC (cpu flags avx2 fma), 2 cores, linux/x64, Node 20.1.0, onnxruntime-node 1.2.3');
    const { cpuFlags: _, ...old } = m;
    assert.equal(describeMachine(old), 'AMD EPYC (cpu flags unknown), 2 cores, linux/x64, Node 20.1.0, onnxruntime-node 1.2.3');
    assert.match(describeMachine({ ...m, cpuFlags: [] }), /^AMD EPYC \(cpu flags \(none listed\)\), /);
  });
});

describe('the transformer demo on a tiny SuperTransformer', () => {
  let net: SuperTransformer;
  let setup: TransformerSetup;
  const referenceBytes = subTransformerGraph(space, smallestTransformer(space), 424_242).model.length;
  const runtimes = new Map<number, FakeOnnxRuntime>();

  before(async () => {
    await initBackend({ backend: 'wasm' });
    net = new SuperTransformer(space, 5);
    setup = await vitDemoSetup(dir, space);
  });
  after(() => net?.dispose());

  it('budgets each target at fractions of the largest SubTransformer\'s predicted latency, from its profile', () => {
    const largest = largestTransformer(space);
    const bases = transformerBudgets(setup, ['ort-cpu:1', 'ort-cpu:2'], kDemoBudgetFractions);
    for (const b of bases) {
      const expected = syntheticLatency(space, largest, kVitTargets[b.target]);
      assert.equal(b.unit, 'ms');
      assert.ok(Math.abs((b.largest as number) - expected) < 1e-9, `${b.target}: ${b.largest} vs ${expected}`);
      assert.deepEqual(b.fractions, [0.5, 0.75]);
    }
    assert.ok(Math.abs((bases[0].largest as number) - 0.216) < 1e-9 && Math.abs((bases[1].largest as number) - 0.45) < 1e-9);
    const runs = demoRuns(['ort-cpu:1', 'ort-cpu:2'], [], bases);
    assert.deepEqual(runs.map((r) => [r.target, r.max, r.file]), [
      ['ort-cpu:1', 0.108, 'search-ort-cpu-1-0.108ms.json'], ['ort-cpu:1', 0.162, 'search-ort-cpu-1-0.162ms.json'],
      ['ort-cpu:2', 0.225, 'search-ort-cpu-2-0.225ms.json'], ['ort-cpu:2', 0.3375, 'search-ort-cpu-2-0.3375ms.json'],
    ]);
  });

  it('checks every profile and the predictor before any work, naming the file and the fix', () => {
    assert.doesNotThrow(() => checkTransformerSetup(setup, ['ort-cpu:1', 'ort-cpu:2']));
    const swapped = { ...setup, profiles: { 'ort-cpu:1': setup.profiles['ort-cpu:2'] } };
    assert.throws(() => checkTransformerSetup(swapped, ['ort-cpu:1']), /profile .*ort-cpu-2\.json was measured for ort-cpu:2, not ort-cpu:1: give --profile ort-cpu:1=FILE/);
    assert.throws(() => checkTransformerSetup({ ...setup, space: fashionVit }, ['ort-cpu:1']), /was trained for another transformer space than 'fashion-vit'/);
    assert.throws(() => checkTransformerSetup(setup, ['ort-cpu:4']), /no transformer latency profile for ort-cpu:4: give --profile ort-cpu:4=FILE/);
  });

  let outcome: TransformerDemoOutcome;
  const out = join(dir, 'demo');

  it('searches each target at each budget, then exports, scores and times each chosen SubTransformer on its target', async () => {
    const runs = demoRuns(['ort-cpu:1', 'ort-cpu:2'], [], transformerBudgets(setup, ['ort-cpu:1', 'ort-cpu:2'], kDemoBudgetFractions));
    const data = smallFashionMnist(10, 10, 100);
    const pool = runtimePool(async (target, threads) => {
      assert.equal(target, 'ort-cpu');
      const r = fakeOnnxRuntime(threads);
      runtimes.set(threads, r);
      return r;
    });
    const steps: string[] = [];
    outcome = await searchAndVerifyTransformers({ ...setup, net, runs, test: data.test, runtimes: pool, sampler: kFastSampler, onStep: (l) => steps.push(l) }, out);
    assert.equal(outcome.results.length, 4);
    assert.deepEqual([...runtimes.keys()].sort(), [1, 2]);
    // Per verify, the profile's reference and the model, loaded once each.
    assert.equal(runtimes.get(1)?.loads, 4);
    for (const [k, r] of outcome.results.entries()) {
      assert.equal(r.run, runs[k]);
      assert.equal(r.results.result.mode, 'budget');
      assert.ok(r.row.predictedMs <= (r.run.max as number), `${r.run.file}: ${r.row.predictedMs} > ${r.run.max}`);
      assert.equal(r.row.onnx, `${transformerConfigKey(r.row.config)}.onnx`);
      assert.equal(r.verifyDir, `verify/${r.run.file.replace(/\.json$/, '')}`);
      assert.ok(existsSync(join(out, r.verifyDir, r.row.onnx)) && existsSync(join(out, r.verifyDir, 'verify.json')) && existsSync(join(out, 'search', r.run.file)));
      assert.equal(r.row.tfjs, `${transformerConfigKey(r.row.config)}.tfjs`);
      assert.ok(existsSync(join(out, r.verifyDir, r.row.tfjs, 'model.json')), 'the tfjs folder beside the ONNX file');
      assert.ok(r.row.testAccuracy >= 0 && r.row.testAccuracy <= 1);
      // Timed as the fake runtime waits, and put at the profile's speed: its reference (the smallest SubTransformer) is profiled at 0.05 ms.
      const runtime = runtimes.get(r.run.resolved.threads as number) as FakeOnnxRuntime;
      const model = runtime.costUs(readFileSync(join(out, r.verifyDir, r.row.onnx)).length);
      const near = (x: number, y: number, what: string) => assert.ok(x / y > 0.5 && x / y < 2, `${r.run.file} ${what}: ${x} vs ${y}`);
      near(r.row.rawMs, model / 1000, 'as timed');
      near(r.row.measuredMs, (0.05 * model) / runtime.costUs(referenceBytes), "at the profile's speed");
    }
    assert.ok(existsSync(join(out, 'search', 'pareto-ort-cpu-1.svg')) && existsSync(join(out, 'search', 'pareto-ort-cpu-2.svg')));
    // Attention-heavy ort-cpu:1 and MLP-heavy ort-cpu:2 get configs of their own at the tighter budget.
    assert.notEqual(transformerConfigKey(outcome.results[0].row.config), transformerConfigKey(outcome.results[2].row.config));
    assert.equal(steps.length, 8);
    assert.match(steps[0], /^ort-cpu:1 <= 0\.108 ms: predicted \d+\.\d\d% at [0-9.]+ ms \(\d+ scored\)$/);
    assert.match(steps[4], /^ort-cpu:1 <= 0\.108 ms: d\d+-.*\.onnx test accuracy \d+\.\d\d%, [0-9.e-]+ ms measured/);
    assert.equal(outcome.machine.runtime.name, 'fake-onnx-runtime');
  });

  it('reports it as the CNN demo does: what ran, the machine with its CPU flags, predicted vs measured, the configs, the plots', () => {
    const bases = transformerBudgets(setup, ['ort-cpu:1', 'ort-cpu:2'], kDemoBudgetFractions);
    const report: TransformerDemoReport = {
      space, supernet: 'models/training/fashion-vit.ckpt', supernetSteps: '10/10', predictor: 'acc.json', latencyKind: 'table',
      profiles: { 'ort-cpu:1': { file: 'models/vit/ort-cpu-1.json', machine: outcome.machine }, 'ort-cpu:2': { file: 'p2.json', machine: outcome.machine } },
      search: { population: 12, generations: 3, seed: 1, seconds: outcome.searchSeconds },
      budgets: bases, results: outcome.results, machine: outcome.machine, testImages: 100, seconds: 12, createdAt: new Date('2026-01-02T03:04:05Z'),
    };
    const md = transformerDemoMarkdown(report);
    assert.match(md, /^# hwnas demo\n\nSearched, exported and verified on 2026-01-02T03:04:05\.000Z in 12 s\.\n\n## What ran\n/);
    assert.match(md, /- SuperTransformer: models\/training\/fashion-vit\.ckpt \(space tiny-vit, 10\/10 training steps\)/);
    assert.match(md, /- latency on ort-cpu:1: predicted by the table model of the transformer latency profile models\/vit\/ort-cpu-1\.json, measured on /);
    assert.ok(md.includes(`- machine: ${describeMachine(outcome.machine)}`));
    assert.match(md, /- ort-cpu:2: the largest subnet's predicted latency is 0\.45 ms; budgets 50% = 0\.225 ms, 75% = 0\.3375 ms/);
    const table = md.split('\n').filter((l) => l.startsWith('| ort-cpu'));
    assert.equal(table.length, 4);
    assert.match(table[0], /^\| ort-cpu:1 \| 0\.108 ms \| \d+\.\d\d% \| \d+\.\d\d% \| [0-9.]+ ms \| [0-9.e-]+ ms( \(noisy\))? \| [0-9.e-]+ ms \| [+-]\d+\.\d% \| (yes|no) \| \[d.*\.onnx\]\(verify\/search-ort-cpu-1-0\.108ms\/d.*\.onnx\) \|$/);
    assert.equal((md.match(/^### ort-cpu:\d <= /gm) ?? []).length, 4);
    assert.match(md, /## Pareto plots \(predicted\)\n\n!\[ort-cpu:1\]\(search\/pareto-ort-cpu-1\.svg\)\n\n!\[ort-cpu:2\]\(search\/pareto-ort-cpu-2\.svg\)/);
    const json = JSON.parse(transformerDemoJson(report));
    assert.equal(json.format, 'hwnas-demo');
    assert.equal(json.kind, 'transformer');
    assert.deepEqual(json.runs.map((r: { budget: number }) => r.budget), [0.108, 0.162, 0.225, 0.3375]);
    const run = json.runs[0];
    assert.deepEqual(Object.keys(run), ['target', 'budget', 'results', 'model', 'tfjsModel', 'config', 'bytes', 'predictedAccuracy', 'testAccuracy', 'predictedMs', 'measuredMs', 'rawMs', 'noisy', 'macs', 'errorPercent']);
    assert.equal(run.model, `verify/search-ort-cpu-1-0.108ms/${outcome.results[0].row.onnx}`);
    assert.ok(Math.abs(run.errorPercent - (100 * (run.predictedMs - run.measuredMs)) / run.measuredMs) < 1e-9);
    assert.deepEqual(json.machine, JSON.parse(JSON.stringify(outcome.machine)));
    const printed = transformerDemoTable(outcome.results).split('\n');
    assert.equal(printed.length, 6);
    assert.match(printed[0], /^target +budget +predicted acc \(val\) +test acc \(ONNX\)/);
    const verifyJson = JSON.parse(readFileSync(join(out, outcome.results[0].verifyDir, 'verify.json'), 'utf8'));
    assert.equal(verifyJson.rows[0].onnx, outcome.results[0].row.onnx);
  });
});
