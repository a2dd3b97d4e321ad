/**
 * Re-planning what is left of a training run (`hwnas train --resume --sandwich-epochs N`): the
 * checkpoint's phases with new epochs, peak learning rates or random subnets per step, where
 * the step the run has reached allows it. Pure: the trainer reads and writes the checkpoint.
 */
import { validateTrainOptions, type PhaseSpec, type TrainOptions } from './schedule.js';

/** What re-planning needs of a checkpoint's metadata. */
export interface PlannedRun {
  options: Required<TrainOptions<unknown>>;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
}

/**
 * `run` with the phases `phases` (the same phases, by name and order, as `run`'s), or undefined
 * when nothing changes. A phase that has ended keeps its settings; the phase in progress may
 * change its length (not below the epochs it has started) and its peak learning rate (its
 * schedule continues from the step reached, recomputed for the new length); later phases may
 * change freely. Throws, naming the phase (of `what`) and the fix, for any other change.
 */
export function replanRun<M extends PlannedRun>(run: M, phases: readonly PhaseSpec<unknown>[], what: string): M | undefined {
  const kept = run.options.phases;
  if (phases.length !== kept.length || phases.some((p, i) => p.name !== kept[i].name)) {
    throw new Error(`${what} was planned with phases ${kept.map((p) => p.name).join(', ')}; a resumed run can change their epochs and learning rates but not which phases there are`);
  }
  const spe = run.stepsPerEpoch;
  let start = 0;
  let changed = false;
  const next = kept.map((old, i) => {
    const asked = phases[i];
    const phaseStart = start;
    start += old.epochs * spe;
    if (asked.epochs === old.epochs && asked.lr === old.lr && asked.randomSubnets === old.randomSubnets) return old;
    if (start <= run.step) {
      throw new Error(`phase '${old.name}' of ${what} has ended (step ${run.step}); its epochs and learning rate cannot change now: drop those flags, or train on from it (hwnas train --extend-epochs N appends a phase to a supernet; hwnas finetune --checkpoint <it> --out NEW fine-tunes on from a fine-tuned one)`);
    }
    const trainedEpochs = Math.ceil(Math.max(0, run.step - phaseStart) / spe);
    if (asked.epochs < Math.max(1, trainedEpochs)) {
      throw new Error(`phase '${old.name}' of ${what} has trained ${trainedEpochs} epoch(s) already; give it at least that many`);
    }
    if (asked.epochs < old.warmupEpochs) throw new Error(`phase '${old.name}' warms up for ${old.warmupEpochs} epoch(s); give it at least that many`);
    changed = true;
    return { ...old, epochs: asked.epochs, lr: asked.lr, randomSubnets: asked.randomSubnets, averageEpochs: Math.min(old.averageEpochs ?? 0, asked.epochs) };
  });
  if (!changed) return undefined;
  const options = validateTrainOptions({ ...run.options, phases: next });
  return { ...run, options, totalSteps: next.reduce((s, p) => s + p.epochs, 0) * spe };
}
