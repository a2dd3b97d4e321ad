/**
 * The training schedule as plain data and pure functions: phases (the largest subnet, the
 * sandwich rule, one fixed config with an optional in-place teacher), options and their
 * defaults and checks, the learning rate per step, weight-averaging windows and the subnets
 * trained at each step (seeded by step, so a resumed run draws the same ones).
 */
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { deriveSeed } from '../data/batches.js';
import { Rng } from '../../space/rng.js';
import { largestConfig, largestOfFamily, sampleConfig, smallestConfig, smallestOfFamily, spaceFamilies } from '../../space/searchSpace.js';
import type { SupernetHyper } from './supernetReplica.js';
import { checkGateRegularizer, type GateRegularizer } from './gateRegularizer.js';
import { checkErasingProbability } from '../data/randomErasing.js';

/**
 * One phase of a training run. `C` is the net's config type (a CNN subnet config by default; a
 * SubTransformer config for the SuperTransformer), the type of `config` and `teacher`.
 */
export interface PhaseSpec<C = SubnetConfig> {
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
  /**
   * With block families and `sandwich`: the step's largest and smallest are one family's, the
   * families in turn by step, so every family's largest learns from the labels and teaches the
   * step's other subnets in place. Absent or false: the space's largest and smallest (the
   * largest is one family's, so the other families' largest learn by distillation only).
   */
  familyTurns?: boolean;
  /** Random subnets per sandwich step, besides the largest and the smallest; with `uniform`, the subnets of a step. */
  randomSubnets: number;
  /**
   * HAT's rule: each step trains `randomSubnets` uniformly random subnets (HAT: 1) from the
   * labels alone - no largest, no smallest, no distillation. `sandwich` must be false.
   */
  uniform?: boolean;
  /**
   * Sort elastic channels by importance when the phase starts (OFA, before smaller widths
   * train). Default: true for sandwich phases, false otherwise.
   */
  sortChannels?: boolean;
  /**
   * Train this one config only (standalone training from scratch, or fine-tuning a subnet)
   * instead of the largest subnet or the sandwich; `sandwich` must be false.
   */
  config?: C;
  /**
   * With `config`: an in-place teacher, a config of the same supernet whose soft predictions the
   * config also learns from. It gets no gradient of its own but runs on the shared weights being
   * trained, so it drifts as they train (fine-tuning runs from before frozen teachers). A frozen
   * teacher with weights of its own is the trainer's `teacher` (frozenTeacher.ts).
   */
  teacher?: C;
  /**
   * With `config`: adds the l1/l2 latency surrogate of per-channel gates (BatchNorm scales) to
   * the loss of every step (see gateRegularizer.ts). Absent: the loss is the task loss alone.
   */
  gateRegularizer?: GateRegularizer;
}

export interface TrainOptions<C = SubnetConfig> {
  batchSize?: number;
  seed?: number;
  phases?: PhaseSpec<C>[];
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

/** The defaults (their phases train no one config, so they are options of any net's run). */
export const kDefaultTrainOptions: Required<TrainOptions<never>> = {
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

/**
 * `hyper` without random erasing: what a fine-tune starts from, so a supernet trained with
 * erasing does not pass it on unasked (`--random-erasing` sets it for a fine-tune).
 */
export function withoutRandomErasing(hyper: SupernetHyper): SupernetHyper {
  const { randomErasing: _erasing, ...rest } = hyper;
  return rest;
}

export function validateTrainOptions<C = SubnetConfig>(options: TrainOptions<C>): Required<TrainOptions<C>> {
  const o: Required<TrainOptions<C>> = { ...kDefaultTrainOptions, ...options };
  const posInt = (name: string, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`options.${name} must be an integer >= ${min} (got ${v})`);
  };
  posInt('batchSize', o.batchSize, 2);
  posInt('checkpointEvery', o.checkpointEvery);
  posInt('calibrationImages', o.calibrationImages);
  posInt('evalImages', o.evalImages, 0);
  posInt('maxStepsThisRun', o.maxStepsThisRun, 0);
  const optimizer = o.hyper.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adamw') throw new Error(`options.hyper.optimizer must be 'sgd' or 'adamw' (got '${String(optimizer)}')`);
  if (o.hyper.randomErasing !== undefined) checkErasingProbability(o.hyper.randomErasing, 'options.hyper.randomErasing');
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
    if (p.config !== undefined && p.sandwich) throw new Error(`options.phases[${i}] trains one config (config) and the sandwich at once: set sandwich false`);
    if (p.uniform === true) {
      if (p.sandwich || p.config !== undefined) throw new Error(`options.phases[${i}] trains uniformly random subnets (uniform) and ${p.sandwich ? 'the sandwich' : 'one config'} at once: choose one`);
      if (p.randomSubnets < 1) throw new Error(`options.phases[${i}].randomSubnets must be at least 1 with uniform (the random subnets of a step; HAT trains 1)`);
    }
    if (p.familyTurns === true && !p.sandwich) throw new Error(`options.phases[${i}].familyTurns takes the families in turn in the sandwich rule: set sandwich true`);
    if (p.teacher !== undefined && p.config === undefined) throw new Error(`options.phases[${i}].teacher needs options.phases[${i}].config (the subnet that learns from it)`);
    if (p.gateRegularizer !== undefined) {
      if (p.config === undefined) throw new Error(`options.phases[${i}].gateRegularizer needs options.phases[${i}].config (the config whose gates it regularises)`);
      checkGateRegularizer(p.gateRegularizer, `options.phases[${i}].gateRegularizer`);
    }
    const average = p.averageEpochs ?? 0;
    if (!Number.isInteger(average) || average < 0 || average > p.epochs) {
      throw new Error(`options.phases[${i}].averageEpochs must be an integer in [0, ${p.epochs}] (got ${average})`);
    }
  });
  return o;
}

