/** `hwnas train`: trains (or resumes) the weight-sharing supernet, CNN or transformer (`--space fashion-vit`). */
import { existsSync } from 'node:fs';
import { checkOutputPath } from '../../util/fsErrors.js';
import { type Command, Option } from 'commander';
import { addBackendOption, addDataDirOption, type CommonOptions, parseIntOption, parseNonNegativeNumber } from '../options.js';
import { startBackend } from '../runtime.js';
import { addTrainingRunOptions, refuseChangedSettings, runTraining, withRandomErasing } from '../trainRun.js';
import { loadData } from '../../supernet/data/loadDataset.js';
import { resolveConfig, resolveSpace } from '../../supernet/io.js';
import { configSpace } from '../../space/configSpace.js';
import { SupernetTrainer } from '../../supernet/train/SupernetTrainer.js';
import { kDefaultTrainOptions, kStandaloneRecipe, standalonePhase, type PhaseSpec, type TrainOptions } from '../../supernet/train/schedule.js';
import type { NetSpace } from '../../supernet/train/trainingNet.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { resolveTransformerSpace } from '../../supernet/transformer/io.js';
import { kTransformerRecipe, transformerTrainingNet } from '../../supernet/transformer/trainingNet.js';

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
  sandwichRandom: string;
  rule: 'sandwich' | 'families' | 'hat';
  extendRule: 'sandwich' | 'families';
  maxSteps: string;
  checkpointEvery: string;
  evalImages: string;
  extendEpochs?: string;
  extendLr: string;
  extendWarmup: string;
  extendRandom: string;
  extendSchedule: string;
  extendAverage: string;
  config?: string;
  epochs: string;
  weightDecay?: string;
  randomErasing: string;
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
    .option('--largest-epochs <n>', 'epochs of the largest-subnet phase', String(largest.epochs))
    .option('--sandwich-epochs <n>', 'epochs of the sandwich phase', String(sandwich.epochs))
    .option('--lr <x>', 'peak learning rate of the largest-subnet phase', String(largest.lr))
    .option('--sandwich-lr <x>', 'peak learning rate of the sandwich phase', String(sandwich.lr))
    .option('--sandwich-random <n>', 'random subnets per step of the sandwich phase, besides the largest and the smallest', String(sandwich.randomSubnets))
    .addOption(new Option('--rule <name>', "how the phase after the largest trains subnets: sandwich (largest, smallest and --sandwich-random random subnets per step, in-place distillation), families (the sandwich with one block family's largest and smallest per step, the families in turn, so each family's largest learns from the labels) or hat (one uniformly random subnet per step from the labels, as HAT trains its SuperTransformer); its epochs and lr are --sandwich-epochs and --sandwich-lr").choices(['sandwich', 'families', 'hat']).default('sandwich'))
    .option('--extend-epochs <n>', 'append a sandwich phase of n epochs to the finished checkpoint at --out, then train it (implies --resume)')
    .option('--extend-lr <x>', 'peak learning rate of the appended phase', '0.04')
    .option('--extend-warmup <epochs>', 'warm-up epochs of the appended phase', '0.25')
    .option('--extend-random <n>', 'random subnets per step of the appended phase, besides the largest and the smallest', '2')
    .addOption(new Option('--extend-schedule <name>', 'learning rate of the appended phase after warm-up: cosine decay to 0, or constant').choices(['cosine', 'constant']).default('cosine'))
    .addOption(new Option('--extend-rule <name>', 'the rule of the appended phase: sandwich or families (as --rule)').choices(['sandwich', 'families']).default('sandwich'))
    .option('--extend-average <epochs>', 'average the weights over the last n epochs of the appended phase (stochastic weight averaging); 0 = off', '0')
    .option('--config <file>', `train this one subnet of --space from scratch (a config JSON, or largest/smallest; the checkpoint holds its weights only, in the smallest space that holds it) with the standard recipe: SGD with Nesterov momentum, ${kStandaloneRecipe.warmupEpochs} warm-up epoch and a cosine schedule, peak lr ${kStandaloneRecipe.lr} (--lr), weight decay ${kStandaloneRecipe.weightDecay}, label smoothing 0.1, crop-and-flip augmentation`)
    .option('--epochs <n>', 'epochs of --config training', String(kStandaloneRecipe.epochs))
    .option('--weight-decay <x>', `weight decay (default ${kDefaultTrainOptions.hyper.weightDecay} for the supernet, ${kStandaloneRecipe.weightDecay} with --config)`)
    .option('--checkpoint-every <n>', 'steps between checkpoints (also at every epoch end)', String(kDefaultTrainOptions.checkpointEvery))
