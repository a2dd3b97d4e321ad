/** `hwnas train`: trains (or resumes) the weight-sharing supernet. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { addBackendOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { startBackend } from '../runtime.js';
import { progressBar } from '../progress.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { resolveSpace } from '../../supernet/io.js';
import { kDefaultTrainOptions, SupernetTrainer, type GradientEngine, type PhaseSpec } from '../../supernet/train/SupernetTrainer.js';
import { createEngine } from '../../supernet/train/engines.js';

interface TrainCliOptions extends CommonOptions {
  space: string;
  out: string;
  resume?: boolean;
  workers: string;
  batchSize: string;
  seed: string;
  largestEpochs: string;
  sandwichEpochs: string;
  lr: string;
  sandwichLr: string;
  maxSteps: string;
  checkpointEvery: string;
  evalImages: string;
  extendEpochs?: string;
  extendLr: string;
  extendWarmup: string;
  extendRandom: string;
  extendSchedule: string;
  extendAverage: string;
}


function nonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new Error(`--${name} must be a number >= 0 (got '${value}')`);
  return n;
}

function num(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number (got '${value}')`);
  return n;
}

export function registerTrain(program: Command): void {
  const [largest, sandwich] = kDefaultTrainOptions.phases;
  const cmd = program
    .command('train')
    .description('train the weight-sharing supernet (largest subnet first, then the sandwich rule with in-place distillation)')
    .option('--space <name|file>', 'search space', 'fashion-mbv3')
    .option('--out <path>', 'checkpoint file (written atomically, resumable)', 'runs/supernet.ckpt')
    .option('--resume', 'continue the checkpoint at --out from its last saved step')
    .option('--workers <n>', 'data-parallel worker threads (one per core)', '2')
    .option('--batch-size <n>', 'images per step (split across workers)', String(kDefaultTrainOptions.batchSize))
    .option('--seed <n>', 'seed of initialisation, data order and subnet sampling', String(kDefaultTrainOptions.seed))
    .option('--largest-epochs <n>', 'epochs of the largest-subnet phase', String(largest.epochs))
    .option('--sandwich-epochs <n>', 'epochs of the sandwich phase', String(sandwich.epochs))
    .option('--lr <x>', 'peak learning rate of the largest-subnet phase', String(largest.lr))
    .option('--sandwich-lr <x>', 'peak learning rate of the sandwich phase', String(sandwich.lr))
    .option('--extend-epochs <n>', 'append a sandwich phase of n epochs to the finished checkpoint at --out, then train it (implies --resume)')
    .option('--extend-lr <x>', 'peak learning rate of the appended phase', '0.04')
    .option('--extend-warmup <epochs>', 'warm-up epochs of the appended phase', '0.25')
    .option('--extend-random <n>', 'random subnets per step of the appended phase, besides the largest and the smallest', '2')
    .addOption(new Option('--extend-schedule <name>', 'learning rate of the appended phase after warm-up: cosine decay to 0, or constant').choices(['cosine', 'constant']).default('cosine'))
    .option('--extend-average <epochs>', 'average the weights over the last n epochs of the appended phase (stochastic weight averaging); 0 = off', '0')
    .option('--max-steps <n>', 'stop this run after n steps (resume later); 0 = run to the end', '0')
    .option('--checkpoint-every <n>', 'steps between checkpoints (also at every epoch end)', String(kDefaultTrainOptions.checkpointEvery))
    .option('--eval-images <n>', 'val/test images evaluated at each epoch end (0 = none)', String(kDefaultTrainOptions.evalImages));
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: TrainCliOptions) => {
    await startBackend(opts);
    const space = resolveSpace(opts.space);
    const data = loadFashionMnist({ dataDir: opts.dataDir });
    const phases: PhaseSpec[] = [
      { ...largest, epochs: parseIntOption('largest-epochs', opts.largestEpochs, 1), lr: num('lr', opts.lr) },
      { ...sandwich, epochs: parseIntOption('sandwich-epochs', opts.sandwichEpochs, 1), lr: num('sandwich-lr', opts.sandwichLr) },
    ];
    const trainer = new SupernetTrainer(space, data, opts.out, {
      batchSize: parseIntOption('batch-size', opts.batchSize, 2),
      seed: parseIntOption('seed', opts.seed, 0),
      phases,
      maxStepsThisRun: parseIntOption('max-steps', opts.maxSteps, 0),
      checkpointEvery: parseIntOption('checkpoint-every', opts.checkpointEvery, 1),
      evalImages: parseIntOption('eval-images', opts.evalImages, 0),
    });
    let resume = opts.resume === true;
    if (opts.extendEpochs !== undefined) {
      const epochs = parseIntOption('extend-epochs', opts.extendEpochs, 1);
      const averageEpochs = parseIntOption('extend-average', opts.extendAverage, 0);
      if (averageEpochs > epochs) throw new Error(`--extend-average ${averageEpochs} is more than the ${epochs} appended epochs; average at most --extend-epochs`);
      const meta = trainer.extendCheckpoint({
        ...sandwich, name: `sandwich+${epochs}`, epochs, lr: num('extend-lr', opts.extendLr), warmupEpochs: nonNegative('extend-warmup', opts.extendWarmup),
        randomSubnets: parseIntOption('extend-random', opts.extendRandom, 0), sortChannels: false,
        schedule: opts.extendSchedule as 'cosine' | 'constant', averageEpochs,
      });
      console.log(`extended ${opts.out}: ${epochs} more sandwich epochs, ${meta.totalSteps - meta.step} steps to train`);
      resume = true;
    }
    mkdirSync(dirname(opts.out), { recursive: true });
    const engine: GradientEngine & { close(): Promise<void> } = await createEngine(
      trainer.replicaInit(), parseIntOption('workers', opts.workers, 1), opts.backend,
    );
    const total = trainer.plannedSteps(resume);
    const bar = progressBar(total, trainer.resumeStep(resume),
      'train |{bar}| {value}/{total} steps | epoch {epoch} {phase} | loss {loss} | {ips} img/s | ETA {eta_formatted}');
    try {
      const meta = await trainer.run(engine, resume, {
        onStep: (p) => bar.update(p.step, {
          epoch: `${p.epoch + 1}/${p.epochs}`, phase: p.phase, loss: p.loss.toFixed(3), ips: p.imagesPerSecond.toFixed(0),
        }),
        onEpoch: (r) => bar.log(
          `epoch ${r.epoch + 1} (${r.phase}): train loss ${r.trainLoss.toFixed(4)}, ${r.seconds.toFixed(0)} s; ` +
          `largest val ${(100 * r.largest.val).toFixed(2)}% test ${(100 * r.largest.test).toFixed(2)}%; ` +
          `smallest val ${(100 * r.smallest.val).toFixed(2)}% test ${(100 * r.smallest.test).toFixed(2)}%`),
      });
      bar.stop();
      console.log(`${meta.step === meta.totalSteps ? 'finished' : 'paused'} at step ${meta.step}/${meta.totalSteps}; checkpoint ${opts.out}`);
    } finally {
      bar.stop();
      await engine.close();
    }
  });
}
