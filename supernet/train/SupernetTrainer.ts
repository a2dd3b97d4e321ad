/**
 * Supernet training: OFA's progressive order in two phases - the largest subnet alone, then the
 * sandwich rule (largest + smallest + random subnets every step, in-place distillation from
 * the largest) - with SGD (Nesterov), linear warm-up and a cosine schedule per phase, seeded
 * data order and subnet sampling, and atomic checkpoints from which a killed run resumes at
 * the exact step it saved.
 */
import { existsSync } from 'node:fs';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import type { FashionMnist, ImageSet } from '../data/types.js';
import { batchAugmentRng, batchIndices, deriveSeed, fillBatch, fillLabels } from '../data/batches.js';
import { Rng } from '../../space/rng.js';
import { largestConfig, largestOfFamily, sampleConfig, smallestConfig, spaceFamilies } from '../../space/searchSpace.js';
import { Supernet } from '../Supernet.js';
import { calibrationSet, evaluateConfig } from '../evaluate.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { sortChannelsByImportance } from '../layers/channelSort.js';
import type { SandwichTask, SupernetHyper, SupernetReplicaInit } from './supernetReplica.js';

export interface PhaseSpec {
  name: string;
  epochs: number;
  /** Peak learning rate of the phase (after warm-up), decayed by a cosine to 0 at its end. */
  lr: number;
  /** After warm-up: 'cosine' decays to 0 at the phase end (default), 'constant' holds `lr`. */
  schedule?: 'cosine' | 'constant';
  /**
   * Stochastic weight averaging: a running mean of the weights after every step of the last
   * `averageEpochs` epochs of the phase replaces the weights when the phase ends (default 0,
   * no averaging). BatchNorm statistics are recalibrated at extraction anyway.
   */
  averageEpochs?: number;
  warmupEpochs: number;
  /** false: train the largest subnet only. true: the sandwich rule with distillation. */
  sandwich: boolean;
  /** Random subnets per sandwich step, besides the largest and the smallest. */
  randomSubnets: number;
  /**
   * Sort elastic channels by importance when the phase starts (OFA, before smaller widths
   * train). Default: true for sandwich phases, false otherwise.
   */
  sortChannels?: boolean;
}

export interface TrainOptions {
  batchSize?: number;
  seed?: number;
  phases?: PhaseSpec[];
  hyper?: SupernetHyper;
  /** Write a checkpoint every this many steps (and at each epoch end). */
  checkpointEvery?: number;
  /** Images for BatchNorm recalibration at evaluation. */
  calibrationImages?: number;
  /** Evaluate at epoch ends on at most this many val and test images (0 = skip evaluation). */
  evalImages?: number;
  /** Stop this run after this many steps (the run can be resumed later). 0 = no limit. */
  maxStepsThisRun?: number;
}

export const kDefaultTrainOptions: Required<TrainOptions> = {
  batchSize: 128,
  seed: 0,
  phases: [
    { name: 'largest', epochs: 6, lr: 0.15, warmupEpochs: 1, sandwich: false, randomSubnets: 0 },
    { name: 'sandwich', epochs: 10, lr: 0.08, warmupEpochs: 0, sandwich: true, randomSubnets: 2, sortChannels: true },
  ],
  hyper: { momentum: 0.9, weightDecay: 5e-5, labelSmoothing: 0.1, kdWeight: 1 },
  checkpointEvery: 100,
  calibrationImages: 2000,
  evalImages: 5000,
  maxStepsThisRun: 0,
};

export interface EpochRecord {
  epoch: number;
  phase: string;
  trainLoss: number;
  seconds: number;
  /** Accuracy after BatchNorm recalibration, per subnet and split. */
  largest: { val: number; test: number };
  smallest: { val: number; test: number };
}

/** Plain-data checkpoint metadata (the arrays hold parameters and momentum). */
export interface TrainMeta {
  kind: 'hwnas-supernet';
  space: SearchSpace;
  options: Required<TrainOptions>;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  epochLoss: { sum: number; n: number; seconds: number };
  history: EpochRecord[];
  /** Weight snapshots in the running mean of an averaging phase (stored as array `average`). */
  averaged?: number;
}

export interface StepProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  phase: string;
  loss: number;
  lr: number;
  imagesPerSecond: number;
}

