import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ownBest, specialiseMarkdown, specialiseTargets, type SpecialiseRow } from '../../bench/specialiseTable.js';
import { transformerSpecialise, transformerTableRows, type TransformerSpecialiseResult } from '../../bench/specialiseTransformer.js';
import { runtimePool } from '../../pipeline/transformerDemo.js';
import { transformerConfigKey } from '../../space/transformer/configs.js';
import { initBackend } from '../../supernet/backend/backend.js';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { SuperTransformer } from '../../supernet/transformer/SuperTransformer.js';
import { smallFashionMnist } from '../fixtures/data.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { fakeOnnxRuntime, kFastSampler, kVitTargets, syntheticLatency, vitDemoSetup, type FakeOnnxRuntime } from '../fixtures/vitProfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-specialise-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the specialisation table', () => {
  const columns = [{ target: 'a', unit: 'ms', budget: 1 }, { target: 'b', unit: 'ms', budget: 2 }, { target: 'rpi4', unit: 'ms', budget: 3 }];
  const row = (searchedFor: string, acc: number, test: number, predicted: number[], measured: Array<number | null>, key = searchedFor): SpecialiseRow => ({
    searchedFor, key, predictedAccuracy: acc, testAccuracy: test,
    predicted: { a: predicted[0], b: predicted[1], rpi4: predicted[2] },
    measured: {
      a: { text: `${measured[0]} ms`, ms: measured[0], ...(measured[0] === null ? { note: 'FLAGGED as too noisy (cv 0.5)' } : {}) },
      b: { text: `${measured[1]} ms`, ms: measured[1] },
    },
    extra: ['1.00M'],
  });
  // a's config: fits a and b, most accurate; b's: fits b only by prediction, fastest on b; rpi4's: fits everything.
  const rows = [row('a', 0.9, 0.88, [0.9, 1.9, 4], [0.95, 1.5]), row('b', 0.85, 0.9, [1.2, 1.5, 5], [1.3, 1.2]), row('rpi4', 0.7, 0.7, [0.5, 0.6, 2.5], [null, 0.4], 'a')];

  it('names per target the configs within its budget, the most accurate of them, and the fastest measured', () => {
    assert.deepEqual(ownBest(rows, columns), [
      { target: 'a', within: ['a', 'rpi4'], bestPredicted: 'a', bestTest: 'a', withinMeasured: ['a'], bestTestMeasured: 'a', fastest: 'a' },
      { target: 'b', within: ['a', 'b', 'rpi4'], bestPredicted: 'a', bestTest: 'b', withinMeasured: ['a', 'b', 'rpi4'], bestTestMeasured: 'b', fastest: 'rpi4' },
      { target: 'rpi4', within: ['rpi4'], bestPredicted: 'rpi4', bestTest: 'rpi4' },
    ]);
  });

  it('prints the diagonal in bold, estimates as such, over-budget cells marked, and the summary', () => {
    const md = specialiseMarkdown(rows, columns, ['MACs'], 'Cells: medians.').split('\n');
    assert.equal(md[0], '| config searched for | a (budget 1 ms) | b (budget 2 ms) | rpi4 (budget 3 ms) | predicted acc (val) | test acc (ONNX) | MACs |');
    assert.equal(md[2], '| a | **0.95 ms; pred 0.9 ms** | 1.5 ms; pred 1.9 ms | est. 4 ms, over budget | 90.00% | 88.00% | 1.00M |');
    assert.equal(md[3], '| b | 1.3 ms; pred 1.2 ms, over budget | **1.2 ms; pred 1.5 ms** | est. 5 ms, over budget | 85.00% | 90.00% | 1.00M |');
    assert.equal(md[4], '| rpi4 | null ms; pred 0.5 ms | 0.4 ms; pred 0.6 ms | **est. 2.5 ms** | 70.00% | 70.00% | 1.00M |');
    assert.equal(md[6], 'Cells: medians. 2 distinct configs of 3.');
    assert.equal(md[8], "- a: 2 of 3 configs fit its budget (predicted: a, rpi4); most accurate of them: a's (its own) by predicted val accuracy, a's (its own) by test accuracy; " +
      "measured within it: a, the most accurate of those a's (its own) by test accuracy; fastest measured there: a's (its own)");
    assert.equal(md[10], "- rpi4: 1 of 3 configs fit its budget (predicted: rpi4); most accurate of them: rpi4's (its own) by predicted val accuracy, rpi4's (its own) by test accuracy");
    assert.equal(md[11], "- rpi4's config on a: FLAGGED as too noisy (cv 0.5)");
  });

  it('reads --targets, refusing an empty list and a target named twice', () => {
    assert.deepEqual(specialiseTargets(' ort-cpu:1, ort-cpu:2 ,'), ['ort-cpu:1', 'ort-cpu:2']);
    assert.throws(() => specialiseTargets(' , '), /--targets must name at least one target \(got ' , '\)/);
    assert.throws(() => specialiseTargets('ort-cpu:1,ort-cpu:1'), /--targets names a target twice \(got 'ort-cpu:1,ort-cpu:1'\)/);
  });
});

