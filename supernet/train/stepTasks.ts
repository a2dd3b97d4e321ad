/**
 * The tasks of one training step: the step's batch (augmented, seeded by epoch and batch, so a
 * resumed run draws the same images) split into one near-equal shard per worker, each saying
 * which subnets train and what they distil from.
 */
import { batchAugmentRng, batchEraseRng, fillBatch, fillLabels } from '../data/batches.js';
import type { DataSplit } from '../data/types.js';
import type { PhaseSpec } from './schedule.js';
import type { SandwichTask } from './supernetReplica.js';

export interface StepBatch {
  /** The training split and the indices of the step's images in it. */
  train: DataSplit;
  indices: Int32Array;
  seed: number;
  epoch: number;
  /** The batch's index in its epoch. */
  batch: number;
  /** Probability of random erasing on each image (SupernetHyper.randomErasing). */
  erasing: number;
}

/**
 * The step's tasks for `workers` replicas: `configs` train under `phase`; with `teacherNet`
 * (the id of the run's frozen teacher) a one-config phase distils from that teacher, while the
 * sandwich distils in place from its largest subnet and an in-place `phase.teacher` from itself.
 */
export function stepTasks<C>(b: StepBatch, configs: C[], phase: PhaseSpec<C>, workers: number, teacherNet?: string): SandwichTask<C>[] {
  const { train, indices } = b;
  const n = indices.length;
  const px = train.height * train.width * train.channels;
  const x = new Float32Array(n * px);
  const erase = b.erasing > 0 ? { probability: b.erasing, rng: batchEraseRng(b.seed, b.epoch, b.batch) } : undefined;
  fillBatch(train, indices, x, { augment: true, rng: batchAugmentRng(b.seed, b.epoch, b.batch), ...(erase === undefined ? {} : { erase }) });
  const y = new Int32Array(n);
  fillLabels(train.labels, indices, y);
  const separate = teacherNet !== undefined && phase.config !== undefined && phase.teacher === undefined;
  const how: Omit<SandwichTask<C>, 'x' | 'y' | 'n'> = {
    configs, distill: phase.sandwich || phase.teacher !== undefined || separate, frozenTeacher: phase.teacher !== undefined,
    ...(separate ? { teacherNet } : {}),
    ...(phase.gateRegularizer === undefined ? {} : { gateRegularizer: phase.gateRegularizer }),
  };
  const tasks: SandwichTask<C>[] = [];
  const per = Math.ceil(n / workers);
  for (let start = 0; start < n; start += per) {
    const m = Math.min(per, n - start);
    tasks.push({ x: x.slice(start * px, (start + m) * px), y: y.slice(start, start + m), n: m, ...how });
  }
  return tasks;
}