/** What the trainer needs from a gradient engine (in-process or data-parallel workers). */
export interface GradientEngine {
  step(tasks: SandwichTask[], lr: number): Promise<{ loss: number }>;
  getState(): Promise<Float32Array[]>;
  setState(state: Float32Array[]): Promise<void>;
  readonly workers: number;
}

export interface TrainCallbacks {
  onStep?: (p: StepProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
  onCheckpoint?: (path: string, step: number) => void;
}

export function validateTrainOptions(options: TrainOptions): Required<TrainOptions> {
  const o = { ...kDefaultTrainOptions, ...options };
  const posInt = (name: string, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`options.${name} must be an integer >= ${min} (got ${v})`);
  };
  posInt('batchSize', o.batchSize, 2);
  posInt('checkpointEvery', o.checkpointEvery);
  posInt('calibrationImages', o.calibrationImages);
  posInt('evalImages', o.evalImages, 0);
  posInt('maxStepsThisRun', o.maxStepsThisRun, 0);
  if (o.phases.length === 0) throw new Error('options.phases must list at least one phase');
  o.phases.forEach((p, i) => {
    posInt(`phases[${i}].epochs`, p.epochs);
    posInt(`phases[${i}].randomSubnets`, p.randomSubnets, 0);
    if (!(p.lr > 0)) throw new Error(`options.phases[${i}].lr must be positive (got ${p.lr})`);
    if (!(p.warmupEpochs >= 0 && p.warmupEpochs <= p.epochs)) {
      throw new Error(`options.phases[${i}].warmupEpochs must be in [0, ${p.epochs}] (got ${p.warmupEpochs})`);
    }
    if (p.schedule !== undefined && p.schedule !== 'cosine' && p.schedule !== 'constant') {
      throw new Error(`options.phases[${i}].schedule must be 'cosine' or 'constant' (got ${String(p.schedule)})`);
    }
    const average = p.averageEpochs ?? 0;
    if (!Number.isInteger(average) || average < 0 || average > p.epochs) {
      throw new Error(`options.phases[${i}].averageEpochs must be an integer in [0, ${p.epochs}] (got ${average})`);
    }
  });
  return o;
}

/** The phase that epoch `epoch` belongs to, with the epoch's index inside it. */
export function phaseOf(phases: readonly PhaseSpec[], epoch: number): { phase: PhaseSpec; start: number } {
  let start = 0;
  for (const phase of phases) {
    if (epoch < start + phase.epochs) return { phase, start };
    start += phase.epochs;
  }
  throw new Error(`epoch ${epoch} is past the last phase`);
}

/** Learning rate at global step `step`: linear warm-up, then cosine decay to 0 (or constant) within the phase. */
export function learningRate(phases: readonly PhaseSpec[], stepsPerEpoch: number, step: number): number {
  const epoch = Math.floor(step / stepsPerEpoch);
  const { phase, start } = phaseOf(phases, epoch);
  const t = step - start * stepsPerEpoch;
  const warm = phase.warmupEpochs * stepsPerEpoch;
  if (t < warm) return (phase.lr * (t + 1)) / warm;
  if (phase.schedule === 'constant') return phase.lr;
  const total = phase.epochs * stepsPerEpoch - warm;
  return 0.5 * phase.lr * (1 + Math.cos((Math.PI * (t - warm)) / total));
}

/** The steps [from, to) whose weights the running mean of `epoch`'s phase takes in, or undefined. */
export function averagingWindow(
  phases: readonly PhaseSpec[], stepsPerEpoch: number, epoch: number,
): { from: number; to: number } | undefined {
  const { phase, start } = phaseOf(phases, epoch);
  const epochs = phase.averageEpochs ?? 0;
  if (epochs === 0) return undefined;
  const to = (start + phase.epochs) * stepsPerEpoch;
  return { from: to - epochs * stepsPerEpoch, to };
}

/** Adds `x` as the (count+1)-th sample of the running mean `mean` (in place). */
export function addToMean(mean: Float32Array, x: Float32Array, count: number): void {
  if (mean.length !== x.length) throw new Error(`running mean of ${mean.length} weights cannot take ${x.length}`);
  const w = 1 / (count + 1);
  for (let i = 0; i < mean.length; i++) mean[i] += (x[i] - mean[i]) * w;
}

