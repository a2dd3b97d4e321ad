/**
 * The checkpoints of a compression: the network in its policy space (what a policy is
 * extracted and exported from), and the chosen policy fine-tuned on its own from the network's
 * kept weights, distilling from the uncompressed network (the policy space's identity policy),
 * resumable as any training run.
 */
import { existsSync } from 'node:fs';
import type { SubnetConfig } from '../space/types.js';
import type { Dataset, ImageSet } from '../supernet/data/types.js';
import type { BackendName } from '../supernet/backend/backend.js';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import { createEngine } from '../supernet/train/engines.js';
import { Supernet } from '../supernet/Supernet.js';
import { evaluateOnSplit, evaluateSample } from '../predictors/evaluateSample.js';
import type { CompressibleNetwork } from '../compress/network.js';
import type { Reporter } from './progress.js';

/** The fine-tuning recipe of a compressed network: short, from a low peak, no warm-up. */
export const kCompressFinetuneLr = 0.02;

/** Writes the network as a finished checkpoint of its policy space (weights sorted), once. */
export function savePolicyCheckpoint(network: CompressibleNetwork, path: string): void {
  if (existsSync(path)) return;
  const meta: TrainMeta = { ...network.meta, space: network.policies.space, initFrom: network.checkpoint };
  saveCheckpoint(path, meta, { params: network.params });
}

export interface PolicyFinetune {
  out: string;
  epochs: number;
  seed: number;
  workers: number;
  backend?: BackendName | 'auto';
  reporter: Reporter;
  calibration: ImageSet;
}

/**
 * Fine-tunes policy `cfg` (trained float; its bits are applied at evaluation) into `run.out`,
 * resuming a paused run there; returns its val and test accuracy (quantization simulated for
 * a config with bits).
 */
export async function finetunePolicy(network: CompressibleNetwork, cfg: SubnetConfig, data: Dataset, run: PolicyFinetune): Promise<{ valAccuracy: number; testAccuracy: number; epochs: number }> {
  const { space } = network.policies;
  const { wBits: _w, aBits: _a, ...float } = cfg;
  const trainer = new SupernetTrainer(space, data, run.out, {
    batchSize: network.meta.options.batchSize,
    seed: run.seed,
    evalImages: 0,
    hyper: network.meta.options.hyper,
    phases: [{ name: 'finetune', epochs: run.epochs, lr: kCompressFinetuneLr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: float, teacher: network.policies.toConfig(network.policies.identity()) }],
  });
  const done = existsSync(run.out) && ((m) => m.step === m.totalSteps)(readCheckpointMeta<TrainMeta>(run.out));
  if (!done) {
    const resume = existsSync(run.out);
    const engine = await createEngine(trainer.replicaInit(), run.workers, run.backend);
    const bar = run.reporter.bar(trainer.plannedSteps(resume), trainer.resumeStep(resume), 'fine-tune {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}');
    try {
      await trainer.run(engine, resume, { onStep: (p) => bar.update(p.step, { loss: p.loss.toFixed(3) }) }, resume ? undefined : { params: network.params, from: network.checkpoint });
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
