/**
 * What least-squares weight reconstruction (compress/reconstruct.ts) does to the inherited
 * accuracy a compression method scores its policies by: seeded random pruning policies of a
 * shipped baseline, each within a band of the original's predicted latency, scored on val
 * (BatchNorm recalibrated) with plain slicing and with reconstruction, side by side.
 *
 *   npm run bench:reconstruction -- [--model resnet8] [--policies 10]
 *     [--low 0.5] [--high 0.85] [--val-images 2000] [--seed 0] [--profile <policy-space profile>]
 *     [--target ort-cpu:1] [--finetune 0] [--finetune-epochs 1] [--workers 1]
 *     [--keeps '1,0.5,1,0.5,1,0.5;...'] [--ridge 1e-3] [--images 500] [--positions 10] [--independent]
 *
 * Without --profile the band is on MACs instead of predicted latency. --finetune K also
 * fine-tunes the first K policies from both starting points (distilling from the original, as
 * `hwnas compress` does) and reports their val accuracy after it. --keeps scores the given
 * policies (keep ratios per layer, snapped to the layers' grids) instead of random ones;
 * --ridge, --images and --positions set the reconstruction's options; --independent solves
 * each layer on the uncompressed network's inputs instead of sequentially on the pruned one's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCompressible } from '../compress/network.js';
import { TrainedNetworkProblem, withParams } from '../compress/problem.js';
import { evaluateSample } from '../predictors/evaluateSample.js';
import { kDefaultReconstructionOptions } from '../compress/reconstruct.js';
import type { CompressPolicy } from '../compress/types.js';
import { createTargetModel } from '../latency/targets.js';
import type { LatencyModel } from '../latency/types.js';
import { baselineFiles, parseBaselineNames } from '../pipeline/baselines.js';
import { markdownTable } from '../pipeline/table.js';
import { finetunePolicy } from '../pipeline/compressFinetune.js';
import { kSilentReporter } from '../pipeline/progress.js';
import { layersOf, macs } from '../space/layers.js';
import { Rng } from '../space/rng.js';
import { initBackend } from '../supernet/backend/backend.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { loadTrainingData } from '../supernet/trainingData.js';
import { benchArgs, fail, intFlag } from './args.js';

const kName = 'bench:reconstruction';
const args = benchArgs(kName, {
  model: { type: 'string', default: 'resnet8' },
  policies: { type: 'string', default: '10' },
  low: { type: 'string', default: '0.5' },
  high: { type: 'string', default: '0.85' },
  'val-images': { type: 'string', default: '2000' },
  seed: { type: 'string', default: '0' },
  profile: { type: 'string' },
  target: { type: 'string', default: 'ort-cpu:1' },
  finetune: { type: 'string', default: '0' },
  'finetune-epochs': { type: 'string', default: '1' },
  workers: { type: 'string', default: '1' },
  keeps: { type: 'string' },
  ridge: { type: 'string', default: String(kDefaultReconstructionOptions.ridge) },
  images: { type: 'string', default: String(kDefaultReconstructionOptions.images) },
  positions: { type: 'string', default: String(kDefaultReconstructionOptions.positions) },
  independent: { type: 'boolean', default: false },
});

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

try {
  const [model] = parseBaselineNames(args.model);
  const count = intFlag('policies', args.policies, 1);
  const valImages = intFlag('val-images', args['val-images'], 1);
  const seed = intFlag('seed', args.seed, 0);
  const finetune = intFlag('finetune', args.finetune, 0);
  const finetuneEpochs = intFlag('finetune-epochs', args['finetune-epochs'], 1);
  const workers = intFlag('workers', args.workers, 1);
  const reconstruction = { ridge: Number(args.ridge), images: intFlag('images', args.images, 1), positions: intFlag('positions', args.positions, 1), sequential: args.independent !== true };
  const low = Number(args.low);
  const high = Number(args.high);
  if (!(low > 0 && low < high && high <= 1)) throw new Error(`--low and --high are fractions of the original's predicted latency with 0 < low < high <= 1 (got ${args.low}, ${args.high})`);
  const checkpoint = baselineFiles(model).checkpoint;
  if (!existsSync(checkpoint)) throw new Error(`${checkpoint} does not exist: train it with 'npm run bench:baselines -- --models ${model}'`);
  await initBackend({});
  const network = loadCompressible(checkpoint);
  try {
    const { space } = network.policies;
    const latency: LatencyModel = args.profile === undefined
      ? { target: 'macs', predict: (cs) => Float64Array.from(cs.map((c) => macs(space, c))) }
      : await createTargetModel(args.target, (cfg) => layersOf(space, cfg), { profile: args.profile });
    const data = await loadTrainingData({}, network.space, network.meta.data, checkpoint);
    const problemData = { calibration: calibrationSet(data.train, 1000), val: data.val, valImages };
    const started = performance.now();
    const plain = await TrainedNetworkProblem.open(network, latency, { ...problemData, reconstruction: { enabled: false } });
    const solved = await TrainedNetworkProblem.open(network, latency, { ...problemData, reconstruction });
    const full = plain.latencyMs(plain.identity());

    // Seeded random policies: each layer's keep uniform on its grid, kept when the prediction falls in the band (bounded).
    const rng = new Rng(seed);
    const given = args.keeps?.split(';').map((list) => plain.snap({ ...plain.identity(), keep: list.split(',').map(Number) }));
    const policies: CompressPolicy[] = given ?? [];
    for (let tries = 0; given === undefined && policies.length < count; tries++) {
      if (tries === 100_000) throw new Error(`found only ${policies.length} of ${count} random policies within ${low}-${high}x of the original in 100000 draws: widen --low/--high`);
      const p = plain.snap({ ...plain.identity(), keep: plain.layers.map((l) => l.keeps[rng.int(l.keeps.length)]) });
      const ratio = plain.latencyMs(p) / full;
      if (ratio >= low && ratio <= high) policies.push(p);
    }
    const rows: string[][] = [];
    const plainAcc: number[] = [];
    const solvedAcc: number[] = [];
    for (const [i, p] of policies.entries()) {
      const a = (await plain.evaluate(p)).accuracy;
      const t0 = performance.now();
      const b = (await solved.evaluate(p)).accuracy;
      plainAcc.push(a);
      solvedAcc.push(b);
      const seconds = (performance.now() - t0) / 1000;
      // The unpruned config on the policy's reconstructed weights: what the fine-tune distilled from before its teacher became a frozen copy of the original network.
      const teacher = await withParams(network, solved.weightsFor(p), () => evaluateSample(network.net, network.policies.toConfig(plain.identity()), problemData.calibration, data.val, { limit: valImages }));
      rows.push([String(i), p.keep.join(' '), (plain.latencyMs(p) / full).toFixed(3), pct(a), pct(b), `${((b - a) * 100).toFixed(2)}`, seconds.toFixed(1), pct(teacher.accuracy)]);
      process.stderr.write(`policy ${i + 1}/${policies.length}: ${pct(a)} -> ${pct(b)}\n`);
    }
    rows.push(['mean', '', '', pct(mean(plainAcc)), pct(mean(solvedAcc)), ((mean(solvedAcc) - mean(plainAcc)) * 100).toFixed(2), '', '']);
    const band = `${args.profile === undefined ? 'MACs' : `predicted latency on ${args.target}`}`;
    console.log(`${model}: original ${pct(plain.original.accuracy)} val (${valImages} images); ${given === undefined ? `${count} random policies at ${low}-${high}x ${band}, seed ${seed}` : `${policies.length} given policies (x original: ${band})`}; reconstruction ${JSON.stringify(reconstruction)}`);
    console.log(markdownTable(['policy', 'keep per layer', 'x original', 'sliced', 'reconstructed', 'pp', 'reconstructed s', 'teacher on reconstructed'], rows));
    if (finetune > 0) {
      const scratch = mkdtempSync(join(tmpdir(), 'hwnas-bench-reconstruction-'));
      try {
        const ftRows: string[][] = [];
        for (const [i, p] of policies.slice(0, finetune).entries()) {
          const cfg = network.policies.toConfig(p);
          const run = (from: string) => ({ out: join(scratch, `${i}-${from}.ckpt`), epochs: finetuneEpochs, seed, workers, reporter: kSilentReporter, calibration: problemData.calibration });
          const a = await finetunePolicy(network, cfg, data, run('sliced'));
          const b = await finetunePolicy(network, cfg, data, run('reconstructed'), solved.weightsFor(p));
          ftRows.push([String(i), pct(plainAcc[i]), pct(a.valAccuracy), pct(solvedAcc[i]), pct(b.valAccuracy), ((b.valAccuracy - a.valAccuracy) * 100).toFixed(2)]);
          process.stderr.write(`fine-tuned policy ${i + 1}/${finetune}: ${pct(a.valAccuracy)} sliced, ${pct(b.valAccuracy)} reconstructed\n`);
        }
        console.log(`\nafter ${finetuneEpochs} fine-tuning epoch(s), val accuracy on all ${data.val.n} val images:`);
        console.log(markdownTable(['policy', 'sliced', 'sliced, fine-tuned', 'reconstructed', 'reconstructed, fine-tuned', 'pp'], ftRows));
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    plain.close();
    solved.close();
  } finally {
    network.net.dispose();
  }
} catch (err) {
  fail(kName, err);
}
