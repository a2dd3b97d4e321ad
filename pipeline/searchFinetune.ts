/**
 * `hwnas search --finetune-epochs N`: each budget search's chosen subnet fine-tuned on its own
 * from the weights it inherits from the supernet, distilling from a frozen copy of the
 * supernet's largest subnet (OFA's step before deployment). The fine-tuning runs train into a
 * work folder beside the search's output (`<out>.finetune/`), so a killed search resumes them
 * (with the teacher each checkpoint keeps); each finished checkpoint is then copied into the
 * output folder and the results file points to it, so `hwnas verify` exports the fine-tuned
 * weights. The results record the inherited and fine-tuned accuracies.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { largestConfig } from '../space/searchSpace.js';
import type { DataOptions } from '../supernet/data/loadDataset.js';
import type { Dataset, ImageSet } from '../supernet/data/types.js';
import type { BackendName } from '../supernet/backend/backend.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { loadCheckpoint, readCheckpointMeta } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { loadTrainingData } from '../supernet/trainingData.js';
import { Supernet } from '../supernet/Supernet.js';
import { evaluateOnSplit, evaluateSample } from '../predictors/evaluateSample.js';
import { finetuneSubnet } from './finetuneSubnet.js';
import type { Reporter } from './progress.js';
import { writeResult, type SearchOutcome, type SearchRun } from './searchOutput.js';

export interface SearchFinetune {
  epochs: number;
  seed: number;
  workers: number;
  backend?: BackendName | 'auto';
  data: DataOptions;
  reporter: Reporter;
}

/** The work folder of a search's fine-tuning runs. */
export function finetuneWorkDir(out: string): string {
  return `${resolve(out)}.finetune`;
}

/**
 * Fine-tunes the chosen config of every budget outcome that names its supernet, copies the
 * checkpoint into `dir` (the folder being built for `out`) and rewrites its results file there.
 */
export async function finetuneOutcomes(outcomes: SearchOutcome[], runs: readonly SearchRun[], dir: string, out: string, job: SearchFinetune): Promise<void> {
  const work = finetuneWorkDir(out);
  // Every run of one search names the same supernet: read it, its data and calibration images once.
  const sources = new Map<string, { meta: TrainMeta; arrays: Record<string, Float32Array>; data: Dataset; calibration: ImageSet }>();
  const sourceOf = async (checkpoint: string) => {
    let source = sources.get(checkpoint);
    if (source === undefined) {
      const { meta, arrays } = loadCheckpoint<TrainMeta>(checkpoint);
      const data = await loadTrainingData(job.data, meta.space, meta.data, checkpoint);
      source = { meta, arrays, data, calibration: calibrationSet(data.train, 2000) };
      sources.set(checkpoint, source);
    }
    return source;
  };
  for (const [k, outcome] of outcomes.entries()) {
    if (outcome.mode !== 'budget') continue;
    if (outcome.checkpoint === null) throw new Error('--finetune-epochs fine-tunes from the supernet the search used: give --checkpoint');
    const { meta, arrays, data, calibration } = await sourceOf(outcome.checkpoint);
    const name = `finetune-${basename(runs[k].file, '.json')}.ckpt`;
    const ckpt = join(work, name);
    const cfg = outcome.best.config;
    const { wBits: _w, aBits: _a, ...float } = cfg;
    // A run left by an earlier search that chose another config is not this one's.
    if (existsSync(ckpt) && JSON.stringify(readCheckpointMeta<TrainMeta>(ckpt).options.phases[0].config) !== JSON.stringify(float)) rmSync(ckpt);
    const net = new Supernet(meta.space, meta.options.seed);
    let inherited: { valAccuracy: number; testAccuracy: number };
    try {
      net.store.assignFlat(arrays.params);
      inherited = {
        valAccuracy: (await evaluateSample(net, cfg, calibration, data.val)).accuracy,
        testAccuracy: (await evaluateOnSplit(net, cfg, calibration, data.test)).accuracy,
      };
    } finally {
      net.dispose();
    }
    job.reporter.note(`fine-tuning the config chosen for ${runs[k].target} for ${job.epochs} epochs (inherited: val ${(100 * inherited.valAccuracy).toFixed(2)}%) -> ${ckpt}`);
    const tuned = await finetuneSubnet(
      { space: meta.space, params: arrays.params, batchSize: meta.options.batchSize, hyper: meta.options.hyper, from: outcome.checkpoint },
      cfg, data,
      {
        out: ckpt, epochs: job.epochs, seed: job.seed, workers: job.workers, backend: job.backend, reporter: job.reporter, calibration,
        teacher: { kind: 'hwnas-supernet', space: meta.space, params: arrays.params, config: largestConfig(meta.space), from: outcome.checkpoint },
      },
    );
    copyFileSync(ckpt, join(dir, name));
    outcomes[k] = {
      ...outcome,
      checkpoint: join(resolve(out), name),
      finetune: { epochs: tuned.epochs, from: outcome.checkpoint, inherited, finetuned: { valAccuracy: tuned.valAccuracy, testAccuracy: tuned.testAccuracy } },
    };
    writeResult(dir, runs[k], outcomes[k]);
  }
}

/** Removes the work folder once the search's output folder holds every fine-tuned checkpoint. */
export function removeFinetuneWork(out: string): void {
  rmSync(finetuneWorkDir(out), { recursive: true, force: true });
}