;
  addTrainingRunOptions(cmd, 'initialisation, data order and subnet sampling');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: TrainCliOptions) => {
    // An existing --out is continued with --resume (the trainer refuses it otherwise).
    checkOutputPath(opts.out, { kind: 'file', existing: 'update' });
    await startBackend(opts);
    // A transformer space trains the SuperTransformer, with its own defaults where a flag is not given.
    const vit = resolveTransformerSpace(opts.space);
    if (vit !== undefined && opts.config !== undefined) throw new Error(`--config trains one CNN subnet on its own: it does not apply to transformer space '${vit.name}'; drop --config`);
    const given = (flag: string): boolean => cmd.getOptionValueSource(flag) === 'cli';
    const cnnSpace = vit === undefined ? resolveSpace(opts.space) : undefined;
    const data = await loadData(opts, (vit ?? cnnSpace)!.input);
    if (data.format !== 'fashion-mnist') {
      console.log(`data: ${data.dir} (${data.format}): train ${data.train.n}, val ${data.val.n}, test ${data.test.n}, ${data.classes} classes`);
      for (const note of data.notes) console.log(`  ${note}`);
    }
    // One network is trained as the supernet of the smallest space that holds it, so its
    // checkpoint carries its own weights only.
    const reduced = opts.config === undefined || cnnSpace === undefined ? undefined : configSpace(cnnSpace, resolveConfig(cnnSpace, opts.config));
    const standalone = reduced?.config;
    const lr = standalone !== undefined && !given('lr') ? kStandaloneRecipe.lr : vit !== undefined && !given('lr') ? kTransformerRecipe.largestLr : num('lr', opts.lr);
    const subnetsLr = vit !== undefined && !given('sandwichLr') ? kTransformerRecipe.subnetsLr : num('sandwich-lr', opts.sandwichLr);
    const subnetsEpochs = parseIntOption('sandwich-epochs', opts.sandwichEpochs, 1);
    // A resumed run keeps the rule its checkpoint was planned with unless --rule is given.
    const planned = !given('rule') && opts.resume === true && existsSync(opts.out) ? readCheckpointMeta<TrainMeta>(opts.out).options.phases : undefined;
    const rule = planned?.some((p) => p.uniform === true) ? 'hat' : planned?.[1]?.familyTurns === true ? 'families' : opts.rule;
    // Families in turn need a CNN space with block families (a transformer space has none).
    const refuseFamilies = (flag: string) => {
      if (cnnSpace?.families === undefined) throw new Error(`--${flag} families takes block families in turn, and space '${(vit ?? cnnSpace)!.name}' has none: use --${flag} sandwich`);
    };
    if (rule === 'families') refuseFamilies('rule');
    // A supernet's phases train no one config: they are phases of the CNN supernet and the SuperTransformer alike.
    const supernetPhases: PhaseSpec<never>[] = standalone !== undefined ? [] : [
      { ...largest, epochs: parseIntOption('largest-epochs', opts.largestEpochs, 1), lr },
      rule === 'hat'
        ? { name: 'hat', epochs: subnetsEpochs, lr: subnetsLr, warmupEpochs: 0, sandwich: false, uniform: true, randomSubnets: 1, sortChannels: sandwich.sortChannels }
        : { ...sandwich, epochs: subnetsEpochs, lr: subnetsLr, randomSubnets: parseIntOption('sandwich-random', opts.sandwichRandom, 0), ...(rule === 'families' ? { familyTurns: true } : {}) },
    ];
    const phases: PhaseSpec[] = standalone !== undefined ? [standalonePhase(standalone, parseIntOption('epochs', opts.epochs, 1), lr)] : supernetPhases;
    const hyper = vit !== undefined ? kTransformerRecipe.hyper : kDefaultTrainOptions.hyper;
    const weightDecay = opts.weightDecay === undefined
      ? (standalone !== undefined ? kStandaloneRecipe.weightDecay : hyper.weightDecay)
      : parseNonNegativeNumber('weight-decay', opts.weightDecay);
    if (standalone !== undefined && opts.extendEpochs !== undefined) throw new Error('--extend-epochs appends a sandwich phase to a supernet: it does not apply to --config training');
    const options: TrainOptions = {
      hyper: withRandomErasing({ ...hyper, weightDecay }, opts.randomErasing),
      batchSize: parseIntOption('batch-size', opts.batchSize, 2),
      seed: parseIntOption('seed', opts.seed, 0),
      phases,
      maxStepsThisRun: parseIntOption('max-steps', opts.maxSteps, 0),
      checkpointEvery: parseIntOption('checkpoint-every', opts.checkpointEvery, 1),
      evalImages: parseIntOption('eval-images', opts.evalImages, 0),
    };
    const trainer: SupernetTrainer<NetSpace, unknown> = vit !== undefined
      ? new SupernetTrainer(transformerTrainingNet(vit), data, opts.out, { ...options, phases: supernetPhases })
      : new SupernetTrainer(reduced?.space ?? cnnSpace!, data, opts.out, options);
    let resume = opts.resume === true;
    if (resume || opts.extendEpochs !== undefined) refuseChangedSettings(cmd, opts.out, trainer.options);
    // Schedule flags given with --resume re-plan what is left of the run (never silently ignored).
    const scheduleFlags = ['largestEpochs', 'sandwichEpochs', 'lr', 'sandwichLr', 'sandwichRandom', 'epochs', 'rule'];
    if (resume && existsSync(opts.out) && scheduleFlags.some(given)) {
      const replanned = trainer.replanCheckpoint(phases);
      if (replanned !== undefined) {
        const plan = replanned.options.phases.map((p) => `${p.name} ${p.epochs} epochs at lr ${p.lr}${p.sandwich ? ` (${p.randomSubnets} random subnets)` : ''}`).join(', then ');
        console.log(`re-planned ${opts.out} from step ${replanned.step}: ${plan}; ${replanned.totalSteps} steps in all`);
      }
    }
    if (opts.extendEpochs !== undefined) {
      const epochs = parseIntOption('extend-epochs', opts.extendEpochs, 1);
      if (opts.extendRule === 'families') refuseFamilies('extend-rule');
      const averageEpochs = parseIntOption('extend-average', opts.extendAverage, 0);
      if (averageEpochs > epochs) throw new Error(`--extend-average ${averageEpochs} is more than the ${epochs} appended epochs; average at most --extend-epochs`);
      const meta = trainer.extendCheckpoint({
        ...sandwich, name: `sandwich+${epochs}`, epochs, lr: vit !== undefined && !given('extendLr') ? kTransformerRecipe.extendLr : num('extend-lr', opts.extendLr),
        warmupEpochs: parseNonNegativeNumber('extend-warmup', opts.extendWarmup),
        randomSubnets: parseIntOption('extend-random', opts.extendRandom, 0), sortChannels: false,
        schedule: opts.extendSchedule as 'cosine' | 'constant', averageEpochs, ...(opts.extendRule === 'families' ? { familyTurns: true } : {}),
      });
      console.log(`extended ${opts.out}: ${epochs} more sandwich epochs, ${meta.totalSteps - meta.step} steps to train`);
      resume = true;
    }
    await runTraining(trainer, { out: opts.out, workers: parseIntOption('workers', opts.workers, 1), backend: opts.backend, resume });
  });
}
