import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, planConfigs } from '../../predictors/collect.js';
import { loadDataset, readSamples, repairTail, sampleLine } from '../../predictors/samples.js';
import { lockPath } from '../../util/outputLock.js';
import type { SubnetEvaluator } from '../../predictors/SubnetEvaluator.js';
import type { AccuracySample } from '../../predictors/types.js';
import { configKey } from '../../space/searchSpace.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { configProblems } from '../../space/schema.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';
import { syntheticAccuracy } from './synthetic.js';

const space = microSpace();
const dir = mkdtempSync(join(tmpdir(), 'hwnas-collect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Answers from the synthetic accuracy after a delay; fails on the configs listed in `failOn`. */
class FakeEvaluator implements SubnetEvaluator {
  readonly seen: SubnetConfig[] = [];
  running = 0;
  maxRunning = 0;
  constructor(readonly concurrency: number, private readonly failOn = new Set<number>(), private readonly delayMs = (i: number) => (i % 3) * 3) {}
  async evaluate(config: SubnetConfig): Promise<AccuracySample> {
    const i = this.seen.length;
    this.seen.push(config);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, this.delayMs(i)));
    this.running--;
    if (this.failOn.has(i)) throw new Error(`evaluation ${i} failed`);
    return { config, accuracy: syntheticAccuracy(space, config), loss: 1, n: 100, seconds: 0.01 };
  }
  async close(): Promise<void> {}
}

const keys = (configs: SubnetConfig[]) => configs.map((c) => configKey(space, c));

describe('planConfigs', () => {
  it('gives n distinct configs, the same for the same seed, extending for larger n', () => {
    const a = planConfigs(space, 200, 1, 'fp32');
    assert.equal(new Set(keys(a)).size, 200);
    assert.deepEqual(planConfigs(space, 200, 1, 'fp32'), a);
    assert.deepEqual(planConfigs(space, 50, 1, 'fp32'), a.slice(0, 50));
    assert.notDeepEqual(keys(planConfigs(space, 50, 2, 'fp32')), keys(a.slice(0, 50)));
    assert.ok(planConfigs(space, 5, 1, 'mixed').every((c) => c.wBits !== undefined));
    const sized = planConfigs(space, 50, 1, 'fp32', 'sizes');
    assert.equal(new Set(keys(sized)).size, 50);
    assert.deepEqual(planConfigs(space, 50, 1, 'fp32', 'sizes'), sized);
    assert.deepEqual(sized, a.slice(0, 50), 'size-first sampling is the default');
    assert.notDeepEqual(keys(planConfigs(space, 50, 1, 'fp32', 'uniform')), keys(sized));
  });

  it('stops with a message when the space has too few subnets', () => {
    // microSpace has 1,600 fp32 subnets.
    assert.equal(planConfigs(space, 1600, 1, 'fp32', 'uniform').length, 1600);
    assert.throws(() => planConfigs(space, 1601, 1, 'fp32', 'uniform'), /found only 1600 distinct configs in \d+ draws: space 'micro' is too small for n = 1601/);
    assert.throws(() => planConfigs(space, 0, 1, 'fp32'), /options\.n must be a positive integer \(got 0\)/);
  });

  it('plans fashion-hybrid datasets: distinct valid configs over every family and stem stride, read back as samples', () => {
    for (const quant of ['fp32', 'mixed'] as const) {
      const plan = planConfigs(fashionHybrid, 100, 1, quant);
      assert.equal(new Set(plan.map((c) => configKey(fashionHybrid, c))).size, 100);
      assert.ok(plan.every((c) => configProblems(fashionHybrid, c).length === 0));
      assert.deepEqual([...new Set(plan.flatMap((c) => c.families))].sort(), ['fused', 'mbconv', 'resnet']);
      assert.deepEqual([...new Set(plan.map((c) => c.stemStride))].sort(), [1, 2]);
      const file = join(dir, `hybrid-${quant}.jsonl`);
      writeFileSync(file, plan.map((config) => JSON.stringify({ config, accuracy: 0.9, loss: 0.3, n: 100, seconds: 1 })).join('\n') + '\n');
      assert.deepEqual(readSamples(file, fashionHybrid).samples.map((s) => s.config), plan);
    }
  });
});