describe('bench:specialise on a tiny SuperTransformer', () => {
  const space = tinyVitSpace();
  let net: SuperTransformer;
  let result: TransformerSpecialiseResult;
  const runtimes = new Map<number, FakeOnnxRuntime>();
  const out = join(dir, 'bench');

  before(async () => {
    await initBackend({ backend: 'wasm' });
    net = new SuperTransformer(space, 5);
    const setup = await vitDemoSetup(dir, space);
    // Two threads run the same graphs twice as fast.
    const pool = runtimePool(async (_, threads) => {
      const r = fakeOnnxRuntime(threads, 200 * threads);
      runtimes.set(threads, r);
      return r;
    });
    result = await transformerSpecialise({
      ...setup, net, targets: ['ort-cpu:1', 'ort-cpu:2'], fraction: 0.6, test: smallFashionMnist(10, 10, 50).test, runtimes: pool, sampler: kFastSampler,
    }, out);
  });
  after(() => net?.dispose());

  it('budgets each target at the fraction of the largest SubTransformer\'s predicted latency there', () => {
    assert.deepEqual(result.columns.map((c) => [c.target, c.unit, c.budget]), [['ort-cpu:1', 'ms', 0.1296], ['ort-cpu:2', 'ms', 0.27]]);
    assert.ok(Math.abs(result.columns[0].largest - 0.216) < 1e-9 && Math.abs(result.columns[1].largest - 0.45) < 1e-9);
  });

  it('predicts and measures every chosen config on every target, each within its own budget, the configs specialised', () => {
    assert.deepEqual(result.rows.map((r) => r.searchedFor), ['ort-cpu:1', 'ort-cpu:2']);
    assert.notEqual(transformerConfigKey(result.rows[0].result.row.config), transformerConfigKey(result.rows[1].result.row.config));
    for (const r of result.rows) {
      const { config } = r.result.row;
      for (const [t, o] of Object.entries(kVitTargets)) {
        const expected = syntheticLatency(space, config, o);
        assert.ok(Math.abs(r.predicted[t] - expected) < 1e-9, `${r.searchedFor}'s config on ${t}: ${r.predicted[t]} vs ${expected}`);
        assert.ok(r.measured[t].measuredMs > 0 && r.measured[t].rawMs > 0);
      }
      assert.ok(r.predicted[r.searchedFor] <= result.columns.find((c) => c.target === r.searchedFor)!.budget);
      // Its own target's cell is the verify measurement.
      assert.equal(r.measured[r.searchedFor].measuredMs, r.result.row.measuredMs);
      assert.ok(existsSync(join(out, r.result.verifyDir, r.result.row.onnx)));
    }
    // Timed on ort-cpu:2, ort-cpu:1's model runs about twice as fast as on ort-cpu:1.
    const own = result.rows[0].measured['ort-cpu:1'].rawMs;
    const other = result.rows[0].measured['ort-cpu:2'].rawMs;
    assert.ok(other / own > 0.3 && other / own < 0.9, `${other} vs ${own}`);
    // On each runtime: per verify its reference and model; then the other target's model beside its reference.
    assert.deepEqual([runtimes.get(1)?.loads, runtimes.get(2)?.loads], [4, 4]);
  });

  it('shows the rows in the shared table, the diagonal in bold', () => {
    const rows = transformerTableRows(space, result.rows);
    const md = specialiseMarkdown(rows, result.columns, ['MACs', 'config'], 'Cells.').split('\n');
    assert.match(md[2], /^\| ort-cpu:1 \| \*\*[0-9.e-]+ ms(?: \(noisy\))?; pred [0-9.]+ ms\*\* \| [0-9.e-]+ ms(?: \(noisy\))?; pred [0-9.]+ ms(, over budget)? \| \d+\.\d\d% \| \d+\.\d\d% \| 0\.\d\dM \| d\d+-L\d/);
    assert.match(md[3], /^\| ort-cpu:2 \| [^*|]+ \| \*\*[^|]+\*\* \|/);
    assert.equal(md[5], 'Cells. 2 distinct configs of 2.');
    const best = ownBest(rows, result.columns);
    for (const b of best) assert.ok(b.within.includes(b.target), `${b.target}'s own config fits its budget by prediction`);
  });
});