/** The phase that epoch `epoch` belongs to, with the epoch's index inside it. */
export function phaseOf<P extends PhaseSpec<unknown>>(phases: readonly P[], epoch: number): { phase: P; start: number } {
  let start = 0;
  for (const phase of phases) {
    if (epoch < start + phase.epochs) return { phase, start };
    start += phase.epochs;
  }
  throw new Error(`epoch ${epoch} is past the last phase`);
}

/** Learning rate at global step `step`: linear warm-up, then cosine decay to 0 (or constant) within the phase. */
export function learningRate(phases: readonly PhaseSpec<unknown>[], stepsPerEpoch: number, step: number): number {
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
  phases: readonly PhaseSpec<unknown>[], stepsPerEpoch: number, epoch: number,
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

/**
 * The one config every phase of `phases` trains (a network trained on its own, a fine-tuned
 * subnet), or undefined when a phase trains other subnets (a supernet).
 */
export function onlyConfig<C>(phases: readonly PhaseSpec<C>[]): C | undefined {
  const first = phases[0]?.config;
  if (first === undefined) return undefined;
  const key = JSON.stringify(first);
  return phases.every((p) => p.config !== undefined && JSON.stringify(p.config) === key) ? first : undefined;
}

/** The subnets trained at `step`: seeded by (seed, step), so a resumed run draws the same ones. */
export function stepConfigs(space: SearchSpace, phase: PhaseSpec, seed: number, step: number): SubnetConfig[] {
  if (phase.config !== undefined) return phase.teacher === undefined ? [phase.config] : [phase.teacher, phase.config];
  if (phase.uniform === true) {
    const rng = new Rng(deriveSeed(seed, 0x5a, step));
    return Array.from({ length: phase.randomSubnets }, () => sampleConfig(space, rng));
  }
  if (!phase.sandwich) {
    // With block families, the largest phase trains each family's largest subnet in turn.
    if (space.families === undefined) return [largestConfig(space)];
    const families = spaceFamilies(space);
    return [largestOfFamily(space, families[step % families.length].name)];
  }
  const rng = new Rng(deriveSeed(seed, 0x5a, step));
  const families = phase.familyTurns === true && space.families !== undefined ? spaceFamilies(space) : undefined;
  const turn = families?.[step % families.length].name;
  const configs = turn === undefined ? [largestConfig(space), smallestConfig(space)] : [largestOfFamily(space, turn), smallestOfFamily(space, turn)];
  for (let i = 0; i < phase.randomSubnets; i++) configs.push(sampleConfig(space, rng));
  return configs;
}

/**
 * The standard recipe for one network trained on its own (`hwnas train --config`, the
 * baselines): SGD with Nesterov momentum, one warm-up epoch, a cosine schedule from peak lr
 * 0.1 (batch 128), weight decay 5e-4, label smoothing 0.1 (the trainer's), crop-and-flip.
 */
export const kStandaloneRecipe = Object.freeze({ epochs: 30, lr: 0.1, warmupEpochs: 1, weightDecay: 5e-4 });

/** The one phase of standalone training of `config`. */
export function standalonePhase(config: SubnetConfig, epochs: number = kStandaloneRecipe.epochs, lr: number = kStandaloneRecipe.lr): PhaseSpec {
  return { name: 'standalone', epochs, lr, warmupEpochs: kStandaloneRecipe.warmupEpochs, sandwich: false, randomSubnets: 0, config };
}
