/**
 * How far the accuracy labels themselves let a predictor rank subnets. The held-out samples of
 * `hwnas fit` (same seeded split) are evaluated again on val, and each one's accuracy is split
 * into the two 5,000-image halves of val. Two halves of one measurement agree on the ranking
 * only as far as the measurement noise allows; a predictor that agrees with each half about as
 * well as the halves agree with each other is at that ceiling. Reported: Kendall tau and
 * Spearman between the halves, between the predictor and each half, and between the predictor
 * and the full-val labels (the `hwnas fit` figure).
 *
 *   npm run build && node dist/bench/labelNoise.js --data fp32.jsonl --predictor accuracy-fp32.json
 *     [--checkpoint models/supernet.ckpt] [--fraction 0.2] [--seed 0] [--json out.json]
 */
import { writeFileAtomic } from '../util/atomicWrite.js';
import { initBackend } from '../supernet/backend/backend.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { calibrationSet, evaluateConfig } from '../supernet/evaluate.js';
import { loadSupernet } from '../supernet/io.js';
import { kendallTau, spearman } from '../util/stats.js';
import { splitHoldOut } from '../predictors/fitPredictor.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { loadDataset } from '../predictors/samples.js';
import { kShipped } from '../pipeline/shippedModels.js';
import { benchArgs, fail } from './args.js';

const kName = 'bench:label-noise';
const args = benchArgs(kName, {
  data: { type: 'string' },
  predictor: { type: 'string' },
  checkpoint: { type: 'string', default: kShipped.supernet.file },
  fraction: { type: 'string', default: '0.2' },
  seed: { type: 'string', default: '0' },
  json: { type: 'string' },
});

if (args.data === undefined || args.predictor === undefined) fail(kName, 'give --data DATASET.jsonl and --predictor FILE (the pair hwnas fit used)');
const fraction = Number(args.fraction);
const seed = Number(args.seed);
if (!(fraction > 0 && fraction < 1)) fail(kName, `--fraction must be in (0, 1) (got '${args.fraction}')`);
if (!Number.isInteger(seed)) fail(kName, `--seed must be an integer (got '${args.seed}')`);

await initBackend({ backend: 'wasm', threads: 1 });
const { net } = loadSupernet(args.checkpoint);
const space = net.space;
const { samples } = loadDataset(args.data, space);
const { test } = splitHoldOut(samples, fraction, seed);
const predictor = MlpPredictor.load(args.predictor, space);
const data = loadFashionMnist();
const calibration = calibrationSet(data.train);
const half = Math.floor(data.val.n / 2);

const full: number[] = [];
const halfA: number[] = [];
const halfB: number[] = [];
const t0 = performance.now();
for (const [i, s] of test.entries()) {
  const r = evaluateConfig(net, s.config, calibration, data.val);
  if (Math.abs(r.accuracy - s.accuracy) > 1e-9) {
    fail(kName, `held-out sample ${i} measures ${r.accuracy} now but ${s.accuracy} in ${args.data}: was the dataset collected on ${args.checkpoint}?`);
  }
  let a = 0;
  let b = 0;
  for (let k = 0; k < r.n; k++) {
    if (r.predictions[k] !== data.val.labels[k]) continue;
    if (k < half) a++;
    else b++;
  }
  full.push(r.accuracy);
  halfA.push(a / half);
  halfB.push(b / (r.n - half));
  process.stderr.write(`\r${i + 1}/${test.length} held-out configs re-evaluated`);
}
process.stderr.write('\n');
net.dispose();
const predicted = Array.from(predictor.predict(test.map((s) => s.config)));
const pair = (x: number[], y: number[]) => ({ kendallTau: kendallTau(x, y), spearman: spearman(x, y) });
const report = {
  checkpoint: args.checkpoint,
  data: args.data,
  predictor: args.predictor,
  heldOut: test.length,
  halfImages: [half, data.val.n - half],
  halves: pair(halfA, halfB),
  predictorVsHalfA: pair(predicted, halfA),
  predictorVsHalfB: pair(predicted, halfB),
  predictorVsFull: pair(predicted, full),
  seconds: (performance.now() - t0) / 1000,
};
const f = (p: { kendallTau: number; spearman: number }) => `Kendall tau ${p.kendallTau.toFixed(3)}, Spearman ${p.spearman.toFixed(3)}`;
console.log(`label noise on ${test.length} held-out subnets of ${args.data} (val halves of ${half} and ${data.val.n - half} images):`);
console.log(`  half A vs half B:          ${f(report.halves)}`);
console.log(`  predictor vs half A:       ${f(report.predictorVsHalfA)}`);
console.log(`  predictor vs half B:       ${f(report.predictorVsHalfB)}`);
console.log(`  predictor vs full val:     ${f(report.predictorVsFull)}`);
console.log(`  (${report.seconds.toFixed(0)} s)`);
if (args.json) writeFileAtomic(args.json, `${JSON.stringify(report, null, 2)}\n`);
