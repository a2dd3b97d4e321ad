import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { saveCheckpoint } from '../../supernet/train/checkpoint.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import type { SubnetConfig } from '../../space/types.js';
import { planSearchRuns } from '../../pipeline/search.js';
import { smallestConfig } from '../../space/searchSpace.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import { readSearchResult } from '../../pipeline/searchResultFile.js';
import { lockPath } from '../../util/outputLock.js';
import { formatLatency, parseLatency } from '../../pipeline/latencyArg.js';
import { paretoPlotSvg } from '../../pipeline/paretoPlot.js';
import { formatTable } from '../../pipeline/table.js';
import { kCliPath as cli } from '../fixtures/cli.js';
import { writeRandomPredictor } from '../fixtures/randomPredictor.js';
import { tinyVitSpace } from '../fixtures/vit.js';
import { writeSuperTransformerCheckpoint } from '../fixtures/vitCheckpoints.js';

describe('parseLatency', () => {
  it('reads time suffixes into ms and bare numbers in the target unit', () => {
    assert.equal(parseLatency('1.5ms', 'ms', 'rpi4'), 1.5);
    assert.equal(parseLatency('1500us', 'ms', 'rpi4'), 1.5);
    assert.equal(parseLatency('0.0015s', 'ms', 'rpi4'), 1.5);
    assert.equal(parseLatency(' 2 ', 'ms', 'rpi4'), 2);
    assert.equal(parseLatency('6', 'MMAC', 'macs'), 6);
    assert.equal(parseLatency('6mmac', 'MMAC', 'macs'), 6);
  });

  it('names the target and the accepted forms when it cannot read a budget', () => {
    assert.throws(() => parseLatency('fast', 'ms', 'rpi4'), /invalid --max-latency 'fast' for rpi4: expected e.g. 1.5ms, 1500us, 0.0015s or 1.5 \(ms\)/);
    assert.throws(() => parseLatency('2ms', 'MMAC', 'macs'), /invalid --max-latency '2ms' for macs: its predictions are in MMAC, so expected a number in MMAC, e.g. 5 or 5MMAC/);
    assert.throws(() => parseLatency('0ms', 'ms', 'rpi4'), /a budget must be positive/);
    assert.throws(() => parseLatency('-1ms', 'ms', 'rpi4'), /invalid --max-latency '-1ms' for rpi4: it is negative, and a budget must be positive/);
    assert.throws(() => parseLatency('1e400ms', 'ms', 'rpi4'), /invalid --max-latency '1e400ms' for rpi4: the number is too large to be a budget/);
  });

  it('formats budgets compactly', () => {
    assert.equal(formatLatency(1.5, 'ms'), '1.5 ms');
    assert.equal(formatLatency(0.123456, 'ms'), '0.1235 ms');
  });
});

describe('planSearchRuns', () => {
  it('pairs targets with budgets in order, with units and file names', () => {
    const runs = planSearchRuns(['rpi4', 'phone-big:1', 'rpi4'], ['1ms', '300us', '0.5'], false);
    assert.deepEqual(runs.map((r) => [r.target, r.max, r.unit, r.kind, r.file]), [
      ['rpi4', 1, 'ms', 'estimate', 'search-rpi4-1ms.json'],
      ['phone-big:1', 0.3, 'ms', 'estimate', 'search-phone-big-1.json'],
      ['rpi4', 0.5, 'ms', 'estimate', 'search-rpi4-0.5ms.json'],
    ]);
  });

  it('takes budgets as optional with --pareto', () => {
    assert.deepEqual(planSearchRuns(['macs'], [], true).map((r) => [r.max, r.unit, r.file]), [[undefined, 'MMAC', 'search-macs.json']]);
  });

  it('says what is missing or wrong', () => {
    assert.throws(() => planSearchRuns([], [], false), /give at least one --target/);
    assert.throws(() => planSearchRuns(['rpi4', 'macs'], ['1ms'], false), /got 2 --target and 1 --max-latency: give one --max-latency per --target, in the same order \(or use --pareto/);
    assert.throws(() => planSearchRuns(['tpu'], ['1ms'], false), /unknown target 'tpu': valid targets are/);
    assert.throws(() => planSearchRuns(['rpi4', 'rpi4'], ['1ms', '1000us'], false), /--target rpi4 is given twice with the same budget/);
  });
});

describe('formatTable', () => {
  it('pads columns, text left and numbers right', () => {
    assert.equal(formatTable(['a', 'bb'], [['xyz', '1'], ['q', '22']]), 'a    bb\n---  --\nxyz   1\nq    22');
  });
});

describe('paretoPlotSvg', () => {
  it('renders a standalone SVG with the title, axis names and series', () => {
    const svg = paretoPlotSvg({
      title: 'Front on rpi4',
      xLabel: 'predicted latency on rpi4 (ms)',
      series: [{ name: 'rpi4 <= 1 ms', front: [{ latency: 0.4, accuracy: 0.8 }, { latency: 0.9, accuracy: 0.85 }], best: { latency: 0.9, accuracy: 0.85 }, budget: 1 }],
    });
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>$/);
    for (const text of ['Front on rpi4', 'predicted latency on rpi4 (ms)', 'predicted accuracy (%)', 'rpi4 &lt;= 1 ms', 'budget 1']) {
      assert.ok(svg.includes(text), `missing '${text}'`);
    }
  });
});

