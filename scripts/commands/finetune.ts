/**
 * `hwnas finetune`: trains one subnet of a trained supernet on its own, from its inherited
 * weights (OFA fine-tunes the specialised subnet before deploying it), distilling from the
 * supernet's largest subnet by default. The result is a training checkpoint of the same space;
 * export and verify the config from it as from the supernet.
 */
import { checkOutputPath } from '../../util/fsErrors.js';
import type { Command } from 'commander';
import { largestConfig } from '../../space/searchSpace.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { resolveConfig } from '../../supernet/io.js';
import { SupernetTrainer } from '../../supernet/train/SupernetTrainer.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { startBackend } from '../runtime.js';
import { addTrainingRunOptions, refuseChangedSettings, runTraining } from '../trainRun.js';

interface FinetuneCliOptions extends CommonOptions {
  checkpoint: string;
  config: string;
  epochs: string;
  lr: string;
  distill: boolean;
  out: string;
  resume?: boolean;
  workers: string;
  batchSize: string;
  seed: string;
  evalImages: string;
  maxSteps: string;
}

/** The fine-tuning recipe: a short cosine schedule from a low peak, no warm-up. */
export const kFinetuneRecipe = Object.freeze({ epochs: 10, lr: 0.02 });

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number (got '${value}')`);
  return n;
}

export function registerFinetune(program: Command): void {
  const cmd = program
    .command('finetune')
    .description("train one subnet on its own from the supernet's weights (distilling from the largest subnet), into a checkpoint to export and verify it from")
    .requiredOption('--config <file>', 'the subnet: a config JSON (or a search results file), or largest/smallest')
    .option('--epochs <n>', 'fine-tuning epochs', String(kFinetuneRecipe.epochs))
    .option('--lr <x>', 'peak learning rate (cosine decay to 0)', String(kFinetuneRecipe.lr))
    .option('--no-distill', "train on the labels alone (default: also learn the supernet's largest subnet's soft predictions, frozen)")
    .option('--out <path>', 'checkpoint of the fine-tuned subnet (written atomically, resumable)', 'runs/finetune.ckpt');
  addTrainingRunOptions(cmd, 'data order and augmentation');
  addCheckpointOption(cmd, 'trained supernet whose weights the subnet inherits');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: FinetuneCliOptions) => {
    // An existing --out is continued with --resume (the trainer refuses it otherwise).
    checkOutputPath(opts.out, { kind: 'file', existing: 'update' });
    const ck = loadCheckpoint<TrainMeta>(opts.checkpoint);
    if (ck.meta.kind !== 'hwnas-supernet') throw new Error(`${opts.checkpoint} is not a supernet checkpoint (kind ${String(ck.meta.kind)}): pass one written by hwnas train`);
    const space = ck.meta.space;
    const config = resolveConfig(space, opts.config);
    const epochs = parseIntOption('epochs', opts.epochs, 1);
    const lr = positive('lr', opts.lr);
    const workers = parseIntOption('workers', opts.workers, 1);
    const options = {
      batchSize: parseIntOption('batch-size', opts.batchSize, 2),
      seed: parseIntOption('seed', opts.seed, 0),
      evalImages: parseIntOption('eval-images', opts.evalImages, 0),
      maxStepsThisRun: parseIntOption('max-steps', opts.maxSteps, 0),
      hyper: ck.meta.options.hyper,
      phases: [{
        name: 'finetune', epochs, lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config,
        ...(opts.distill ? { teacher: largestConfig(space) } : {}),
      }],
    };
    await startBackend(opts);
    const data = await loadTrainingData(opts, space, ck.meta.data, opts.checkpoint);
    const trainer = new SupernetTrainer(space, data, opts.out, options);
    const resume = opts.resume === true;
    if (resume) refuseChangedSettings(cmd, opts.out, trainer.options);
    await runTraining(trainer, {
      out: opts.out, workers, backend: opts.backend, resume,
      ...(resume ? {} : { init: { params: ck.arrays.params, from: opts.checkpoint } }),
    });
  });
}
