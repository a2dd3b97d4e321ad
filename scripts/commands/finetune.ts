/**
 * `hwnas finetune`: trains one subnet of a trained supernet on its own, from its inherited
 * weights (OFA fine-tunes the specialised subnet before deploying it; HAT trains its chosen
 * SubTransformer further), distilling from a frozen teacher: a copy of the supernet's largest
 * subnet taken when fine-tuning starts, or the network of another training checkpoint of either
 * kind (`--teacher`: e.g. a baseline trained on its own, or a CNN teaching a SubTransformer as
 * DeiT's convnet teaches its ViT), from its soft predictions or (`--distill-mode hard`) its
 * argmax. A SuperTransformer checkpoint fine-tunes a SubTransformer the same way
 * (finetuneTransformerCmd.ts). The result is a training checkpoint of the same space and kind,
 * holding the teacher's weights too so a resumed run distils from the same teacher; export,
 * evaluate and verify the config from it as from the supernet.
 */
import { existsSync } from 'node:fs';
import { checkOutputPath } from '../../util/fsErrors.js';
import type { Command } from 'commander';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { SupernetTrainer } from '../../supernet/train/SupernetTrainer.js';
import { loadCheckpoint, readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { cnnTrainingNet } from '../../supernet/train/cnnTrainingNet.js';
import { kDistillModes, type DistillMode } from '../../supernet/train/frozenTeacher.js';
import { checkTeacherFits, loadTeacher } from '../../supernet/train/loadTeacher.js';
import { kCnnNet, kindedKey, type NetKind } from '../../supernet/train/netKinds.js';
import type { PhaseSpec } from '../../supernet/train/schedule.js';
import type { NetSpace, TrainingNet } from '../../supernet/train/trainingNet.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { kFinetuneRecipe } from '../../pipeline/finetuneSubnet.js';
import { kTransformerRecipe } from '../../supernet/transformer/trainingNet.js';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption, parseNonNegativeNumber, parsePositiveNumber } from '../options.js';
import { startBackend } from '../runtime.js';
import { addTrainingRunOptions, refuseChangedConfig, refuseChangedSettings, runTraining, withRandomErasing } from '../trainRun.js';
import { kTransformerFinetune } from './finetuneTransformerCmd.js';

export interface FinetuneCliOptions extends CommonOptions {
  checkpoint: string;
  config: string;
  epochs: string;
  lr?: string;
  weightDecay?: string;
  distill: boolean;
  teacher?: string;
  teacherConfig?: string;
  distillMode: string;
  out: string;
  resume?: boolean;
  workers: string;
  batchSize: string;
  seed: string;
  evalImages: string;
  maxSteps: string;
  randomErasing: string;
}

/**
 * What fine-tuning needs to know of a checkpoint's kind of net, the CNN supernet or the
 * SuperTransformer (a teacher of either kind teaches either: netKinds.ts).
 */
export interface FinetuneNet<S extends NetSpace, C> {
  /** Its configs: resolved, named and compared. */
  terms: NetKind<S, C>;
  /** The default peak learning rate (the checkpoint's optimizer trains on). */
  lr: number;
  /** The default weight decay of a new fine-tune; undefined: the checkpoint's own. */
  weightDecay?: number;
  /** The space of a checkpoint of this kind. */
  space(meta: TrainMeta<unknown, unknown>): S;
  trainingNet(space: S): TrainingNet<S, C>;
}

const kCnnFinetune: FinetuneNet<SearchSpace, SubnetConfig> = {
  terms: kCnnNet,
  lr: kFinetuneRecipe.lr,
  weightDecay: kFinetuneRecipe.weightDecay,
  space: (meta) => meta.space as SearchSpace,
  trainingNet: cnnTrainingNet,
};

export function registerFinetune(program: Command): void {
  const cmd = program
    .command('finetune')
    .description("train one subnet (or SubTransformer) on its own from the supernet's (or SuperTransformer's) weights, distilling from a frozen teacher: the supernet's largest, or --teacher; into a checkpoint to export, evaluate and verify it from")
    .requiredOption('--config <file>', "the subnet: a config JSON (or a search results file), or largest/smallest; for a SuperTransformer --checkpoint a SubTransformer config (\"kind\": \"vit\")")
    .option('--epochs <n>', 'fine-tuning epochs', String(kFinetuneRecipe.epochs))
    .option('--lr <x>', `peak learning rate (cosine decay to 0, no warm-up): default ${kFinetuneRecipe.lr} for a CNN supernet (SGD), ${kTransformerRecipe.finetuneLr} for a SuperTransformer (AdamW, as it trained; its sandwich peaked at ${kTransformerRecipe.subnetsLr})`)
    .option('--weight-decay <x>', `weight decay (default ${kFinetuneRecipe.weightDecay} for a CNN, the standard recipe's; a SuperTransformer's own for a SubTransformer; a resumed run keeps its own)`)
    .option('--no-distill', "train on the labels alone (default: also learn a frozen teacher's soft predictions: a copy of the supernet's largest subnet taken at the start, or --teacher)")
    .option('--teacher <ckpt>', 'distil from the network of this training checkpoint, of either kind whatever the student (hwnas train: a network trained with --config, a supernet or a SuperTransformer; hwnas finetune), frozen; --out keeps its weights, so --resume needs the file no more')
    .option('--teacher-config <file>', "the teacher's config: a config JSON of its space, or largest (default: the network a --teacher checkpoint trained, a supernet's largest)")
    .option('--distill-mode <mode>', "soft: learn the teacher's softmax (cross-entropy, added to the label loss); hard: its argmax as labels, averaged with the label loss (DeiT's hard-label distillation)", 'soft')
    .option('--out <path>', 'checkpoint of the fine-tuned subnet (written atomically, resumable)', 'runs/finetune.ckpt');
  addTrainingRunOptions(cmd, 'data order and augmentation');
  addCheckpointOption(cmd, 'trained supernet (or SuperTransformer) whose weights the subnet inherits');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: FinetuneCliOptions) => {
    // An existing --out is continued with --resume (the trainer refuses it otherwise).
    checkOutputPath(opts.out, { kind: 'file', existing: 'update' });
    if (!opts.distill && (opts.teacher !== undefined || opts.teacherConfig !== undefined)) {
      const flag = opts.teacher !== undefined ? '--teacher' : '--teacher-config';
      throw new Error(`${flag} names the network to distil from, but --no-distill turns distillation off: drop one of them`);
    }
    if (!kDistillModes.includes(opts.distillMode as DistillMode)) {
      throw new Error(`--distill-mode must be one of ${kDistillModes.join(', ')} (got '${opts.distillMode}')`);
    }
    if (!opts.distill && cmd.getOptionValueSource('distillMode') === 'cli') {
      throw new Error('--distill-mode says how to learn from the teacher, but --no-distill turns distillation off: drop one of them');
    }
    const kind = readCheckpointMeta<{ kind?: unknown }>(opts.checkpoint).kind;
    if (kind === 'hwnas-supertransformer') await finetune(cmd, opts, kTransformerFinetune);
    else if (kind === 'hwnas-supernet') await finetune(cmd, opts, kCnnFinetune);
    else throw new Error(`${opts.checkpoint} is not a supernet or SuperTransformer checkpoint (kind ${String(kind)}): pass one written by hwnas train`);
  });
}

