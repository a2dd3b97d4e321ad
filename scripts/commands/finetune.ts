/**
 * `hwnas finetune`: trains one subnet of a trained supernet on its own, from its inherited
 * weights (OFA fine-tunes the specialised subnet before deploying it), distilling from a frozen
 * teacher: a copy of the supernet's largest subnet taken when fine-tuning starts, or the network
 * of another training checkpoint (`--teacher`, e.g. a baseline trained on its own). The result
 * is a training checkpoint of the same space, holding the teacher's weights too so a resumed
 * run distils from the same teacher; export and verify the config from it as from the supernet.
 */
import { existsSync } from 'node:fs';
import { checkOutputPath } from '../../util/fsErrors.js';
import type { Command } from 'commander';
import { configKey, largestConfig } from '../../space/searchSpace.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { resolveConfig } from '../../supernet/io.js';
import { SupernetTrainer } from '../../supernet/train/SupernetTrainer.js';
import { loadCheckpoint } from '../../supernet/train/checkpoint.js';
import { checkTeacherFits, loadTeacher } from '../../supernet/train/loadTeacher.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { startBackend } from '../runtime.js';
import { addTrainingRunOptions, refuseChangedConfig, refuseChangedSettings, runTraining } from '../trainRun.js';

interface FinetuneCliOptions extends CommonOptions {
  checkpoint: string;
  config: string;
  epochs: string;
  lr: string;
  distill: boolean;
  teacher?: string;
  teacherConfig?: string;
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
    .description("train one subnet on its own from the supernet's weights (distilling from a frozen teacher: the supernet's largest subnet, or --teacher), into a checkpoint to export and verify it from")
    .requiredOption('--config <file>', 'the subnet: a config JSON (or a search results file), or largest/smallest')
    .option('--epochs <n>', 'fine-tuning epochs', String(kFinetuneRecipe.epochs))
    .option('--lr <x>', 'peak learning rate (cosine decay to 0)', String(kFinetuneRecipe.lr))
    .option('--no-distill', "train on the labels alone (default: also learn a frozen teacher's soft predictions: a copy of the supernet's largest subnet taken at the start, or --teacher)")
    .option('--teacher <ckpt>', 'distil from the network of this training checkpoint (hwnas train: a network trained with --config, or a supernet; hwnas finetune), frozen; --out keeps its weights, so --resume needs the file no more')
    .option('--teacher-config <file>', "the teacher's config: a config JSON of its space, or largest (default: the network a --teacher checkpoint trained, a supernet's largest)")
    .option('--out <path>', 'checkpoint of the fine-tuned subnet (written atomically, resumable)', 'runs/finetune.ckpt');
  addTrainingRunOptions(cmd, 'data order and augmentation');
  addCheckpointOption(cmd, 'trained supernet whose weights the subnet inherits');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: FinetuneCliOptions) => {
    // An existing --out is continued with --resume (the trainer refuses it otherwise).
    checkOutputPath(opts.out, { kind: 'file', existing: 'update' });
    if (!opts.distill && (opts.teacher !== undefined || opts.teacherConfig !== undefined)) {
      const flag = opts.teacher !== undefined ? '--teacher' : '--teacher-config';
      throw new Error(`${flag} names the network to distil from, but --no-distill turns distillation off: drop one of them`);
    }
    const ck = loadCheckpoint<TrainMeta>(opts.checkpoint);
    if (ck.meta.kind !== 'hwnas-supernet') throw new Error(`${opts.checkpoint} is not a supernet checkpoint (kind ${String(ck.meta.kind)}): pass one written by hwnas train`);
    const space = ck.meta.space;
    const config = resolveConfig(space, opts.config);
    const epochs = parseIntOption('epochs', opts.epochs, 1);
    const lr = positive('lr', opts.lr);
    const workers = parseIntOption('workers', opts.workers, 1);
    const resume = opts.resume === true;
    // A resumed run distils from the teacher its checkpoint keeps (refuseChangedSettings refuses another).
    const kept = resume && existsSync(opts.out);
    const teacher = kept || !opts.distill ? undefined : opts.teacher === undefined
      ? loadTeacher(opts.checkpoint, opts.teacherConfig, (meta) => largestConfig(meta.space))
      : loadTeacher(opts.teacher, opts.teacherConfig);
    if (teacher !== undefined) checkTeacherFits(teacher, space.input, opts.checkpoint, ck.meta.data);
    const options = {
      batchSize: parseIntOption('batch-size', opts.batchSize, 2),
      seed: parseIntOption('seed', opts.seed, 0),
      evalImages: parseIntOption('eval-images', opts.evalImages, 0),
      maxStepsThisRun: parseIntOption('max-steps', opts.maxSteps, 0),
      hyper: ck.meta.options.hyper,
      phases: [{ name: 'finetune', epochs, lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config }],
    };
    await startBackend(opts);
    const data = await loadTrainingData(opts, space, ck.meta.data, opts.checkpoint);
    const trainer = new SupernetTrainer(space, data, opts.out, options, teacher);
    if (resume) {
      refuseChangedSettings(cmd, opts.out, trainer.options, { teacher: opts.teacher, teacherConfig: opts.teacherConfig, distill: opts.distill });
      refuseChangedConfig(opts.out, space, config);
    }
    // --epochs or --lr given with --resume re-plan what is left of the run (never silently ignored).
    if (kept && ['epochs', 'lr'].some((flag) => cmd.getOptionValueSource(flag) === 'cli')) {
      const replanned = trainer.replanCheckpoint(options.phases);
      if (replanned !== undefined) console.log(`re-planned ${opts.out} from step ${replanned.step}: ${epochs} epochs at peak lr ${lr}; ${replanned.totalSteps} steps in all`);
    }
    if (teacher !== undefined) console.log(`distilling from ${teacher.from}'s ${configKey(teacher.space, teacher.config)} (a frozen copy)`);
    await runTraining(trainer, {
      out: opts.out, workers, backend: opts.backend, resume,
      ...(resume ? {} : { init: { params: ck.arrays.params, from: opts.checkpoint } }),
    });
  });
}
