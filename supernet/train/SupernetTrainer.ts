/**
 * Supernet training: OFA's progressive order in two phases - the largest subnet alone, then the
 * sandwich rule (largest + smallest + random subnets every step, in-place distillation from
 * the largest) - with SGD (Nesterov), linear warm-up and a cosine schedule per phase, seeded
 * data order and subnet sampling, and atomic checkpoints from which a killed run resumes at
 * the exact step it saved. The network is the CNN supernet of a search space, or any other
 * weight-sharing net given as a `TrainingNet` (the SuperTransformer). A run of one-config
 * phases may distil from a frozen teacher, a separate network kept in its checkpoint.
 */
import { sameSpace } from '../../space/sameSpace.js';
import { existsSync } from 'node:fs';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import type { Dataset, ImageSet } from '../data/types.js';
import { batchIndices } from '../data/batches.js';
import { calibrationSet } from '../evaluate.js';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from './checkpoint.js';
import { OutputLock, withOutputLock } from '../../util/outputLock.js';
import {
  addToMean, averagingWindow, learningRate, onlyConfig, phaseOf, validateTrainOptions, type PhaseSpec, type TrainOptions,
} from './schedule.js';
import type { EpochRecord, GradientEngine, TrainCallbacks, TrainMeta } from './trainTypes.js';
import { isTrainingNet, type NetSpace, type TrainingNet } from './trainingNet.js';
import { cnnTrainingNet } from './cnnTrainingNet.js';
import { replanRun } from './replan.js';
import { checkTeacherInput, checkTeacherPhases, frozenTeacherData, keptTeacher, teacherId, teacherRecord, type TeacherSource } from './frozenTeacher.js';
import { stepTasks } from './stepTasks.js';

export class SupernetTrainer<S extends NetSpace = SearchSpace, C = SubnetConfig> {
  readonly space: S;
  readonly net: TrainingNet<S, C>;
  readonly options: Required<TrainOptions<C>>;
  private readonly data: Dataset;
  private readonly checkpointPath: string;
  /** The running weight mean of an averaging phase in progress. */
  private average: Float32Array | undefined;
  /** The frozen teacher of a new run, of either kind (a resumed run keeps its checkpoint's). */
  private readonly teacher: TeacherSource | undefined;
  /** The teacher of the run in progress: its weights (saved with every checkpoint) and id. */
  private runTeacher: { params: Float32Array; id: string } | undefined;

  /** `teacher`: a frozen network (of either kind) the config of every (one-config) phase distils from; checkpoints keep it. */
  constructor(net: S | TrainingNet<S, C>, data: Dataset, checkpointPath: string, options: TrainOptions<C> = {}, teacher?: TeacherSource) {
    this.net = isTrainingNet(net) ? (net as TrainingNet<S, C>) : (cnnTrainingNet(net as unknown as SearchSpace) as unknown as TrainingNet<S, C>);
    const space = this.net.space;
    const { height, width, channels, classes } = space.input;
    if (data.input.height !== height || data.input.width !== width || data.input.channels !== channels || data.classes !== classes) {
      throw new Error(
        `${data.name} has ${data.input.height}x${data.input.width}x${data.input.channels} images of ${data.classes} classes, ` +
          `space '${space.name}' takes ${height}x${width}x${channels} and ${classes} classes`,
      );
    }
    this.space = space;
    this.data = data;
    this.checkpointPath = checkpointPath;
    this.options = validateTrainOptions(options);
    if (data.train.n < this.options.batchSize) {
      throw new Error(`${data.name}'s training split has ${data.train.n} images, fewer than one batch (${this.options.batchSize}): lower --batch-size or add images`);
    }
    if (teacher !== undefined) checkTeacherInput(teacher, space.input, `space '${space.name}'`);
    if (teacher !== undefined) checkTeacherPhases(this.options.phases);
    this.teacher = teacher;
  }

