/**
 * The one place where a fitness spec (plain data) becomes models: the accuracy predictor from
 * its file and one latency model per target from the hardware registry, each lowering configs
 * with `layersOf` over the spec's space. Fitness workers call this once, at their first task.
 */
import { createTargetModel } from '../latency/targets.js';
import type { TargetModel } from '../latency/target.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import type { AccuracyPredictor } from '../predictors/types.js';
import { layersOf } from '../space/layers.js';
import type { SearchSpace } from '../space/types.js';
import type { FitnessSpec, PredictorSpec, TargetInfo } from './types.js';

export interface FitnessModels {
  /** The space the configs belong to. */
  space: SearchSpace;
  predictor: AccuracyPredictor;
  /** One per target of the spec, in order. */
  latency: TargetModel[];
  targets: TargetInfo[];
}

/** Turns a predictor spec into a predictor for configs of `space`. */
export type PredictorLoader = (spec: PredictorSpec, space: SearchSpace) => AccuracyPredictor | Promise<AccuracyPredictor>;

/** Reads an accuracy predictor file written by `hwnas fit`, checked against `space`. */
export function loadPredictor(spec: PredictorSpec, space: SearchSpace): AccuracyPredictor {
  return MlpPredictor.load(spec.file, space);
}

/** Builds the predictor and latency models a spec names. Rejects on any error. */
export async function loadFitnessModels(spec: FitnessSpec, loader: PredictorLoader = loadPredictor): Promise<FitnessModels> {
  if (spec.targets.length === 0) throw new RangeError('a fitness spec needs at least one target');
  const lower = (cfg: Parameters<typeof layersOf>[1]) => layersOf(spec.space, cfg);
  const latency = await Promise.all(spec.targets.map((t) => createTargetModel(t, lower, { profile: spec.profiles?.[t] })));
  const predictor = await loader(spec.predictor, spec.space);
  const targets = latency.map((m, t) => ({ name: spec.targets[t], unit: m.unit, kind: m.kind }));
  return { space: spec.space, predictor, latency, targets };
}
