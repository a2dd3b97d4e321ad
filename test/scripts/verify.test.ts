import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { calibrationSet, evaluateConfig } from '../../supernet/evaluate.js';
import { loadSupernet } from '../../supernet/io.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { Supernet } from '../../supernet/Supernet.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { kDefaultTrainOptions } from '../../supernet/train/schedule.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { readSearchResult } from '../../pipeline/searchResultFile.js';
import { writeSearchMarker, type SearchRun } from '../../pipeline/searchOutput.js';
import { exportFormatOf } from '../../pipeline/verifyConfigs.js';
import { measureOnnxOnTarget, timingInput } from '../../pipeline/verifyLatency.js';
import { microSpace } from '../fixtures/data.js';
import { hwnas } from '../fixtures/cli.js';
import { writeRandomPredictor } from '../fixtures/randomPredictor.js';

const run = (...args: string[]) => hwnas(args);

describe('readSearchResult', () => {
  let dir: string;
  let good: Record<string, unknown>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hwnas-results-'));
    const space = microSpace();
    const config = { depths: [1, 2], kernels: [3, 5, 3, 3], expands: [2, 3, 2, 2], widths: [1, 0.5] };
    good = {
      format: 'hwnas-search-result', version: 1, mode: 'budget', target: 'rpi4', unit: 'ms', units: { rpi4: 'ms' },
      maxLatency: 1, best: { config, accuracy: 0.8, latency: 0.5, latencies: { rpi4: 0.5 } }, front: [],
      space, checkpoint: null, predictor: '/p.json', quant: 'fp32', options: {}, seconds: 1, seed: 0, generations: 1, scored: 1, history: [],
    };
    writeSearchMarker(dir, ['good.json', 'broken.json', 'predictor.json', 'front.json', 'nobest.json', 'badconfig.json', 'tpu.json'].map((file) => ({ file }) as SearchRun));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  it('reads the chosen config of a budget search, validated against its space', () => {
    const r = readSearchResult(write('good.json', good));
    assert.equal(r.target, 'rpi4');
    assert.equal(r.maxLatency, 1);
    assert.equal(r.space.name, 'micro');
    assert.deepEqual(r.best.config.depths, [1, 2]);
    assert.equal(exportFormatOf(r.best.config), 'onnx');
    assert.equal(exportFormatOf({ ...r.best.config, wBits: [8, 8, 8, 8], aBits: [8, 8, 8, 8] }), 'onnx-int8');
    assert.equal(r.profiles, undefined);
    // The profile a search predicted with comes back, so verify checks against it.
    assert.deepEqual(readSearchResult(write('good.json', { ...good, profiles: { 'ort-cpu:1': '/p/ort.json' } })).profiles, { 'ort-cpu:1': '/p/ort.json' });
  });

  it('names the file, the problem and the fix', () => {
    assert.throws(() => readSearchResult(write('unlisted.json', good)), /results file .*unlisted\.json is not among the files of the search that wrote .* \(good\.json, .*\): run the search again/);
    const alone = mkdtempSync(join(tmpdir(), 'hwnas-results-alone-'));
    writeFileSync(join(alone, 'good.json'), JSON.stringify(good));
    assert.throws(() => readSearchResult(join(alone, 'good.json')), /good\.json has no search-complete\.json beside it, so nothing shows that the search writing it finished/);
    rmSync(alone, { recursive: true });
    assert.throws(() => readSearchResult(join(dir, 'nope.json')), /results file .*nope\.json does not exist: give a results JSON that 'hwnas search --target T --max-latency B' wrote/);
    assert.throws(() => readSearchResult(write('broken.json', '{"format": "hwnas-search-result", ')), /results file .*broken\.json is not valid JSON \(.*\): give a results JSON/);
    assert.throws(
      () => readSearchResult(write('predictor.json', { format: 'hwnas-accuracy-predictor', version: 1 })),
      /predictor\.json is not a results file of hwnas search \(format 'hwnas-search-result', version 1\):\n {2}results\.format = "hwnas-accuracy-predictor" is invalid[^\n]*\n {2}results\.mode is missing: expected "budget" or "pareto"/,
    );
    assert.throws(() => readSearchResult(write('front.json', { ...good, mode: 'pareto', maxLatency: null })), /front\.json holds a Pareto front \('hwnas search --pareto'\), not a chosen config/);
    assert.throws(() => readSearchResult(write('nobest.json', { ...good, best: undefined })), /results file .*nobest\.json is damaged:\n {2}results\.best is missing/);
    const bad = { ...good, best: { ...(good.best as object), config: { depths: [1, 3], kernels: [3, 5, 3, 3], expands: [2, 3, 2, 2], widths: [1, 0.5] } } };
    assert.throws(() => readSearchResult(write('badconfig.json', bad)), /results file .*badconfig\.json: invalid subnet config for space 'micro':\n {2}config\.depths\[1\] = 3 is not one of stage 1's depths \[1, 2\]/);
    assert.throws(() => readSearchResult(write('tpu.json', { ...good, target: 'tpu' })), /results file .*tpu\.json: unknown target 'tpu': valid targets are/);
  });
});

describe('hwnas verify', () => {
  let dir: string;
  let ckpt: string;
  let results: string[];

  before(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'hwnas-verify-cli-'));
    const space = microSpace();
    ckpt = join(dir, 'micro.ckpt');
    const net = new Supernet(space, 4);
    const meta = { kind: 'hwnas-supernet', space, options: { ...kDefaultTrainOptions, seed: 4 }, step: 7, totalSteps: 10, stepsPerEpoch: 5, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [] } as TrainMeta;
    saveCheckpoint(ckpt, meta, { params: net.store.flatten() });
    net.dispose();
    // A real search on the micro space (mixed bits, an analytic target) writes the first results file.
    const predictor = join(dir, 'predictor.json');
    writeRandomPredictor(predictor, space, true, 3);
    const search = run('search', '--checkpoint', ckpt, '--predictor', predictor, '--target', 'rpi4', '--max-latency', '10ms',
      '--generations', '2', '--population', '8', '--workers', '1', '--out', join(dir, 'search'));
    assert.equal(search.status, 0, search.stderr);
    const rpi4 = join(dir, 'search', 'search-rpi4.json');
    // The same format for measured targets (no micro-space profile exists to search them with): a float config on ort-cpu:1, bits on tfjs-wasm:1.
    const json = JSON.parse(readFileSync(rpi4, 'utf8'));
    const { wBits: _w, aBits: _a, ...float } = json.best.config;
    const measured = (target: string, config: unknown) => ({ ...json, target, units: { [target]: 'ms' }, maxLatency: 5, best: { ...json.best, config, latency: 0.05, latencies: { [target]: 0.05 } } });
    const ort = join(dir, 'search-ort-cpu-1.json');
    const tfjs = join(dir, 'search-tfjs-wasm-1.json');
    writeFileSync(ort, JSON.stringify(measured('ort-cpu:1', float)));
    writeFileSync(tfjs, JSON.stringify(measured('tfjs-wasm:1', json.best.config)));
    writeSearchMarker(dir, ['search-ort-cpu-1.json', 'search-tfjs-wasm-1.json', 'other-space.json'].map((file) => ({ file }) as SearchRun));
    results = [ort, rpi4, tfjs];
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports each chosen config, measures test accuracy and latency, and writes the models and reports', () => {
    const out = join(dir, 'verify');
    const r = run('verify', ...results, '--out', out, '--backend', 'wasm');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['search-ort-cpu-1.onnx', 'search-rpi4.int8.onnx', 'search-tfjs-wasm-1.int8.onnx', 'verify.json', 'verify.md']);
    assert.match(r.stdout, /^target\s+budget\s+predicted acc \(val\)\s+measured val \(search\)\s+test acc \(ONNX\)\s+predicted latency\s+measured median \(IQR\)\s+error %\s+error % at the profile's speed\s+within budget$/m);
    assert.match(r.stdout, /^rpi4\s+10 ms\s+[\d.]+%\s+-\s+[\d.]+%\s+[\d.]+ ms\s+estimate only\s+-\s+-\s+n\/a$/m);
    assert.match(r.stdout, /^rpi4: estimate only; not measurable on this machine \(rpi4 is an analytic estimate\)$/m);
    const report = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8'));
    assert.equal(report.format, 'hwnas-verify');
    assert.equal(report.checkpoint, ckpt);
    const [ortRow, rpiRow, tfjsRow] = report.rows;
    assert.deepEqual(report.rows.map((row: { model: { format: string } }) => row.model.format), ['onnx', 'onnx-int8', 'onnx-int8']);
    assert.equal(rpiRow.latency.measurement, null);
    for (const row of [ortRow, tfjsRow]) {
      const m = row.latency.measurement;
      assert.ok(m.medianMs > 0 && m.iqrMs >= 0 && m.runs === 50 && m.warmupRuns === 10 && m.threads === 1, JSON.stringify(m));
      // A flagged measurement is shown as such, never as a plain latency.
      const line = new RegExp(`^${row.target}\\s.*${m.flagged ? 'FLAGGED [\\d.]+ ms \\(IQR [\\d.]+\\)\\s+-\\s+-\\s+unknown' : '\\s[\\d.]+ ms \\(IQR [\\d.]+\\)\\s+[-+][\\d.]+%\\s+-\\s+(yes|no)'}$`, 'm');
      assert.match(r.stdout, line);
      if (m.flagged) assert.match(r.stdout, new RegExp(`^${row.target}: the latency measurement was FLAGGED as too noisy and is not used as a latency: spread too wide`, 'm'));
    }
    // The micro space has no profile at the default paths: the drift is unknown, and said so.
    assert.equal(ortRow.latency.drift, null);
    assert.equal(rpiRow.latency.drift, undefined);
    assert.equal(ortRow.latency.driftAfter, null);
    assert.equal(ortRow.latency.atProfileSpeed, null);
    // Results written without re-ranking: no val accuracy measured by the search.
    assert.equal(ortRow.searchVal, null);
    assert.match(r.stdout, /^ort-cpu:1: no latency profile of this search space at the default path to compare this machine with$/m);
    // The progress counts the two re-timings it skipped as done.
    assert.match(r.stderr, /^ort-cpu:1: no latency profile of this space to re-time: times as measured$/m);
    assert.match(ortRow.latency.runtime, /^onnxruntime-node \S+ running search-ort-cpu-1\.onnx, 1 thread, batch 1$/);
    assert.match(tfjsRow.latency.runtime, /^tfjs-backend-wasm \S+ running the float graph of search-tfjs-wasm-1\.int8\.onnx, 1 thread, batch 1$/);
    assert.match(readFileSync(join(out, 'verify.md'), 'utf8'), /\| rpi4 \| 10 ms \| .* \| estimate only \| - \| - \| n\/a \| \[search-rpi4\.int8\.onnx\]\(search-rpi4\.int8\.onnx\) \|/);
    // The fp32 file's accuracy is the subnet's on the whole test split (tfjs and ONNX agree up to near-ties of an untrained net).
    assert.equal(ortRow.testImages, 10_000);
    const data = loadFashionMnist();
    const { net } = loadSupernet(ckpt);
    const tfjs = evaluateConfig(net, ortRow.config, calibrationSet(data.train), data.test);
    net.dispose();
    assert.ok(Math.abs(tfjs.accuracy - ortRow.testAccuracy) <= 0.002, `tfjs ${tfjs.accuracy} vs ONNX ${ortRow.testAccuracy}`);

    const again = run('verify', results[1], '--out', out, '--backend', 'wasm');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /verify already exists: choose another --out, or pass --force to replace it/);
    assert.equal(readdirSync(out).length, 5);
  });

  it('times an exported model on another ort-cpu target with the same harness', async () => {
    const model = join(dir, 'verify', 'search-ort-cpu-1.onnx');
    const input = timingInput(microSpace(), loadFashionMnist().test);
    assert.deepEqual(input.dims, [1, 28, 28, 1]);
    const check = await measureOnnxOnTarget(model, 'ort-cpu:2', input);
    const m = check.measurement;
    assert.ok(m !== null && m.medianMs > 0 && m.runs === 50 && m.threads === 2, JSON.stringify(m));
    assert.equal(m.label, 'ort-cpu:2 search-ort-cpu-1.onnx');
    assert.match(check.runtime ?? '', /^onnxruntime-node \S+ running search-ort-cpu-1\.onnx, 2 threads, batch 1$/);
    await assert.rejects(measureOnnxOnTarget(model, 'tfjs-wasm:1', input), /only ort-cpu targets run exported ONNX files \(got 'tfjs-wasm:1'\)/);
  });

  it('refuses results from another space, writing nothing', () => {
    const other = join(dir, 'other-space.json');
    writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(results[1], 'utf8')), space: fashionMbv3, best: {
      config: { depths: [1, 1, 1, 1], kernels: Array(11).fill(3), expands: Array(11).fill(3), widths: [1, 1, 1, 1] }, accuracy: 0.9, latency: 1, latencies: { rpi4: 1 },
    } }));
    const out = join(dir, 'never');
    const r = run('verify', results[1], other, '--out', out, '--backend', 'wasm');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /other-space\.json was searched in space 'fashion-mbv3', but .*micro\.ckpt is a supernet of space 'micro': verify it with the supernet the search used \(--checkpoint\)/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.never')), []);
  });

  it('names a missing results file and a missing checkpoint', () => {
    const missing = run('verify', join(dir, 'absent.json'), '--out', join(dir, 'never'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /hwnas: results file .*absent\.json does not exist/);
    const noCkpt = run('verify', results[1], '--checkpoint', join(dir, 'absent.ckpt'), '--out', join(dir, 'never'));
    assert.equal(noCkpt.status, 1);
    assert.match(noCkpt.stderr, /hwnas: checkpoint .*absent\.ckpt does not exist: pass the supernet the search used with --checkpoint/);
    assert.equal(existsSync(join(dir, 'never')), false);
  });
});