  /**
   * The plain-data init of every replica (for `createEngine`): its seed and hyper-parameters,
   * the run's frozen teacher and one trained config, if any - all the checkpoint's when `resume`
   * (a resumed run trains on as it began, whatever options this trainer was given).
   */
  replicaInit(resume = false): object {
    const ck = resume && existsSync(this.checkpointPath) ? loadCheckpoint<TrainMeta<S, C>>(this.checkpointPath) : undefined;
    const teacher = ck === undefined ? this.teacher : keptTeacher(ck, this.checkpointPath);
    const { seed, hyper, phases } = ck?.meta.options ?? this.options;
    const only = onlyConfig(phases);
    const init = { ...this.net.replicaInit(seed, hyper), ...(only === undefined ? {} : { decayOnly: only }) };
    return teacher === undefined ? init : { ...init, teacher: frozenTeacherData(teacher) };
  }

  /** The replica module the engine's workers load. */
  get replicaModule(): URL {
    return this.net.replicaModule;
  }

  /** Fresh metadata, or the checkpoint's when resuming (options must match). */
  initialMeta(): TrainMeta<S, C> {
    const stepsPerEpoch = Math.floor(this.data.train.n / this.options.batchSize);
    const epochs = this.options.phases.reduce((s, p) => s + p.epochs, 0);
    return {
      kind: this.net.checkpointKind, space: this.space, options: this.options, step: 0,
      totalSteps: epochs * stepsPerEpoch, stepsPerEpoch, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [],
      data: {
        name: this.data.name, format: this.data.format, input: { ...this.data.input }, classNames: [...this.data.classNames],
        normalization: { mean: [...this.data.normalization.mean], std: [...this.data.normalization.std] },
      },
    };
  }

  /**
   * Appends `phase` to the schedule of the finished training checkpoint (rewritten atomically,
   * weights and momentum unchanged), so that a resumed run trains it: a further phase with a
   * warm restart of the learning rate, for a supernet that was still improving at its end.
   * Throws when the checkpoint is missing or has not finished its own schedule yet.
   */
  extendCheckpoint(phase: PhaseSpec<C>): TrainMeta<S, C> {
    if (!existsSync(this.checkpointPath)) throw new Error(`cannot extend ${this.checkpointPath}: no such checkpoint`);
    const ck = loadCheckpoint<TrainMeta<S, C>>(this.checkpointPath);
    const { meta } = ck;
    this.checkKind(meta);
    if (meta.step < meta.totalSteps) {
      throw new Error(`cannot extend ${this.checkpointPath}: it is at step ${meta.step} of ${meta.totalSteps}; finish it with --resume first`);
    }
    const options = validateTrainOptions({ ...meta.options, phases: [...meta.options.phases, phase] });
    const extended: TrainMeta<S, C> = { ...meta, options, totalSteps: meta.totalSteps + phase.epochs * meta.stepsPerEpoch };
    saveCheckpoint(this.checkpointPath, extended, ck.arrays);
    return extended;
  }

  /** Re-plans what is left of the checkpoint's schedule (replan.ts), rewriting it atomically; undefined: no change. */
  replanCheckpoint(phases: readonly PhaseSpec<C>[]): TrainMeta<S, C> | undefined {
    // Not while a run trains it: that run would overwrite the new plan at its next checkpoint.
    const lock = OutputLock.acquire(this.checkpointPath);
    try {
      const ck = loadCheckpoint<TrainMeta<S, C>>(this.checkpointPath);
      this.checkKind(ck.meta);
      const replanned = replanRun(ck.meta, phases, this.checkpointPath);
      if (replanned !== undefined) saveCheckpoint(this.checkpointPath, replanned, ck.arrays);
      return replanned;
    } finally {
      lock.release();
    }
  }

  /** The steps of the whole schedule: the options', or the checkpoint's when resuming. */
  plannedSteps(resume: boolean): number {
    if (!resume || !existsSync(this.checkpointPath)) return this.initialMeta().totalSteps;
    return readCheckpointMeta<TrainMeta<S, C>>(this.checkpointPath).totalSteps;
  }

  /** The step a run starts from: 0, or the checkpoint's step when resuming. */
  resumeStep(resume: boolean): number {
    if (!resume || !existsSync(this.checkpointPath)) return 0;
    return readCheckpointMeta<TrainMeta<S, C>>(this.checkpointPath).step;
  }

  /** Throws unless `meta` is a checkpoint of this trainer's kind of net. */
  private checkKind(meta: TrainMeta<S, C>): void {
    if (meta.kind === this.net.checkpointKind) return;
    if (this.net.checkpointKind === 'hwnas-supernet') throw new Error(`${this.checkpointPath} is not a supernet training checkpoint`);
    throw new Error(`${this.checkpointPath} is not a ${this.net.checkpointKind} training checkpoint (kind ${String(meta.kind)}): use another --out, or train it with its own space`);
  }