/** The subnets trained at `step`: seeded by (seed, step), so a resumed run draws the same ones. */
export function stepConfigs(space: SearchSpace, phase: PhaseSpec, seed: number, step: number): SubnetConfig[] {
  if (!phase.sandwich) {
    // With block families, the largest phase trains each family's largest subnet in turn.
    if (space.families === undefined) return [largestConfig(space)];
    const families = spaceFamilies(space);
    return [largestOfFamily(space, families[step % families.length].name)];
  }
  const rng = new Rng(deriveSeed(seed, 0x5a, step));
  const configs = [largestConfig(space), smallestConfig(space)];
  for (let i = 0; i < phase.randomSubnets; i++) configs.push(sampleConfig(space, rng));
  return configs;
}

export class SupernetTrainer {
  readonly space: SearchSpace;
  readonly options: Required<TrainOptions>;
  private readonly data: FashionMnist;
  private readonly checkpointPath: string;
  /** The running weight mean of an averaging phase in progress. */
  private average: Float32Array | undefined;

  constructor(space: SearchSpace, data: FashionMnist, checkpointPath: string, options: TrainOptions = {}) {
    this.space = space;
    this.data = data;
    this.checkpointPath = checkpointPath;
    this.options = validateTrainOptions(options);
  }

  replicaInit(): SupernetReplicaInit {
    return { space: this.space, seed: this.options.seed, hyper: this.options.hyper };
  }

  /** Fresh metadata, or the checkpoint's when resuming (options must match). */
  initialMeta(): TrainMeta {
    const stepsPerEpoch = Math.floor(this.data.train.n / this.options.batchSize);
    const epochs = this.options.phases.reduce((s, p) => s + p.epochs, 0);
    return {
      kind: 'hwnas-supernet', space: this.space, options: this.options, step: 0,
      totalSteps: epochs * stepsPerEpoch, stepsPerEpoch, epochLoss: { sum: 0, n: 0, seconds: 0 }, history: [],
    };
  }

  /**
   * Appends `phase` to the schedule of the finished training checkpoint (rewritten atomically,
   * weights and momentum unchanged), so that a resumed run trains it: a further phase with a
   * warm restart of the learning rate, for a supernet that was still improving at its end.
   * Throws when the checkpoint is missing or has not finished its own schedule yet.
   */
  extendCheckpoint(phase: PhaseSpec): TrainMeta {
    if (!existsSync(this.checkpointPath)) throw new Error(`cannot extend ${this.checkpointPath}: no such checkpoint`);
    const ck = loadCheckpoint<TrainMeta>(this.checkpointPath);
    const { meta } = ck;
    if (meta.kind !== 'hwnas-supernet') throw new Error(`${this.checkpointPath} is not a supernet training checkpoint`);
    if (meta.step < meta.totalSteps) {
      throw new Error(`cannot extend ${this.checkpointPath}: it is at step ${meta.step} of ${meta.totalSteps}; finish it with --resume first`);
    }
    const options = validateTrainOptions({ ...meta.options, phases: [...meta.options.phases, phase] });
    const extended: TrainMeta = { ...meta, options, totalSteps: meta.totalSteps + phase.epochs * meta.stepsPerEpoch };
    saveCheckpoint(this.checkpointPath, extended, ck.arrays);
    return extended;
  }

  /** The steps of the whole schedule: the options', or the checkpoint's when resuming. */
  plannedSteps(resume: boolean): number {
    if (!resume || !existsSync(this.checkpointPath)) return this.initialMeta().totalSteps;
    return loadCheckpoint<TrainMeta>(this.checkpointPath).meta.totalSteps;
  }

  /** The step a run starts from: 0, or the checkpoint's step when resuming. */
  resumeStep(resume: boolean): number {
    if (!resume || !existsSync(this.checkpointPath)) return 0;
    return loadCheckpoint<TrainMeta>(this.checkpointPath).meta.step;
  }