describe('hwnas search', () => {
  let dir: string;
  let predictor: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hwnas-search-cli-'));
    predictor = join(dir, 'predictor.json');
    writeRandomPredictor(predictor, fashionMbv3, true, 3);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => promisify(execFile)(process.execPath, [cli, 'search', ...args], { env: { ...process.env, HWNAS_DEBUG: '' } });

  it('writes a results JSON per run and a plot per target, and prints the table', async () => {
    const out = join(dir, 'out');
    const { stdout } = await run([
      '--predictor', predictor, '--target', 'rpi4', '--max-latency', '0.8ms', '--target', 'macs', '--max-latency', '6',
      '--generations', '3', '--population', '12', '--workers', '1', '--seed', '2', '--out', out,
    ]);
    assert.match(stdout, /^target\s+budget\s+accuracy\s+rpi4 \(ms\)\s+macs \(MMAC\)\s+scored\s+seconds$/m);
    assert.match(stdout, /^rpi4\s+0.8 ms\s+[0-9.]+%/m);
    for (const file of ['search-rpi4.json', 'search-macs.json', 'pareto-rpi4.svg', 'pareto-macs.svg', 'search-complete.json']) assert.ok(existsSync(join(out, file)), file);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'search-complete.json'), 'utf8')).files, ['search-rpi4.json', 'search-macs.json']);
    const result = JSON.parse(readFileSync(join(out, 'search-rpi4.json'), 'utf8'));
    assert.equal(result.format, 'hwnas-search-result');
    assert.equal(result.mode, 'budget');
    assert.equal(result.quant, 'mixed');
    assert.equal(result.space.name, 'fashion-mbv3');
    assert.ok(result.best.latency <= 0.8);
    assert.deepEqual(Object.keys(result.best.latencies), ['rpi4', 'macs']);
    assert.equal(result.best.config.wBits.length, result.best.config.kernels.length);
    assert.equal(result.history.length, 3);
  });

  it('searches the space of a --checkpoint in --pareto mode and records the checkpoint', async () => {
    const checkpoint = join(dir, 'supernet.ckpt');
    saveCheckpoint(checkpoint, { kind: 'hwnas-supernet', space: fashionMbv3 }, { params: new Float32Array(4) });
    const out = join(dir, 'pareto');
    const { stdout } = await run([
      '--checkpoint', checkpoint, '--predictor', predictor, '--pareto', '--target', 'phone-big',
      '--generations', '2', '--population', '16', '--workers', '1', '--out', out,
    ]);
    assert.match(stdout, /^phone-big\s+none\s+[0-9.]+%/m);
    const result = JSON.parse(readFileSync(join(out, 'search-phone-big.json'), 'utf8'));
    assert.equal(result.mode, 'pareto');
    assert.equal(result.maxLatency, null);
    assert.equal(result.checkpoint, checkpoint);
    assert.ok(result.front.length >= 2);
    assert.ok(result.front.every((p: { latency: number }, k: number) => k === 0 || p.latency > result.front[k - 1].latency));
    assert.ok(existsSync(join(out, 'pareto-phone-big.svg')));
  });

  it('--rerank measures the finalists, and the best --known configs within the budget, on val with the shipped supernet and keeps the most accurate measured', async () => {
    const out = join(dir, 'rerank');
    // Configs measured before: the smallest (within the budget) and random ones, with recorded accuracies.
    const known = join(dir, 'known.jsonl');
    const configs = [smallestConfig(fashionMbv3, { quant: 'mixed' }), ...sampleSubnets(fashionMbv3, 'mixed', 30, 5)];
    writeFileSync(known, configs.map((config, i) => `${JSON.stringify({ config, accuracy: 0.5 + i / 100, loss: 1, n: 2000, seconds: 1 })}\n`).join(''));
    const { stdout } = await run([
      '--predictor', predictor, '--target', 'macs', '--max-latency', '4', '--rerank', '2', '--known', known,
      '--generations', '2', '--population', '12', '--workers', '1', '--out', out,
    ]);
    assert.match(stdout, /^target\s+budget\s+accuracy\s+val \(measured\)\s+macs \(MMAC\)/m);
    assert.match(stdout, /^macs\s+4 MMAC\s+[0-9.]+%\s+[0-9.]+% \(best of [2-5], [1-3] known(, a known one)?\)/m);
    const result = JSON.parse(readFileSync(join(out, 'search-macs.json'), 'utf8'));
    type Candidate = { config: unknown; accuracy: number; latency: number; valAccuracy: number; valImages: number; knownAccuracy?: number };
    const { candidates, chosen } = result.rerank as { candidates: Candidate[]; chosen: number };
    const fromFront = candidates.filter((c) => c.knownAccuracy === undefined);
    const fromKnown = candidates.filter((c) => c.knownAccuracy !== undefined);
    assert.equal(fromFront.length, Math.min(2, result.front.length));
    assert.ok(fromKnown.length >= 1 && fromKnown.length <= 3, `${fromKnown.length} known configs joined`);
    const recorded = new Map(configs.map((c, i) => [JSON.stringify(c), 0.5 + i / 100]));
    for (const [k, c] of fromKnown.entries()) {
      assert.ok(c.latency <= 4, 'a known config joins only within the budget');
      assert.equal(c.knownAccuracy, recorded.get(JSON.stringify(c.config)));
      if (k > 0) assert.ok((c.knownAccuracy as number) <= (fromKnown[k - 1].knownAccuracy as number), 'most accurate recorded first');
    }
    for (const c of candidates) {
      assert.equal(c.valImages, 10000);
      assert.ok(c.valAccuracy > 0.5 && c.valAccuracy < 1, `val accuracy ${c.valAccuracy}`);
    }
    assert.ok(candidates.every((c) => c.valAccuracy <= candidates[chosen].valAccuracy));
    assert.deepEqual(result.best.config, candidates[chosen].config);
    assert.equal(result.best.valAccuracy, undefined, 'best keeps the ScoredConfig shape');
    // What verify reads back: the chosen config's measured val accuracy, beside the prediction.
    const file = join(out, 'search-macs.json');
    assert.deepEqual(readSearchResult(file).measuredVal, { accuracy: candidates[chosen].valAccuracy, images: 10000 });
    // Fine-tuned after the re-ranking (--finetune-epochs), the results name another checkpoint: the supernet's val accuracy is not its.
    writeFileSync(file, JSON.stringify({ ...result, finetune: { epochs: 1 } }));
    assert.equal(readSearchResult(file).measuredVal, undefined);
    writeFileSync(file, JSON.stringify({ ...result, rerank: { ...result.rerank, chosen: candidates.length } }));
    assert.throws(() => readSearchResult(file), /search-macs\.json is damaged:\n {2}.*rerank\.chosen must index one of rerank\.candidates/);
    assert.ok(result.best.latency <= 4);
    assert.match(result.checkpoint, /models\/supernet\.ckpt$/);
    await assert.rejects(run(['--predictor', predictor, '--pareto', '--target', 'macs', '--rerank', '2', '--out', join(dir, 'x')]), /--rerank chooses within a budget: it does not apply to --pareto/);
    const budget = ['--predictor', predictor, '--target', 'macs', '--max-latency', '4', '--out', join(dir, 'x')];
    await assert.rejects(run([...budget, '--known', known]), /--known configs are measured beside the finalists of --rerank: give --rerank K too, or drop --known/);
    await assert.rejects(run([...budget, '--rerank', '2', '--known', join(dir, 'none.jsonl')]), /--known \S+none\.jsonl does not exist: give a dataset that 'hwnas collect' wrote for this space/);
    await assert.rejects(run([...budget, '--rerank', '2', '--known', predictor]), /predictor\.json is not an accuracy dataset: its first line is not a sample \{config, accuracy, loss, n, seconds\}; give a dataset that 'hwnas collect' wrote/);
    const float = join(dir, 'float.jsonl');
    writeFileSync(float, `${JSON.stringify({ config: smallestConfig(fashionMbv3), accuracy: 0.9, loss: 1, n: 2000, seconds: 1 })}\n`);
    await assert.rejects(run([...budget, '--rerank', '2', '--known', float]), /--known \S+float\.jsonl:1: this line is a float config, but the search's genome is mixed: give a dataset that 'hwnas collect' wrote for this space, collected with --quant mixed/);
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, `${JSON.stringify({ config: smallestConfig(fashionHybrid, { quant: 'mixed' }), accuracy: 0.9, loss: 1, n: 2000, seconds: 1 })}\n`);
    await assert.rejects(run([...budget, '--rerank', '2', '--known', other]), /--known: \S+other\.jsonl:1: invalid subnet config for space 'fashion-mbv3':\n[\s\S]*\n\(is the file from another search space than 'fashion-mbv3'\?\)\ngive a dataset that 'hwnas collect' wrote for this space/);
    assert.ok(!existsSync(join(dir, 'x')), 'nothing written');
  });

  it('--only searches part of a space: every config of the front inside it, the restriction recorded; a bad one refused with nothing written', async () => {
    const hybridPredictor = join(dir, 'hybrid-predictor.json');
    writeRandomPredictor(hybridPredictor, fashionHybrid, false, 4);
    const args = ['--space', 'fashion-hybrid', '--predictor', hybridPredictor, '--quant', 'fp32', '--pareto', '--target', 'macs', '--generations', '2', '--population', '16', '--workers', '1'];
    const out = join(dir, 'only');
    await run([...args, '--only', 'stem-stride=1', '--only', 'family=resnet', '--out', out]);
    const result = JSON.parse(readFileSync(join(out, 'search-macs.json'), 'utf8'));
    assert.deepEqual(result.options.only, { stemStride: [1], families: ['resnet'] });
    assert.ok(result.front.length >= 2);
    for (const { config } of result.front as Array<{ config: SubnetConfig }>) {
      assert.equal(config.stemStride, 1);
      assert.deepEqual(config.families, ['resnet', 'resnet', 'resnet']);
    }
    await assert.rejects(run([...args, '--only', 'family=vgg', '--out', join(dir, 'only-bad')]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /--only family=vgg: 'vgg' is not a family of space 'fashion-hybrid' \(choices: mbconv, fused, resnet\)/);
      return true;
    });
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('only-bad')), []);
    // A SuperTransformer has none of these genes.
    const vit = join(dir, 'vit.ckpt');
    writeSuperTransformerCheckpoint(vit, tinyVitSpace());
    await assert.rejects(run(['--checkpoint', vit, '--pareto', '--target', 'macs', '--only', 'depth=2', '--out', join(dir, 'only-vit')]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /--only limits the stage genes of a CNN space \(stem stride, block family, depth, width\); a SuperTransformer has none of them: drop it/);
      return true;
    });
  });

  it('fails on an infeasible budget, naming the fastest latency and the flag', async () => {
    await assert.rejects(
      run(['--predictor', predictor, '--target', 'rpi4', '--max-latency', '0.01ms', '--generations', '1', '--population', '8', '--workers', '1', '--out', join(dir, 'none')]),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr, /hwnas: --max-latency for --target rpi4: no config of the search space meets the budget on rpi4: latency <= 0.01 ms was asked, but the fastest the space reaches there is [0-9.]+ ms/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('none')), [], 'a failed search leaves no folder, not even a temporary one');
  });

  it('replaces an existing --out only with --force, refuses a locked one, and records the profile of a measured target', async () => {
    const out = join(dir, 'forced');
    const args = ['--predictor', predictor, '--target', 'ort-cpu:1', '--max-latency', '2ms', '--generations', '1', '--population', '8', '--workers', '1', '--out', out];
    await run(args);
    const first = readFileSync(join(out, 'search-ort-cpu-1.json'), 'utf8');
    assert.match(JSON.parse(first).profiles['ort-cpu:1'], /models\/profiles\/ort-cpu-1\.json$/);
    await assert.rejects(run(args), /forced already exists: choose another --out, or pass --force to replace it/);
    const profile = join(dir, 'mine.json');
    copyFileSync(fileURLToPath(new URL('../../../models/profiles/ort-cpu-1.json', import.meta.url)), profile);
    await run([...args, '--force', '--seed', '5', '--profile', `ort-cpu:1=${profile}`]);
    assert.equal(JSON.parse(readFileSync(join(out, 'search-ort-cpu-1.json'), 'utf8')).profiles['ort-cpu:1'], profile);
    assert.notEqual(readFileSync(join(out, 'search-ort-cpu-1.json'), 'utf8'), first);
    await assert.rejects(run([...args, '--force', '--profile', `ort-cpu:2=${profile}`]), /--profile ort-cpu:2=.*: ort-cpu:2 is not one of the --target values \(ort-cpu:1\)/);
    // A run in progress holds the lock: a second writer of the same --out refuses.
    writeFileSync(lockPath(out), `${process.pid}\n`);
    await assert.rejects(run([...args, '--force']), /forced is being written by another hwnas run \(process \d+\)/);
    rmSync(lockPath(out));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.forced')), []);
  });
});
