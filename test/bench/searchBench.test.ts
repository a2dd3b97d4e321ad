import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inputFile, parseFractions, searchBenchSettings } from '../../bench/searchBench.js';
import { kShipped, shippedPath } from '../../pipeline/shippedModels.js';

describe('parseFractions', () => {
  it('reads distinct fractions in (0, 1]', () => {
    assert.deepEqual(parseFractions('budgets', '0.5,0.75'), [0.5, 0.75]);
    assert.deepEqual(parseFractions('fraction', ' 1 '), [1]);
  });

  it('names the flag and the expected form', () => {
    for (const bad of ['0', '1.5', '0.5,', 'half', '-0.5', '']) {
      assert.throws(() => parseFractions('budgets', bad), new RegExp(`--budgets must be fractions in \\(0, 1\\] separated by commas, e.g. 0.5,0.75 \\(got '${bad}'\\)`));
    }
    assert.throws(() => parseFractions('budgets', '0.5,0.50'), /--budgets names a fraction twice \(got '0.5,0.50'\)/);
  });
});

describe('inputFile and searchBenchSettings', () => {
  let dir: string;
  let file: string;
  const flags = (extra: Record<string, string | boolean>) => ({
    quant: 'fp32', population: '20', generations: '5', seed: '3', workers: '1', force: false, help: false,
    checkpoint: file, predictor: file, out: join(dir, 'out'), ...extra,
  });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hwnas-bench-flags-'));
    file = join(dir, 'input.json');
    writeFileSync(file, '{}');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a given file, defaults to the shipped one, and names a missing one', () => {
    assert.equal(inputFile('profile', file, kShipped.profiles['ort-cpu:1']), file);
    assert.equal(inputFile('checkpoint', undefined, kShipped.supernet), shippedPath(kShipped.supernet));
    assert.throws(() => inputFile('fp32-predictor', join(dir, 'absent.json'), kShipped.predictors.fp32),
      /--fp32-predictor .*absent\.json does not exist: give an existing fp32 accuracy predictor file \(default models\/predictors\/accuracy-fp32\.json\)/);
  });

  it('turns the shared flags into search settings', () => {
    const s = searchBenchSettings(flags({}), 'unused');
    assert.equal(s.quant, 'fp32');
    assert.deepEqual(s.search, { populationSize: 20, parentsSize: 5, mutationSize: 10, crossoverSize: 10, generations: 5, seed: 3 });
    assert.equal(s.workers, 1);
    assert.equal(s.json, null);
  });

  it('refuses bad values and an existing output folder without --force', () => {
    assert.throws(() => searchBenchSettings(flags({ quant: 'int4' }), 'unused'), /--quant must be 'mixed' or 'fp32' \(got 'int4'\)/);
    assert.throws(() => searchBenchSettings(flags({ population: '3' }), 'unused'), /--population must be an integer >= 4 \(got '3'\)/);
    assert.throws(() => searchBenchSettings(flags({ generations: '0' }), 'unused'), /--generations must be an integer >= 1 \(got '0'\)/);
    assert.throws(() => searchBenchSettings(flags({ backend: 'gpu' }), 'unused'), /--backend must be auto, node, wasm or cpu \(got 'gpu'\)/);
    assert.throws(() => searchBenchSettings(flags({ out: dir }), 'unused'), /already exists: choose another --out, or pass --force to replace it/);
    assert.equal(searchBenchSettings(flags({ out: dir, force: true }), 'unused').out, dir);
  });
});
