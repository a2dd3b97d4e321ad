/**
 * What the supernet trainer needs to know about the network it trains, so that one trainer
 * (schedule, checkpoints, resume, data-parallel workers) trains the CNN supernet and the
 * SuperTransformer alike: the space stored in the checkpoint, the replica module the workers
 * load, the subnets of each step, and the accuracy reported at each epoch end.
 */
import type { InputSpec } from '../../space/types.js';
import type { Dataset, ImageSet } from '../data/types.js';
import type { PhaseSpec } from './schedule.js';
import type { SupernetHyper } from './supernetReplica.js';
import type { EpochRecord, TrainCheckpointKind } from './trainTypes.js';

/** The part of a space (plain JSON) the trainer reads. */
export interface NetSpace {
  name: string;
  input: InputSpec;
}

export interface TrainingNet<S extends NetSpace, C> {
  /** The `kind` of the checkpoints it writes (and resumes). */
  readonly checkpointKind: TrainCheckpointKind;
  readonly space: S;
  /** The replica module every worker loads (it exports `createReplica(init)`, see replica.ts). */
  readonly replicaModule: URL;
  /** The plain-data init of every replica. */
  replicaInit(seed: number, hyper: SupernetHyper): object;
  /** The subnets trained at `step` of `phase`: seeded by (seed, step), so a resumed run draws the same ones. */
  stepConfigs(phase: PhaseSpec<C>, seed: number, step: number): C[];
  /**
   * Re-organises the replica state (`[params, velocity]`, changed in place) before a phase that
   * sorts channels by importance; absent when the net has nothing to sort.
   */
  sortChannels?(state: Float32Array[], seed: number): void;
  /** Accuracy at an epoch end of the weights `params` on at most `limit` val and test images. */
  epochAccuracy(
    params: Float32Array, seed: number, phase: PhaseSpec<C>, calibration: ImageSet, data: Dataset, limit: number,
  ): Pick<EpochRecord, 'largest' | 'smallest' | 'trained' | 'families'>;
}

/** Whether `value` is a `TrainingNet` (rather than a bare CNN search space). */
export function isTrainingNet(value: object): value is TrainingNet<NetSpace, unknown> {
  return 'checkpointKind' in value && 'replicaModule' in value;
}
