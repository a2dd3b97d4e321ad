/**
 * `hwnas search --checkpoint <SuperTransformer> --finetune-epochs N`: the budget search's chosen
 * SubTransformer trained further on its own from its inherited weights (HAT trains its chosen
 * SubTransformer before deploying it), distilling from a frozen copy of the SuperTransformer's
 * largest - the job `finetuneOutcomes` (searchFinetune.ts) is for CNN subnets. The run trains into
 * the work folder beside the search's output (`<out>.finetune/`), so a killed search resumes it
 * (with the teacher its checkpoint keeps); the finished checkpoint, a SuperTransformer's, is then
 * copied into the output folder and the results file names it, so `hwnas verify` exports the
 * fine-tuned weights. The results record the inherited and fine-tuned accuracies.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { largestTransformer, transformerConfigKey } from '../space/transformer/configs.js';
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';
import type { BackendName } from '../supernet/backend/backend.js';
import type { Dataset } from '../supernet/data/types.js';
import { loadCheckpoint, readCheckpointMeta } from '../supernet/train/checkpoint.js';
import { createEngine } from '../supernet/train/engines.js';
import { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { evaluateTransformer } from '../supernet/transformer/evaluate.js';
import { SuperTransformer } from '../supernet/transformer/SuperTransformer.js';
import { kTransformerRecipe, transformerTrainingNet } from '../supernet/transformer/trainingNet.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { Reporter } from './progress.js';
import { finetuneWorkDir } from './searchFinetune.js';
import type { TransformerAccuracy, TransformerResultFile } from './transformerSearch.js';
import { withoutRandomErasing } from '../supernet/train/schedule.js';

type TransformerMeta = TrainMeta<TransformerSpace, TransformerConfig>;

export interface TransformerFinetuneJob {
  epochs: number;
  seed: number;
  workers: number;
  backend?: BackendName | 'auto';
  reporter: Reporter;
  /** The data the SuperTransformer was trained on (normalised as it was). */
  data: Dataset;
}

/** The file name of the fine-tuned checkpoint, in the work folder and in the search's output. */
export const kTransformerFinetuneFile = 'finetune.ckpt';

/** Accuracy of `cfg` with the weights `params` of a SuperTransformer of `space`, on the whole val and test splits. */
function accuracyOf(space: TransformerSpace, params: Float32Array, cfg: TransformerConfig, data: Dataset): TransformerAccuracy {
  const net = new SuperTransformer(space, 0);
  try {
    net.store.assignFlat(params);
    return { valAccuracy: evaluateTransformer(net, cfg, data.val).accuracy, testAccuracy: evaluateTransformer(net, cfg, data.test).accuracy };
  } finally {
    net.dispose();
  }
}

/**
 * Fine-tunes `cfg` of the SuperTransformer checkpoint `checkpoint` into `out` (resuming a paused
 * run there, skipping a finished one): AdamW as it trained, a cosine from kTransformerRecipe's
 * fine-tuning peak, distilling from a frozen copy of its largest. Returns the fine-tuned accuracy.
 */
export async function finetuneTransformer(checkpoint: string, cfg: TransformerConfig, out: string, job: TransformerFinetuneJob): Promise<TransformerAccuracy> {
  const { meta, arrays } = loadCheckpoint<TransformerMeta>(checkpoint);
  const space = meta.space;
  const trainer = new SupernetTrainer(transformerTrainingNet(space), job.data, out, {
    batchSize: meta.options.batchSize, seed: job.seed, evalImages: 0, hyper: withoutRandomErasing(meta.options.hyper),
    phases: [{ name: 'finetune', epochs: job.epochs, lr: kTransformerRecipe.finetuneLr, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: cfg }],
  }, { kind: 'hwnas-supertransformer', space, params: arrays.params, config: largestTransformer(space), from: checkpoint });
  const done = existsSync(out) && ((m) => m.step === m.totalSteps)(readCheckpointMeta<TransformerMeta>(out));
  if (!done) {
    const resume = existsSync(out);
    const engine = await createEngine<TransformerConfig>(trainer.replicaInit(resume), job.workers, job.backend, trainer.replicaModule);
    const bar = job.reporter.bar(trainer.plannedSteps(resume), trainer.resumeStep(resume), 'fine-tune {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}');
    try {
      await trainer.run(engine, resume, { onStep: (p) => bar.update(p.step, { loss: p.loss.toFixed(3) }) }, resume ? undefined : { params: arrays.params, from: checkpoint });
    } finally {
      bar.stop();
      await engine.close();
    }
  }
  return accuracyOf(space, loadCheckpoint<TransformerMeta>(out).arrays.params, cfg, job.data);
}

/**
 * Fine-tunes the SubTransformer a budget search chose (`results`, written to `dir/results.json`
 * of the folder being built for `out`), copies its checkpoint into `dir` and rewrites the
 * results there to name it, with the inherited and fine-tuned accuracies. Returns the new results.
 */
export async function finetuneTransformerResult(results: TransformerResultFile, dir: string, out: string, job: TransformerFinetuneJob): Promise<TransformerResultFile> {
  const { result } = results;
  if (result.mode !== 'budget') throw new Error('--finetune-epochs fine-tunes the SubTransformer a budget search chose: it does not apply to --pareto');
  const cfg = result.best.config;
  const work = finetuneWorkDir(out);
  const ckpt = join(work, kTransformerFinetuneFile);
  // A run left by an earlier search that chose another SubTransformer is not this one's.
  if (existsSync(ckpt)) {
    const kept = readCheckpointMeta<TransformerMeta>(ckpt).options.phases[0]?.config;
    if (kept === undefined || transformerConfigKey(kept) !== transformerConfigKey(cfg)) rmSync(ckpt);
  }
  mkdirSync(work, { recursive: true });
  const source = loadCheckpoint<TransformerMeta>(results.checkpoint);
  const inherited = accuracyOf(source.meta.space, source.arrays.params, cfg, job.data);
  job.reporter.note(`fine-tuning ${transformerConfigKey(cfg)} for ${job.epochs} epochs (inherited: val ${(100 * inherited.valAccuracy).toFixed(2)}%) -> ${ckpt}`);
  const finetuned = await finetuneTransformer(results.checkpoint, cfg, ckpt, job);
  copyFileSync(ckpt, join(dir, kTransformerFinetuneFile));
  const tuned: TransformerResultFile = {
    ...results,
    checkpoint: join(resolve(out), kTransformerFinetuneFile),
    finetune: { epochs: job.epochs, from: results.checkpoint, inherited, finetuned },
  };
  writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify(tuned, null, 2)}\n`);
  return tuned;
}
