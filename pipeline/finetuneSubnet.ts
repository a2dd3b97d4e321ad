/**
 * Fine-tuning one subnet on its own from inherited weights (OFA fine-tunes the specialised
 * subnet before deploying it; a compressed network is fine-tuned the same way), distilling from
 * a frozen teacher - a separate network with its own copy of the weights (e.g. the supernet's
 * largest subnet as it was when fine-tuning started), kept in the checkpoint: a resumable
 * training run into its own checkpoint, then the subnet's val and test accuracy (quantization
 * simulated for a config with bits; the weights train float).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { BackendName } from '../supernet/backend/backend.js';
import type { Dataset, ImageSet } from '../supernet/data/types.js';
import type { SupernetHyper } from '../supernet/train/supernetReplica.js';
import { loadCheckpoint, readCheckpointMeta } from '../supernet/train/checkpoint.js';
import { kStandaloneRecipe, withoutRandomErasing } from '../supernet/train/schedule.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import type { TeacherSource } from '../supernet/train/frozenTeacher.js';
import { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import { createEngine } from '../supernet/train/engines.js';
import { Supernet } from '../supernet/Supernet.js';
import { evaluateOnSplit, evaluateSample } from '../predictors/evaluateSample.js';
import type { Reporter } from './progress.js';

/**
 * The CNN fine-tuning recipe: a short cosine schedule from a low peak, no warm-up, at the
 * standard recipe's weight decay (a supernet trains at a tenth of it; with the supernet's, a
 * fine-tune ended 0.47 pp lower: BENCHMARKS.md, issue 14).
 */
export const kFinetuneRecipe = Object.freeze({ epochs: 10, lr: 0.02, weightDecay: kStandaloneRecipe.weightDecay });

/** Where the subnet's weights come from: a supernet of `space` with parameters `params`. */
export interface SubnetSource {
  space: SearchSpace;
  params: Float32Array;
  batchSize: number;
  hyper: SupernetHyper;
  /** The checkpoint the parameters were read from (recorded in the fine-tuned one). */
  from: string;
}

export interface FinetuneRun {
  out: string;
  epochs: number;
  lr?: number;
  seed: number;
  workers: number;
  backend?: BackendName | 'auto';
  reporter: Reporter;
  calibration: ImageSet;
  /**
   * The frozen teacher (its own copy of the weights; a resumed run uses the one its checkpoint
   * keeps); undefined: labels only.
   */
  teacher?: TeacherSource;
}

export interface FinetuneFigures {
  valAccuracy: number;
  testAccuracy: number;
  epochs: number;
}

/** Fine-tunes `cfg` into `run.out` (resuming a paused run there, skipping a finished one) and scores it. */
export async function finetuneSubnet(source: SubnetSource, cfg: SubnetConfig, data: Dataset, run: FinetuneRun): Promise<FinetuneFigures> {
  const { wBits: _w, aBits: _a, ...float } = cfg;
  const trainer = new SupernetTrainer(source.space, data, run.out, {
    batchSize: source.batchSize,
    seed: run.seed,
    evalImages: 0,
    hyper: { ...withoutRandomErasing(source.hyper), weightDecay: kFinetuneRecipe.weightDecay },
    phases: [{
      name: 'finetune', epochs: run.epochs, lr: run.lr ?? kFinetuneRecipe.lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: float,
    }],
  }, run.teacher);
  mkdirSync(dirname(run.out), { recursive: true });
  const done = existsSync(run.out) && ((m) => m.step === m.totalSteps)(readCheckpointMeta<TrainMeta>(run.out));
  if (!done) {
    const resume = existsSync(run.out);
    const engine = await createEngine(trainer.replicaInit(resume), run.workers, run.backend);
    const bar = run.reporter.bar(trainer.plannedSteps(resume), trainer.resumeStep(resume), 'fine-tune {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}');
    try {
      await trainer.run(engine, resume, { onStep: (p) => bar.update(p.step, { loss: p.loss.toFixed(3) }) }, resume ? undefined : { params: source.params, from: source.from });
    } finally {
      bar.stop();
      await engine.close();
    }
  }
  const { meta, arrays } = loadCheckpoint<TrainMeta>(run.out);
  const net = new Supernet(meta.space, meta.options.seed);
  try {
    net.store.assignFlat(arrays.params);
    const valAccuracy = (await evaluateSample(net, cfg, run.calibration, data.val)).accuracy;
    const testAccuracy = (await evaluateOnSplit(net, cfg, run.calibration, data.test)).accuracy;
    return { valAccuracy, testAccuracy, epochs: run.epochs };
  } finally {
    net.dispose();
  }
}
