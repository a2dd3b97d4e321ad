/** Plain-data records of a training run (checkpoint metadata, progress) and the gradient engine contract. */
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import type { DatasetFormat, ImageShape, Normalization } from '../data/types.js';
import type { TrainOptions } from './schedule.js';
import type { SandwichTask } from './supernetReplica.js';
import type { TeacherRecord } from './frozenTeacher.js';

export interface EpochRecord {
  epoch: number;
  phase: string;
  trainLoss: number;
  seconds: number;
  /** Accuracy after BatchNorm recalibration, per subnet and split. */
  largest: { val: number; test: number };
  smallest: { val: number; test: number };
  /** With block families: each family's largest subnet, by family name. */
  families?: Record<string, { val: number; test: number }>;
  /** The config of a one-config phase (standalone training, fine-tuning), when evaluated. */
  trained?: { val: number; test: number };
}

/** The data a checkpoint was trained on, and the preprocessing its networks expect. */
export interface TrainDataMeta {
  name: string;
  format: DatasetFormat;
  input: ImageShape;
  classNames: string[];
  normalization: Normalization;
}

/** A training checkpoint of the CNN supernet, or of the SuperTransformer. */
export type TrainCheckpointKind = 'hwnas-supernet' | 'hwnas-supertransformer';

/**
 * Plain-data checkpoint metadata (the arrays hold parameters and momentum, and a frozen
 * teacher's weights) of a net of space `S` and configs `C`.
 */
export interface TrainMeta<S = SearchSpace, C = SubnetConfig> {
  kind: TrainCheckpointKind;
  space: S;
  options: Required<TrainOptions<C>>;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  epochLoss: { sum: number; n: number; seconds: number };
  history: EpochRecord[];
  /** The checkpoint whose weights initialised the run (fine-tuning), if any. */
  initFrom?: string;
  /** The training data (absent in checkpoints written before datasets other than Fashion-MNIST). */
  data?: TrainDataMeta;
  /** Weight snapshots in the running mean of an averaging phase (stored as array `average`). */
  averaged?: number;
  /** The frozen teacher the trained config distils from, of either kind (its weights: array `teacherParams`), if any. */
  teacher?: TeacherRecord;
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
export interface GradientEngine<C = SubnetConfig> {
  step(tasks: SandwichTask<C>[], lr: number): Promise<{ loss: number }>;
  getState(): Promise<Float32Array[]>;
  setState(state: Float32Array[]): Promise<void>;
  readonly workers: number;
}

export interface TrainCallbacks {
  onStep?: (p: StepProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
  onCheckpoint?: (path: string, step: number) => void;
}

