/** The run loop shared by `hwnas train` and `hwnas finetune`: engine, progress bar, per-epoch lines. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BackendName } from '../supernet/backend/backend.js';
import { createEngine } from '../supernet/train/engines.js';
import type { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import type { NetSpace } from '../supernet/train/trainingNet.js';
import type { EpochRecord, GradientEngine, TrainMeta } from '../supernet/train/trainTypes.js';
import { isNetKind, netKind, type NetKind } from '../supernet/train/netKinds.js';
import type { Command } from 'commander';
import { kDefaultTrainOptions, withoutRandomErasing, type TrainOptions } from '../supernet/train/schedule.js';
import { checkErasingProbability } from '../supernet/data/randomErasing.js';
import { readCheckpointMeta } from '../supernet/train/checkpoint.js';
import { progressBar } from './progress.js';
import type { SupernetHyper } from '../supernet/train/supernetReplica.js';

/** The options every training command shares: resuming, workers, batch, seed, step budget, evaluation. */
export function addTrainingRunOptions(cmd: Command, seedWhat: string): Command {
  return cmd
    .option('--resume', 'continue the checkpoint at --out from its last saved step')
    .option('--workers <n>', 'data-parallel worker threads (one per core)', '2')
    .option('--batch-size <n>', 'images per step (split across workers)', String(kDefaultTrainOptions.batchSize))
    .option('--seed <n>', `seed of ${seedWhat}`, String(kDefaultTrainOptions.seed))
    .option('--max-steps <n>', 'stop this run after n steps (resume later); 0 = run to the end', '0')
    .option('--eval-images <n>', 'val/test images evaluated at each epoch end (0 = none)', String(kDefaultTrainOptions.evalImages))
    .option('--random-erasing <p>', 'probability of random erasing on each training image after the crop and flip (Zhong et al.: one rectangle of 2-40% of the image replaced by random pixels); 0 = crop and flip only', '0');
}

/** The --random-erasing value: a probability in [0, 1]; the error names the flag. */
export function parseRandomErasing(value: string): number {
  if (value.trim() === '') throw new Error("--random-erasing must be a probability in [0, 1] (got '')");
  const p = Number(value);
  checkErasingProbability(p, '--random-erasing');
  return p;
}

/** `hyper` training with random erasing at `--random-erasing` `value` (recorded only when above 0, so runs without it keep their settings' shape). */
export function withRandomErasing(hyper: SupernetHyper, value: string): SupernetHyper {
  const p = parseRandomErasing(value);
  return p > 0 ? { ...withoutRandomErasing(hyper), randomErasing: p } : withoutRandomErasing(hyper);
}

export interface TrainRun {
  out: string;
  workers: number;
  backend?: BackendName | 'auto';
  resume: boolean;
  /** Initial weights (fine-tuning), for a run that does not resume. */
  init?: { params: Float32Array; from: string };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** One line per finished epoch: the trained config, or the largest and smallest subnets. */
export function epochLine(r: EpochRecord): string {
  const head = `epoch ${r.epoch + 1} (${r.phase}): train loss ${r.trainLoss.toFixed(4)}, ${r.seconds.toFixed(0)} s`;
  if (r.trained !== undefined) return `${head}; val ${pct(r.trained.val)} test ${pct(r.trained.test)}`;
  const families = r.families === undefined ? '' : `; each family's largest val ${Object.entries(r.families).map(([f, a]) => `${f} ${pct(a.val)}`).join(', ')}`;
  return `${head}; largest val ${pct(r.largest.val)} test ${pct(r.largest.test)}; smallest val ${pct(r.smallest.val)} test ${pct(r.smallest.test)}${families}`;
}

/** Runs (or resumes) `trainer` (of the CNN supernet or the SuperTransformer) with a progress bar; resolves to the final metadata. */
export async function runTraining<S extends NetSpace, C>(trainer: SupernetTrainer<S, C>, run: TrainRun): Promise<TrainMeta<S, C>> {
  mkdirSync(dirname(run.out), { recursive: true });
  const engine: GradientEngine<C> & { close(): Promise<void> } = await createEngine<C>(trainer.replicaInit(run.resume), run.workers, run.backend, trainer.replicaModule);
  const bar = progressBar(trainer.plannedSteps(run.resume), trainer.resumeStep(run.resume),
    'train |{bar}| {value}/{total} steps | epoch {epoch} {phase} | loss {loss} | {ips} img/s | ETA {eta_formatted}');
  try {
    const meta = await trainer.run(engine, run.resume, {
      onStep: (p) => bar.update(p.step, {
        epoch: `${p.epoch + 1}/${p.epochs}`, phase: p.phase, loss: p.loss.toFixed(3), ips: p.imagesPerSecond.toFixed(0),
      }),
      onEpoch: (r) => bar.log(epochLine(r)),
    }, run.init);
    bar.stop();
    console.log(`${meta.step === meta.totalSteps ? 'finished' : 'paused'} at step ${meta.step}/${meta.totalSteps}; checkpoint ${run.out}`);
    return meta;
  } finally {
    bar.stop();
    await engine.close();
  }
}

/** The teacher flags of `hwnas finetune` as given: `--teacher`, `--teacher-config`, `--distill-mode`, and false for `--no-distill`. */
export interface AskedTeacher {
  teacher?: string;
  teacherConfig?: string;
  distillMode?: string;
  distill: boolean;
}

/**
 * A resumed run keeps its checkpoint's settings: refuses a flag given explicitly with another
 * value than the checkpoint's, naming both (silently training on with the old value would
 * ignore the user). With `teacher` (fine-tuning), the teacher flags too.
 */
export function refuseChangedSettings(cmd: Command, out: string, asked: Required<TrainOptions<unknown>>, teacher?: AskedTeacher): void {
  if (!existsSync(out)) return;
  const meta = readCheckpointMeta<TrainMeta<unknown, unknown>>(out);
  if (!isNetKind(meta.kind)) return;
  const kept = meta.options;
  const checks: Array<[string, unknown, unknown]> = [
    ['batch-size', asked.batchSize, kept.batchSize],
    ['seed', asked.seed, kept.seed],
    ['weight-decay', asked.hyper.weightDecay, kept.hyper.weightDecay],
    ['random-erasing', asked.hyper.randomErasing ?? 0, kept.hyper.randomErasing ?? 0],
  ];
  for (const [flag, given, saved] of checks) {
    if (cmd.getOptionValueSource(flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase())) !== 'cli' || given === saved) continue;
    throw new Error(`--${flag} ${String(given)} differs from ${out}'s ${String(saved)}: a resumed run keeps its checkpoint's settings; drop --${flag}, or start a new run with another --out`);
  }
  if (teacher !== undefined) refuseChangedTeacher(cmd, out, meta, teacher);
}

