/**
 * The body of a fitness worker: loads its models once (at the first task, from the plain-data
 * spec in piscina's workerData) and then scores batches of encoded genomes. The scores go back
 * transferred, not cloned. `load` is a parameter so that test workers can swap the predictor.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import type { QuantMode } from '../space/searchSpace.js';
import type { FitnessModels } from './fitnessModels.js';
import { decodeConfigs, geneLayout, type GeneLayout } from '../space/genome.js';
import { scoreConfigs } from './scoreConfigs.js';
import type { FitnessSpec, ScoreOptions, Scores, TargetInfo } from './types.js';

export type FitnessTask =
  | { kind: 'describe' }
  | { kind: 'score'; quant: QuantMode; genes: Uint8Array; options: ScoreOptions };

export interface DescribeReply {
  targets: TargetInfo[];
}

/** Scores as a piscina Transferable: both arrays move to the pool thread. */
function transferable(scores: Scores): object {
  return {
    get [transferableSymbol]() {
      return [scores.accuracy.buffer, scores.latency.buffer];
    },
    get [valueSymbol]() {
      return scores;
    },
  };
}

/** A piscina worker function over `workerData` (a FitnessSpec). */
export function fitnessTask(load: (spec: FitnessSpec) => Promise<FitnessModels>): (task: FitnessTask) => Promise<unknown> {
  let models: Promise<FitnessModels> | undefined;
  const layouts = new Map<QuantMode, GeneLayout>();
  return async (task: FitnessTask): Promise<unknown> => {
    const spec = workerData as FitnessSpec;
    models ??= load(spec);
    const loaded = await models;
    if (task.kind === 'describe') return { targets: loaded.targets } satisfies DescribeReply;
    let layout = layouts.get(task.quant);
    if (layout === undefined) {
      layout = geneLayout(spec.space, task.quant);
      layouts.set(task.quant, layout);
    }
    const scores = scoreConfigs(loaded, decodeConfigs(layout, task.genes), task.options);
    return move(transferable(scores) as Parameters<typeof move>[0]);
  };
}