  /**
   * Runs (or resumes, with `resume`) training to the end or to `maxStepsThisRun`. Returns the
   * final metadata. The engine must have been created from `replicaInit(resume)`.
   */
  async run(engine: GradientEngine<C>, resume: boolean, callbacks: TrainCallbacks = {}, init?: { params: Float32Array; from: string }): Promise<TrainMeta<S, C>> {
    // One writer per checkpoint: a second run on the same file refuses instead of interleaving.
    return withOutputLock(this.checkpointPath, () => this.runLocked(engine, resume, callbacks, init));
  }

  private async runLocked(engine: GradientEngine<C>, resume: boolean, callbacks: TrainCallbacks, init?: { params: Float32Array; from: string }): Promise<TrainMeta<S, C>> {
    const { options, space, data } = this;
    let meta = this.initialMeta();
    let teacher = this.teacher;
    this.average = undefined;
    if (resume) {
      if (!existsSync(this.checkpointPath)) {
        throw new Error(`--resume: no checkpoint at ${this.checkpointPath}; start without --resume`);
      }
      const ck = loadCheckpoint<TrainMeta<S, C>>(this.checkpointPath);
      this.checkKind(ck.meta);
      if (!sameSpace(ck.meta.space, space)) {
        throw new Error(`${this.checkpointPath} was trained on search space '${ck.meta.space.name}' with a different shape; resume with the same space`);
      }
      meta = { ...ck.meta, options: { ...ck.meta.options, maxStepsThisRun: options.maxStepsThisRun } };
      teacher = keptTeacher(ck, this.checkpointPath);
      await engine.setState([ck.arrays.params, ck.arrays.velocity]);
      if ((meta.averaged ?? 0) > 0) {
        if (!ck.arrays.average) throw new Error(`${this.checkpointPath} counts ${meta.averaged} averaged snapshots but holds no average; it is damaged`);
        this.average = ck.arrays.average;
      }
    } else if (existsSync(this.checkpointPath)) {
      throw new Error(`${this.checkpointPath} exists: pass --resume to continue it, or choose another --out`);
    } else if (init !== undefined) {
      const [params, velocity] = await engine.getState();
      if (init.params.length !== params.length) {
        throw new Error(`${init.from} holds ${init.params.length} weights but a supernet of space '${space.name}' has ${params.length}: start from a checkpoint of this space`);
      }
      await engine.setState([init.params, new Float32Array(velocity.length)]);
      meta.initFrom = init.from;
    }
    if (!resume && teacher !== undefined) meta.teacher = teacherRecord(teacher);
    this.runTeacher = teacher === undefined ? undefined : { params: teacher.params, id: teacherId(teacher) };
    const o = meta.options;
    const { batchSize, seed } = o;
    const epochs = o.phases.reduce((s, p) => s + p.epochs, 0);
    const calib = o.evalImages > 0 ? calibrationSet(data.train, o.calibrationImages) : undefined;
    let runSteps = 0;
    let epochIndices: Int32Array[] = [];
    let indicesEpoch = -1;
    let epochStart = performance.now() - meta.epochLoss.seconds * 1000;

    while (meta.step < meta.totalSteps) {
      if (o.maxStepsThisRun > 0 && runSteps >= o.maxStepsThisRun) break;
      const step = meta.step;
      const epoch = Math.floor(step / meta.stepsPerEpoch);
      const b = step % meta.stepsPerEpoch;
      const { phase, start } = phaseOf(o.phases, epoch);
      if ((phase.sortChannels ?? phase.sandwich) && step === start * meta.stepsPerEpoch) await this.sortChannels(engine, meta);
      if (indicesEpoch !== epoch) {
        epochIndices = batchIndices(data.train.n, batchSize, seed, epoch, { dropLast: true });
        indicesEpoch = epoch;
      }
      const batch = { train: data.train, indices: epochIndices[b], seed, epoch, batch: b, erasing: o.hyper.randomErasing ?? 0 };
      const tasks = stepTasks(batch, this.net.stepConfigs(phase, seed, step), phase, engine.workers, this.runTeacher?.id);
      const lr = learningRate(o.phases, meta.stepsPerEpoch, step);
      const t0 = performance.now();
      const { loss } = await engine.step(tasks, lr);
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss}): lower the learning rate`);
      const dt = (performance.now() - t0) / 1000;
      meta.step += 1;
      runSteps += 1;
      meta.epochLoss.sum += loss;
      meta.epochLoss.n += 1;
      await this.updateAverage(engine, meta, epoch);
      callbacks.onStep?.({
        step: meta.step, totalSteps: meta.totalSteps, epoch, epochs, phase: phase.name,
        loss, lr, imagesPerSecond: batchSize / dt,
      });
      const epochEnd = meta.step % meta.stepsPerEpoch === 0;
      if (epochEnd) {
        const record = await this.epochRecord(engine, epoch, phase.name, meta, calib, (performance.now() - epochStart) / 1000);
        meta.history.push(record);
        meta.epochLoss = { sum: 0, n: 0, seconds: 0 };
        epochStart = performance.now();
        callbacks.onEpoch?.(record);
      }
      if (epochEnd || meta.step % o.checkpointEvery === 0 || meta.step === meta.totalSteps) {
        meta.epochLoss.seconds = (performance.now() - epochStart) / 1000;
        await this.save(engine, meta);
        callbacks.onCheckpoint?.(this.checkpointPath, meta.step);
      }
    }
    if (runSteps > 0 && meta.step % o.checkpointEvery !== 0) {
      meta.epochLoss.seconds = (performance.now() - epochStart) / 1000;
      await this.save(engine, meta);
      callbacks.onCheckpoint?.(this.checkpointPath, meta.step);
    }
    return meta;
  }

  /** Re-organises channels by importance in every replica (weights and momentum alike), when the net has channels to sort. */
  private async sortChannels(engine: GradientEngine<C>, meta: TrainMeta<S, C>): Promise<void> {
    if (this.net.sortChannels === undefined) return;
    const state = await engine.getState();
    this.net.sortChannels(state, meta.options.seed);
    await engine.setState(state);
  }

  /**
   * Inside an averaging window: adds the weights after this step to the running mean, and at
   * the window's end (the phase's end) makes the mean the weights of every replica.
   */
  private async updateAverage(engine: GradientEngine<C>, meta: TrainMeta<S, C>, epoch: number): Promise<void> {
    const window = averagingWindow(meta.options.phases, meta.stepsPerEpoch, epoch);
    if (!window || meta.step <= window.from) return;
    const [params, velocity] = await engine.getState();
    const count = meta.averaged ?? 0;
    if (!this.average || count === 0) this.average = new Float32Array(params.length);
    addToMean(this.average, params, count);
    meta.averaged = count + 1;
    if (meta.step === window.to) {
      await engine.setState([this.average, velocity]);
      this.average = undefined;
      meta.averaged = 0;
    }
  }

  private async save(engine: GradientEngine<C>, meta: TrainMeta<S, C>): Promise<void> {
    const [params, velocity] = await engine.getState();
    const arrays: Record<string, Float32Array> = { params, velocity };
    if (this.average && (meta.averaged ?? 0) > 0) arrays.average = this.average;
    if (meta.teacher !== undefined && this.runTeacher !== undefined) arrays.teacherParams = this.runTeacher.params;
    saveCheckpoint(this.checkpointPath, meta, arrays);
  }

  private async epochRecord(
    engine: GradientEngine<C>, epoch: number, phase: string, meta: TrainMeta<S, C>,
    calib: ImageSet | undefined, seconds: number,
  ): Promise<EpochRecord> {
    const trainLoss = meta.epochLoss.n > 0 ? meta.epochLoss.sum / meta.epochLoss.n : NaN;
    const record: EpochRecord = {
      epoch, phase, trainLoss, seconds,
      largest: { val: NaN, test: NaN }, smallest: { val: NaN, test: NaN },
    };
    const limit = meta.options.evalImages;
    if (limit === 0 || calib === undefined) return record;
    // Inside an averaging window the running mean is what the phase will end with.
    const [params] = (meta.averaged ?? 0) > 0 && this.average ? [this.average] : await engine.getState();
    const { phase: current } = phaseOf(meta.options.phases, epoch);
    return { ...record, ...this.net.epochAccuracy(params, meta.options.seed, current, calib, this.data, limit) };
  }
}
