/** `hwnas collect`: an accuracy dataset of subnets evaluated on the val split (resumable JSONL). */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { startBackend } from '../runtime.js';
import { progressBar } from '../progress.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSupernet } from '../../supernet/io.js';
import { calibrationSet } from '../../supernet/evaluate.js';
import type { QuantMode, Sampling } from '../../space/searchSpace.js';
import { collect, kDefaultCollectOptions } from '../../predictors/collect.js';
import { recogniseDataset } from '../../predictors/samples.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { collectTransformerCommand } from './collectTransformerCmd.js';
import { LocalEvaluator, PoolEvaluator, type SubnetEvaluator } from '../../predictors/SubnetEvaluator.js';

interface CollectCliOptions extends CommonOptions {
  checkpoint: string;
  n: string;
  quant: QuantMode;
  sampling: Sampling;
  out: string;
  workers: string;
  seed: string;
  evalImages?: string;
  calibrationImages: string;
}


export function registerCollect(program: Command): void {
  const cmd = program
    .command('collect')
    .description('evaluate distinct random subnets on the val split (BatchNorm recalibrated) and append them to a JSONL dataset; resumes where a killed run stopped')
    .requiredOption('--out <path>', 'JSONL dataset to create or complete')
    .option('--n <count>', 'distinct configs the dataset should hold', String(kDefaultCollectOptions.n))
    .addOption(new Option('--quant <mode>', 'fp32: float subnets; mixed: random per-block weight/activation bits').choices(['fp32', 'mixed']).default('fp32'))
    .addOption(new Option('--sampling <name>', 'uniform: every gene uniformly (middling sizes); sizes: a size scale first, so the configs spread from the smallest to the largest subnet').choices(['uniform', 'sizes']).default(kDefaultCollectOptions.sampling))
    .option('--workers <n>', 'evaluation worker threads (1 = in this thread)', '2')
    .option('--seed <n>', 'seed of the config stream (same seed, same configs)', String(kDefaultCollectOptions.seed))
    .option('--eval-images <n>', 'val images per evaluation (default: the whole split)')
    .option('--calibration-images <n>', 'training images for BatchNorm recalibration', '2000');
  addCheckpointOption(cmd);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: CollectCliOptions) => {
    // Every option, and the --out file, before any work: an existing file must be a dataset.
    const n = parseIntOption('n', opts.n, 1);
    const workers = parseIntOption('workers', opts.workers, 1);
    const seed = parseIntOption('seed', opts.seed, 0);
    const limit = opts.evalImages === undefined ? undefined : parseIntOption('eval-images', opts.evalImages, 1);
    const calibrationImages = parseIntOption('calibration-images', opts.calibrationImages, 1);
    checkOutputPath(opts.out, { kind: 'file', existing: 'update' });
    if (existsSync(opts.out)) recogniseDataset(opts.out, readFileSync(opts.out));
    // The main thread loads the checkpoint too: for its space, and to fail early on a bad file.
    await startBackend(opts, 1);
    if (readCheckpointMeta<{ kind?: string }>(opts.checkpoint).kind === 'hwnas-supertransformer') {
      if (opts.quant !== 'fp32') throw new Error(`${opts.checkpoint} is a SuperTransformer: its SubTransformers are collected in fp32; drop --quant ${opts.quant}`);
      await collectTransformerCommand({ ...opts, n, seed, workers, limit });
      return;
    }
    const { net, meta } = loadSupernet(opts.checkpoint);
    const space = net.space;
    const data = await loadTrainingData(opts, space, meta.data, opts.checkpoint);
    const calibration = calibrationSet(data.train, calibrationImages);
    const images = Math.min(limit ?? data.val.n, data.val.n);
    console.log(`supernet ${opts.checkpoint}: step ${meta.step}/${meta.totalSteps}, space ${space.name}`);
    console.log(`collect ${n} distinct ${opts.quant} configs (${opts.sampling} sampling, seed ${opts.seed}) into ${opts.out}: val ${images} images, calibration ${calibration.n}, ${workers} worker${workers === 1 ? '' : 's'}`);
    let evaluator: SubnetEvaluator;
    if (workers === 1) {
      evaluator = new LocalEvaluator(net, calibration, data.val, limit);
    } else {
      net.dispose();
      evaluator = await PoolEvaluator.create({ checkpoint: opts.checkpoint, val: data.val, calibration, limit, workers, backend: opts.backend });
    }
    mkdirSync(dirname(opts.out), { recursive: true });
    let bar: ReturnType<typeof progressBar> | undefined;
    let t0 = 0;
    let evaluated = 0;
    let secondsSum = 0;
    try {
      const summary = await collect(space, evaluator, opts.out, {
        n, quant: opts.quant, sampling: opts.sampling, seed, imagesPerSample: images,
        onSample: (sample, p) => {
          if (!bar) {
            bar = progressBar(p.total, p.done - 1, 'collect |{bar}| {value}/{total} configs | last {acc} | {rate} configs/min | ETA {eta_formatted}');
            t0 = performance.now() - sample.seconds * 1000;
          }
          evaluated++;
          secondsSum += sample.seconds;
          const rate = (60_000 * evaluated) / (performance.now() - t0);
          bar.update(p.done, { acc: `${(100 * sample.accuracy).toFixed(2)}%`, rate: rate.toFixed(2) });
        },
      });
      bar?.stop();
      if (summary.repairedBytes > 0) console.log(`cut off an incomplete last line (${summary.repairedBytes} bytes) left by an interrupted write`);
      let line = `${summary.alreadyPresent} configs were already in ${opts.out}; evaluated ${summary.evaluated} in ${summary.seconds.toFixed(1)} s`;
      if (summary.evaluated > 0) {
        // Steady rate: from the start of the first evaluation, so worker start-up is left out.
        const steady = (60_000 * evaluated) / (performance.now() - t0);
        line += ` with ${workers} worker${workers === 1 ? '' : 's'}: ${((60 * summary.evaluated) / summary.seconds).toFixed(2)} configs/min overall, ` +
          `${steady.toFixed(2)} after start-up; mean ${(secondsSum / evaluated).toFixed(2)} s per evaluation`;
      }
      console.log(line);
    } finally {
      bar?.stop();
      await evaluator.close();
      if (workers === 1) net.dispose();
    }
  });
}