describe('collect', () => {
  it('writes one line per planned config in plan order, whatever the concurrency', async () => {
    const files = await Promise.all([1, 3].map(async (c) => {
      const out = join(dir, `order-${c}.jsonl`);
      const ev = new FakeEvaluator(c);
      const summary = await collect(space, ev, out, { n: 12, seed: 4 });
      assert.equal(summary.evaluated, 12);
      assert.equal(ev.maxRunning, c);
      return readSamples(out, space).samples;
    }));
    assert.deepEqual(keys(files[0].map((s) => s.config)), keys(planConfigs(space, 12, 4, 'fp32')));
    assert.deepEqual(files[1], files[0]);
  });

  it('resumes: skips configs already in the file and evaluates only the missing ones', async () => {
    const out = join(dir, 'resume.jsonl');
    await collect(space, new FakeEvaluator(2), out, { n: 5, seed: 7 });
    const ev = new FakeEvaluator(2);
    const progress: number[] = [];
    const summary = await collect(space, ev, out, { n: 8, seed: 7, onSample: (_, p) => progress.push(p.done) });
    assert.deepEqual({ ...summary, seconds: 0 }, { planned: 8, alreadyPresent: 5, evaluated: 3, repairedBytes: 0, seconds: 0 });
    assert.deepEqual(keys(ev.seen), keys(planConfigs(space, 8, 7, 'fp32').slice(5)));
    assert.deepEqual(progress, [6, 7, 8]);
    assert.equal(readSamples(out, space).samples.length, 8);
  });

  it('a failed run leaves only whole lines, and the next run completes the plan', async () => {
    const out = join(dir, 'fail.jsonl');
    await assert.rejects(collect(space, new FakeEvaluator(2, new Set([3])), out, { n: 6, seed: 9 }), /evaluation 3 failed/);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'));
    const partial = readSamples(out, space).samples;
    assert.equal(partial.length, 3, 'configs 0-2 written, 3 failed, later ones not written');
    const summary = await collect(space, new FakeEvaluator(2), out, { n: 6, seed: 9 });
    assert.equal(summary.evaluated, 3);
    assert.deepEqual(keys(readSamples(out, space).samples.map((s) => s.config)), keys(planConfigs(space, 6, 9, 'fp32')));
  });

  it('cuts off an incomplete last line left by an interrupted write before appending', async () => {
    const out = join(dir, 'tail.jsonl');
    await collect(space, new FakeEvaluator(1), out, { n: 2, seed: 1 });
    appendFileSync(out, '{"config":{"depths":[1');
    assert.equal(readSamples(out, space).partialBytes, 22);
    const summary = await collect(space, new FakeEvaluator(1), out, { n: 3, seed: 1 });
    assert.equal(summary.repairedBytes, 22);
    const file = readSamples(out, space);
    assert.equal(file.samples.length, 3);
    assert.equal(file.partialBytes, 0);
  });

  it('refuses to mix quant modes or evaluation sizes in one file', async () => {
    const out = join(dir, 'mixed.jsonl');
    await collect(space, new FakeEvaluator(1), out, { n: 2, seed: 1, imagesPerSample: 100 });
    await assert.rejects(collect(space, new FakeEvaluator(1), out, { n: 3, seed: 1, quant: 'mixed' }), /mixed\.jsonl:1 is a fp32 sample but this run collects mixed ones/);
    await assert.rejects(collect(space, new FakeEvaluator(1), out, { n: 3, seed: 1, imagesPerSample: 500 }), /evaluated on 100 val images but this run uses 500: pass --eval-images 100/);
    assert.equal((await collect(space, new FakeEvaluator(1), out, { n: 3, seed: 1, imagesPerSample: 100 })).evaluated, 1);
    // Errors name the file's line, blank lines counted.
    const spaced = join(dir, 'spaced.jsonl');
    await collect(space, new FakeEvaluator(1), spaced, { n: 2, seed: 1, imagesPerSample: 100 });
    writeFileSync(spaced, `\n\n${readFileSync(spaced, 'utf8')}`);
    await assert.rejects(collect(space, new FakeEvaluator(1), spaced, { n: 3, seed: 1, imagesPerSample: 500 }), /spaced\.jsonl:3 was evaluated on 100 val images/);
  });

  it('refuses a file with a corrupt line in the middle, naming the line', async () => {
    const out = join(dir, 'corrupt.jsonl');
    await collect(space, new FakeEvaluator(1), out, { n: 2, seed: 1 });
    appendFileSync(out, '{"config": 1}\n');
    await assert.rejects(collect(space, new FakeEvaluator(1), out, { n: 3, seed: 1 }), /corrupt\.jsonl:3 is not an accuracy sample/);
    appendFileSync(join(dir, 'foreign.jsonl'), `${JSON.stringify({ config: { depths: [1], kernels: [3], expands: [3], widths: [1] }, accuracy: 0.5, loss: 1, n: 10, seconds: 1 })}\n`);
    assert.throws(() => readSamples(join(dir, 'foreign.jsonl'), space), /foreign\.jsonl:1: invalid subnet config[\s\S]*another search space than 'micro'/);
  });

  it('never changes a file that is not a dataset: a predictor JSON, a binary file, a foreign last line', async () => {
    const foreign: Array<[string, Buffer, RegExp]> = [
      ['predictor.json', readFileSync(fileURLToPath(new URL('../../../models/predictors/accuracy-quant.json', import.meta.url))), /predictor\.json is not an accuracy dataset: its first line is not a sample/],
      ['model.onnx', Buffer.from([0x08, 0x07, 0x12, 0x0a, 0x68, 0x77, 0x6e, 0x61, 0x73, 0x0a, 0x00, 0x01, 0x02]), /model\.onnx is not an accuracy dataset \(it is a binary file\)/],
      ['notes.txt', Buffer.from('hello\nworld'), /notes\.txt is not an accuracy dataset: its first line is not a sample/],
    ];
    const good = join(dir, 'good.jsonl');
    await collect(space, new FakeEvaluator(1), good, { n: 2, seed: 1 });
    foreign.push(['tail.jsonl', Buffer.concat([readFileSync(good), Buffer.from('# a note without newline')]), /tail\.jsonl is not an accuracy dataset: its last line \(without a newline\) is not the start of a sample/]);
    for (const [name, bytes, message] of foreign) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      await assert.rejects(collect(space, new FakeEvaluator(1), path, { n: 1, seed: 1 }), message);
      assert.throws(() => repairTail(path), message);
      assert.ok(readFileSync(path).equals(bytes), `${name} was changed`);
    }
  });

  it('refuses a second writer of the same file while the first runs, and takes over a stale lock', async () => {
    const out = join(dir, 'locked.jsonl');
    const first = collect(space, new FakeEvaluator(1, new Set(), () => 20), out, { n: 4, seed: 3 });
    await assert.rejects(collect(space, new FakeEvaluator(1), out, { n: 4, seed: 3 }), /locked\.jsonl is being written by another hwnas run \(process \d+\): wait for it to finish/);
    await first;
    assert.equal(existsSync(lockPath(out)), false, 'the lock is released');
    // A lock left by a process that no longer runs is stale.
    writeFileSync(lockPath(out), '2147483646\n');
    const again = await collect(space, new FakeEvaluator(1), out, { n: 6, seed: 3 });
    assert.equal(again.alreadyPresent, 4);
    const lines = readSamples(out, space).samples;
    assert.equal(new Set(keys(lines.map((l) => l.config))).size, lines.length, 'no config twice');
    assert.equal(lines.length, 6);
  });
});