describe('bench:specialise --checkpoint <SuperTransformer>: refusals', () => {
  const bench = fileURLToPath(new URL('../../bench/specialise.js', import.meta.url));
  const ckpt = join(dir, 'flag-vit.ckpt');
  const predictor = join(dir, 'flag-acc.json');
  const refused = (args: string[], message: RegExp) => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const r = spawnSync(process.execPath, [bench, ...args, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(existsSync(out), false);
  };

  before(() => {
    saveCheckpoint(ckpt, { kind: 'hwnas-supertransformer', space: tinyVitSpace(), options: { phases: [] } }, { params: new Float32Array(4) });
    writeFileSync(predictor, '{}');
  });

  it('takes measured targets that run SubTransformers, with a transformer profile, naming what to give instead', () => {
    const common = ['--checkpoint', ckpt, '--predictor', predictor];
    refused([...common, '--targets', 'ort-cpu:1,rpi4'], /^bench:specialise: --targets rpi4: SubTransformers are searched and timed on measured targets that run their graphs only \(ort-cpu, tfjs-wasm, tfjs-node\)/);
    refused([...common, '--targets', 'ort-cpu:3'], /^bench:specialise: --targets ort-cpu:3: hwnas ships transformer latency profiles of fashion-vit for ort-cpu:1, ort-cpu:2 and tfjs-wasm:1 only: use one of those, or give one of your own with --profile ort-cpu:3=FILE \('hwnas profile --space fashion-vit --target ort-cpu:3 --out FILE'\)/);
    refused([...common, '--profile', `ort-cpu:2=${join(dir, 'none.json')}`], /^bench:specialise: --profile ort-cpu:2=.*none\.json does not exist/);
    refused([...common, '--targets', 'ort-cpu:1', '--profile', `ort-cpu:2=${predictor}`], /^bench:specialise: --profile ort-cpu:2=.*: ort-cpu:2 is not one of the --targets values \(ort-cpu:1\)/);
    refused([...common, '--fraction', '0.5,0.6'], /^bench:specialise: --fraction takes one fraction/);
    refused(['--checkpoint', ckpt, '--predictor', join(dir, 'none.json')], /^bench:specialise: --predictor .*none\.json does not exist: give an existing fashion-vit accuracy predictor file \(default models\/vit\/accuracy-fp32\.json\)/);
  });
});