/** Fine-tunes `opts.config` of the `net`-kind checkpoint `opts.checkpoint` into `opts.out`. */
async function finetune<S extends NetSpace, C>(cmd: Command, opts: FinetuneCliOptions, net: FinetuneNet<S, C>): Promise<void> {
  const ck = loadCheckpoint<TrainMeta<S, C>>(opts.checkpoint);
  const space = net.space(ck.meta);
  const config = net.terms.resolve(space, opts.config);
  const epochs = parseIntOption('epochs', opts.epochs, 1);
  const lr = opts.lr === undefined ? net.lr : parsePositiveNumber('lr', opts.lr);
  const workers = parseIntOption('workers', opts.workers, 1);
  const resume = opts.resume === true;
  // A resumed run distils from the teacher its checkpoint keeps (refuseChangedSettings refuses another).
  const kept = resume && existsSync(opts.out);
  if (kept) refuseChangedConfig(opts.out, space, config, net.terms);
  // A teacher of either kind; by default a frozen copy of the checkpoint's own largest.
  const loaded = kept || !opts.distill ? undefined : opts.teacher === undefined
    ? loadTeacher(opts.checkpoint, opts.teacherConfig, 'largest')
    : loadTeacher(opts.teacher, opts.teacherConfig, 'trained');
  if (loaded !== undefined) checkTeacherFits(loaded, space.input, opts.checkpoint, ck.meta.data);
  const teacher = loaded === undefined ? undefined : { ...loaded, mode: opts.distillMode as DistillMode };
  const phases: PhaseSpec<C>[] = [{ name: 'finetune', epochs, lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config }];
  const options = {
    batchSize: parseIntOption('batch-size', opts.batchSize, 2),
    seed: parseIntOption('seed', opts.seed, 0),
    evalImages: parseIntOption('eval-images', opts.evalImages, 0),
    maxStepsThisRun: parseIntOption('max-steps', opts.maxSteps, 0),
    // A resumed run trains on at its own (an explicit other value is refused below).
    hyper: withRandomErasing({
      ...ck.meta.options.hyper,
      weightDecay: opts.weightDecay === undefined ? net.weightDecay ?? ck.meta.options.hyper.weightDecay : parseNonNegativeNumber('weight-decay', opts.weightDecay),
    }, opts.randomErasing),
    phases,
  };
  await startBackend(opts);
  const data = await loadTrainingData(opts, space, ck.meta.data, opts.checkpoint);
  const trainer = new SupernetTrainer(net.trainingNet(space), data, opts.out, options, teacher);
  if (resume) refuseChangedSettings(cmd, opts.out, trainer.options, { teacher: opts.teacher, teacherConfig: opts.teacherConfig, distillMode: opts.distillMode, distill: opts.distill });
  // --epochs or --lr given with --resume re-plan what is left of the run (never silently ignored).
  if (kept && ['epochs', 'lr'].some((flag) => cmd.getOptionValueSource(flag) === 'cli')) {
    const replanned = trainer.replanCheckpoint(phases);
    if (replanned !== undefined) console.log(`re-planned ${opts.out} from step ${replanned.step}: ${epochs} epochs at peak lr ${lr}; ${replanned.totalSteps} steps in all`);
  }
  if (teacher !== undefined) console.log(`distilling from ${teacher.from}'s ${kindedKey(teacher)} (a frozen copy${teacher.mode === 'hard' ? "; its argmax as labels, DeiT's hard distillation" : ''})`);
  const meta = await runTraining(trainer, {
    out: opts.out, workers, backend: opts.backend, resume,
    ...(resume ? {} : { init: { params: ck.arrays.params, from: opts.checkpoint } }),
  });
  if (meta.step === meta.totalSteps) {
    console.log(`export or evaluate the fine-tuned ${net.terms.what} from it: hwnas export --checkpoint ${opts.out} --config ${opts.config} --out FILE; hwnas eval --checkpoint ${opts.out} --config ${opts.config}`);
  }
}