describe('loadDataset', () => {
  it('keeps each config once, counting the duplicates, and reports a torn last line', async () => {
    const out = join(dir, 'dupes.jsonl');
    await collect(space, new FakeEvaluator(1), out, { n: 3, seed: 5 });
    const text = readFileSync(out, 'utf8');
    appendFileSync(out, `${text.split('\n')[1]}\n${text.split('\n')[0]}\n{"config":{"dep`);
    const d = loadDataset(out, space);
    assert.equal(d.samples.length, 3);
    assert.equal(d.duplicates, 2);
    assert.equal(d.partialBytes, 15);
    assert.deepEqual(keys(d.samples.map((s) => s.config)), keys(planConfigs(space, 3, 5, 'fp32')));
  });
});

describe('sampleLine', () => {
  it('numbers a sample by its line in the file as readSamples counts them: blank lines, CRLF and a torn last line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hwnas-lines-')), 'd.jsonl');
    writeFileSync(path, '\r\n{"a":1}\r\n\r\n  \n{"a":2}\n{"a":3}\n{"a":');
    assert.deepEqual([0, 1, 2].map((i) => sampleLine(path, i)), [2, 5, 6]);
    assert.throws(() => sampleLine(path, 3), /d\.jsonl has no sample 4/);
  });
});