/**
 * Refuses teacher flags (given explicitly) that ask for another teacher than the one `out` keeps,
 * naming it; its configs are of its own kind (a record without one: the student's).
 */
function refuseChangedTeacher(cmd: Command, out: string, meta: TrainMeta<unknown, unknown>, asked: AskedTeacher): void {
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  const kept = meta.teacher;
  const terms = netKind(kept?.kind ?? meta.kind);
  const keptMode = kept?.mode ?? 'soft';
  const inPlace = meta.options.phases.some((p) => p.teacher !== undefined);
  const keptWords = kept !== undefined
    ? `teacher ${kept.from} (config ${terms.key(kept.space, kept.config)}${keptMode === 'soft' ? '' : `, ${keptMode} distillation`})`
    : inPlace ? 'in-place teacher (a config of its own supernet, from before frozen teachers)' : 'training without a teacher (--no-distill)';
  const refuse = (flag: string): never => {
    throw new Error(`${flag} differs from ${out}'s ${keptWords}: a resumed run distils from the teacher its checkpoint keeps; drop ${flag.split(' ')[0]}, or start a new run with another --out`);
  };
  if (given('distill') && !asked.distill && (kept !== undefined || inPlace)) refuse('--no-distill');
  if (given('teacher') && asked.teacher !== undefined && (kept === undefined || resolve(asked.teacher) !== resolve(kept.from))) refuse(`--teacher ${asked.teacher}`);
  if (given('teacherConfig') && asked.teacherConfig !== undefined) {
    let config: unknown;
    try {
      config = kept === undefined ? undefined : terms.resolve(kept.space, asked.teacherConfig);
    } catch {
      config = undefined;
    }
    if (kept === undefined || config === undefined || !terms.same(kept.space, config, kept.config)) refuse(`--teacher-config ${asked.teacherConfig}`);
  }
  if (given('distillMode') && asked.distillMode !== undefined && (kept === undefined || asked.distillMode !== keptMode)) refuse(`--distill-mode ${asked.distillMode}`);
}

/**
 * Refuses to resume `out` unless it is a one-config run (a fine-tune) of the command's kind that
 * trains `config`, naming what it is or the config it trains: the weights it has trained are
 * that network's.
 */
export function refuseChangedConfig<S extends NetSpace, C>(out: string, space: S, config: C, terms: NetKind<S, C>): void {
  if (!existsSync(out)) return;
  const meta = readCheckpointMeta<TrainMeta<S, C>>(out);
  if (meta.kind !== terms.kind) {
    throw new Error(`--out ${out} is a checkpoint of kind ${String(meta.kind)}, but this --checkpoint fine-tunes into ${terms.kind} checkpoints: start the fine-tune with another --out`);
  }
  const kept = meta.options.phases[0]?.config;
  if (kept === undefined) {
    throw new Error(`--out ${out} trains a whole supernet, not one ${terms.what} (resume it with hwnas train --resume): start the fine-tune with another --out`);
  }
  if (terms.same(space, config, kept)) return;
  throw new Error(`--config ${terms.key(space, config)} differs from the config ${out} trains (${terms.key(space, kept)}): a resumed fine-tune continues its own network; pass that config, or start a new run with another --out`);
}