  /**
   * Runs (or resumes, with `resume`) training to the end or to `maxStepsThisRun`. Returns the
   * final metadata. The engine must have been created from `replicaInit()`.
   */
  async run(engine: GradientEngine, resume: boolean, callbacks: TrainCallbacks = {}): Promise<TrainMeta> {
    const { options, space, data } = this;
    let meta = this.initialMeta();
    this.average = undefined;
    if (resume) {
      if (!existsSync(this.checkpointPath)) {
        throw new Error(`--resume: no checkpoint at ${this.checkpointPath}; start without --resume`);
      }
      const ck = loadCheckpoint<TrainMeta>(this.checkpointPath);
      if (ck.meta.kind !== 'hwnas-supernet') throw new Error(`${this.checkpointPath} is not a supernet training checkpoint`);
      if (JSON.stringify(ck.meta.space) !== JSON.stringify(space)) {
        throw new Error(`${this.checkpointPath} was trained on search space '${ck.meta.space.name}' with a different shape; resume with the same space`);
      }
      meta = { ...ck.meta, options: { ...ck.meta.options, maxStepsThisRun: options.maxStepsThisRun } };
      await engine.setState([ck.arrays.params, ck.arrays.velocity]);
      if ((meta.averaged ?? 0) > 0) {
        if (!ck.arrays.average) throw new Error(`${this.checkpointPath} counts ${meta.averaged} averaged snapshots but holds no average; it is damaged`);
        this.average = ck.arrays.average;
      }
    } else if (existsSync(this.checkpointPath)) {
      throw new Error(`${this.checkpointPath} exists: pass --resume to continue it, or choose another --out`);
    }
    const o = meta.options;
    const { batchSize, seed } = o;
    const epochs = o.phases.reduce((s, p) => s + p.epochs, 0);
    const { height, width, channels } = space.input;
    const px = height * width * channels;
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
      const idx = epochIndices[b];
      const configs = stepConfigs(space, phase, seed, step);
      const x = new Float32Array(batchSize * px);
      fillBatch(data.train, idx, x, { augment: true, rng: batchAugmentRng(seed, epoch, b) });
      const y = new Int32Array(batchSize);
      fillLabels(data.train.labels, idx, y);
      const tasks = shard(x, y, batchSize, px, engine.workers, configs, phase.sandwich);
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

  /** Re-organises channels by importance in every replica (weights and momentum alike). */
  private async sortChannels(engine: GradientEngine, meta: TrainMeta): Promise<void> {
    const state = await engine.getState();
    const layout = new Supernet(this.space, meta.options.seed);
    try {
      sortChannelsByImportance(this.space, layout.store.params, state);
    } finally {
      layout.dispose();
    }
    await engine.setState(state);
  }

  /**
   * Inside an averaging window: adds the weights after this step to the running mean, and at
   * the window's end (the phase's end) makes the mean the weights of every replica.
   */
  private async updateAverage(engine: GradientEngine, meta: TrainMeta, epoch: number): Promise<void> {
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

  private async save(engine: GradientEngine, meta: TrainMeta): Promise<void> {
    const [params, velocity] = await engine.getState();
    const arrays: Record<string, Float32Array> = { params, velocity };
    if (this.average && (meta.averaged ?? 0) > 0) arrays.average = this.average;
    saveCheckpoint(this.checkpointPath, meta, arrays);
  }

  private async epochRecord(
    engine: GradientEngine, epoch: number, phase: string, meta: TrainMeta,
    calib: ImageSet | undefined, seconds: number,
  ): Promise<EpochRecord> {
    const trainLoss = meta.epochLoss.n > 0 ? meta.epochLoss.sum / meta.epochLoss.n : NaN;
    const record: EpochRecord = {
      epoch, phase, trainLoss, seconds,
      largest: { val: NaN, test: NaN }, smallest: { val: NaN, test: NaN },
    };
    const limit = meta.options.evalImages;
    if (limit === 0 || calib === undefined) return record;
    const net = new Supernet(this.space, meta.options.seed);
    try {
      // Inside an averaging window the running mean is what the phase will end with.
      const [params] = (meta.averaged ?? 0) > 0 && this.average ? [this.average] : await engine.getState();
      net.store.assignFlat(params);
      for (const [key, cfg] of [['largest', largestConfig(this.space)], ['smallest', smallestConfig(this.space)]] as const) {
        record[key].val = evaluateConfig(net, cfg, calib, this.data.val, limit).accuracy;
        record[key].test = evaluateConfig(net, cfg, calib, this.data.test, limit).accuracy;
      }
    } finally {
      net.dispose();
    }
    return record;
  }
}

/** Splits a batch into one task per worker (near-equal shards). */
function shard(
  x: Float32Array, y: Int32Array, n: number, px: number, workers: number, configs: SubnetConfig[], distill: boolean,
): SandwichTask[] {
  const tasks: SandwichTask[] = [];
  const per = Math.ceil(n / workers);
  for (let start = 0; start < n; start += per) {
    const m = Math.min(per, n - start);
    tasks.push({ x: x.slice(start * px, (start + m) * px), y: y.slice(start, start + m), n: m, configs, distill });
  }
  return tasks;
}
