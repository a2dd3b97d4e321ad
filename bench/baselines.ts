/**
 * The baselines a user would train instead of searching (pipeline/baselines.ts), trained to
 * the end with hwnas's own trainer and standard recipe (resumable: a run trains for at most
 * --max-steps per model, the next continues), exported, tested on all test images, then timed
 * side by side with any searched models given (--compare) on one target with the measurement
 * harness, in alternating rounds. Writes a table, JSON and a plot of test accuracy vs
 * measured latency.
 *
 *   npm run bench:baselines -- [--models resnet8,resnet14,vgg4] [--epochs 30] [--workers 2]
 *     [--max-steps N] [--rounds 5] [--target ort-cpu:1] [--compare LABEL=FILE.onnx ...]
 *     [--front LABEL=FILE.onnx ...] [--other LABEL=FILE.onnx ...] [--out runs/baselines]
 *
 * --compare models are each a point of their own in the plot (e.g. the fine-tuned picks);
 * --front models form one series, the searched front with inherited weights; --other models
 * (LABEL=FILE.onnx) are timed and plotted beside them as neither baseline nor searched (e.g. a
 * baseline's config fine-tuned from the supernet, a transformer).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTarget } from '../latency/targets.js';
import {
  baselineFiles, baselineFinished, finishBaseline, kBaselines, parseBaselineNames, trainBaseline, type BaselineResult,
} from '../pipeline/baselines.js';
import { paretoPlotSvg } from '../pipeline/paretoPlot.js';
import { markdownTable } from '../pipeline/table.js';
import { onnxTestAccuracy } from '../pipeline/verifyConfigs.js';
import { measureOnnxOnTarget, timingInput } from '../pipeline/verifyLatency.js';
import { median } from '../util/stats.js';
import { fashionHybrid } from '../space/defaultSpace.js';
import { initBackend } from '../supernet/backend/backend.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { benchMachine } from './machine.js';
import { benchArgs, fail, intFlag } from './args.js';

const kName = 'bench:baselines';
const args = benchArgs(kName, {
  models: { type: 'string', default: Object.keys(kBaselines).join(',') },
  epochs: { type: 'string', default: '30' },
  workers: { type: 'string', default: '2' },
  'max-steps': { type: 'string', default: '0' },
  rounds: { type: 'string', default: '5' },
  target: { type: 'string', default: 'ort-cpu:1' },
  compare: { type: 'string', multiple: true, default: [] },
  front: { type: 'string', multiple: true, default: [] },
  other: { type: 'string', multiple: true, default: [] },
  'data-dir': { type: 'string' },
  out: { type: 'string', default: 'runs/baselines' },
});

interface Row {
  label: string;
  kind: 'baseline' | 'searched' | 'front' | 'other';
  testAccuracy: number;
  macs?: number;
  params?: number;
  path: string;
  latencies: number[];
}

try {
  const names = parseBaselineNames(args.models);
  const epochs = intFlag('epochs', args.epochs, 1);
  const workers = intFlag('workers', args.workers, 1);
  const maxSteps = intFlag('max-steps', args['max-steps'], 0);
  const rounds = intFlag('rounds', args.rounds, 1);
  const target = resolveTarget(args.target);
  if (target.name !== 'ort-cpu') throw new Error(`--target must be ort-cpu:THREADS (got '${args.target}'): the exports are timed in onnxruntime`);
  const labelled = (flag: string, kind: Row['kind']) => (c: string) => {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new Error(`--${flag} takes LABEL=FILE.onnx (got '${c}')`);
    if (!existsSync(c.slice(eq + 1))) throw new Error(`--${flag} ${c}: no such file; export the model first (hwnas export or hwnas verify)`);
    return { label: c.slice(0, eq), path: c.slice(eq + 1), kind };
  };
  const compare = [...args.compare.map(labelled('compare', 'searched')), ...args.front.map(labelled('front', 'front')), ...args.other.map(labelled('other', 'other'))];
  await initBackend({});
  const data = loadFashionMnist({ dataDir: args['data-dir'] });
  const rows: Row[] = [];
  const results: BaselineResult[] = [];
  for (const name of names) {
    if (!baselineFinished(name)) {
      process.stderr.write(`training ${name} (${kBaselines[name].what})${maxSteps > 0 ? `, at most ${maxSteps} steps this run` : ''}\n`);
      const meta = await trainBaseline(name, data, { epochs, workers, maxSteps }, {
        bar: (total, start) => {
          let last = Date.now();
          return {
            update: (v, p) => {
              if (Date.now() - last < 60_000) return;
              last = Date.now();
              process.stderr.write(`  ${name}: step ${v}/${total} (from ${start}), loss ${String(p?.loss)}\n`);
            },
            log: (l) => process.stderr.write(`${l}\n`),
            stop: () => undefined,
          };
        },
        note: (l) => process.stderr.write(`${l}\n`),
      });
      if (meta.step < meta.totalSteps) {
        process.stderr.write(`${name}: at step ${meta.step}/${meta.totalSteps}; run again to continue\n`);
        continue;
      }
    }
    const result = await finishBaseline(name, data);
    results.push(result);
    rows.push({ label: name, kind: 'baseline', testAccuracy: result.testAccuracy, macs: result.macs, params: result.params, path: baselineFiles(name).onnx, latencies: [] });
  }
  for (const c of compare) {
    rows.push({ label: c.label, kind: c.kind, testAccuracy: await onnxTestAccuracy(c.path, data.test, 10), path: c.path, latencies: [] });
  }
  if (rows.length === 0) throw new Error('no baseline has finished training yet and no --compare model was given: nothing to time');
  const input = timingInput(fashionHybrid, data.test);
  for (let r = 0; r < rounds; r++) {
    // Alternating rounds, each in a rotated order, so drift shows as spread, not as a difference.
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + r) % rows.length];
      const { measurement } = await measureOnnxOnTarget(row.path, target, input);
      if (measurement === null) throw new Error(`${row.label} could not be timed on ${args.target}`);
      row.latencies.push(measurement.medianMs);
    }
  }
  const machine = benchMachine();
  const table = markdownTable(
    ['model', 'kind', 'test accuracy', 'MACs', 'params', `${args.target} median ms (min-max over ${rounds} rounds)`],
    rows.map((row) => [
      row.label, row.kind, `${(100 * row.testAccuracy).toFixed(2)}%`,
      row.macs === undefined ? '' : `${(row.macs / 1e6).toFixed(2)}M`, row.params === undefined ? '' : `${(row.params / 1e3).toFixed(1)}K`,
      `${median(row.latencies).toFixed(3)} (${Math.min(...row.latencies).toFixed(3)}-${Math.max(...row.latencies).toFixed(3)})`,
    ]),
  );
  mkdirSync(args.out, { recursive: true });
  const point = (row: Row) => ({ latency: median(row.latencies), accuracy: row.testAccuracy });
  const byLatency = (a: Row, b: Row) => median(a.latencies) - median(b.latencies);
  const svg = paretoPlotSvg({
    title: `Test accuracy vs measured latency (${args.target}; ${machine})`,
    xLabel: `measured latency on ${args.target} (ms, median of ${rounds} alternating rounds)`,
    series: [
      { name: 'baselines (trained from scratch)', front: rows.filter((r) => r.kind === 'baseline').sort(byLatency).map(point) },
      ...(rows.some((r) => r.kind === 'front') ? [{ name: 'searched front (inherited weights)', front: rows.filter((r) => r.kind === 'front').sort(byLatency).map(point) }] : []),
      ...rows.filter((r) => r.kind === 'searched' || r.kind === 'other').map((r) => ({ name: r.label, front: [point(r)], best: point(r) })),
    ],
  });
  writeFileSync(join(args.out, 'baselines.svg'), svg);
  writeFileSync(join(args.out, 'baselines.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, target: args.target, rounds, rows, results }, null, 2)}\n`);
  console.log(`machine: ${machine}\n`);
  console.log(table);
  console.log(`\nwrote ${join(args.out, 'baselines.svg')} and baselines.json`);
} catch (err) {
  fail(kName, err);
}
