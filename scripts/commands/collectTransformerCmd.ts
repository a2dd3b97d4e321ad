/** `hwnas collect` of a SuperTransformer checkpoint: SubTransformers evaluated on the val split into a resumable JSONL dataset. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataOptions } from '../../supernet/data/loadDataset.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSuperTransformer } from '../../supernet/transformer/io.js';
import { collectTransformers, evaluateSubTransformer } from '../../predictors/collectTransformers.js';
import { progressBar } from '../progress.js';

export interface TransformerCollectArgs extends DataOptions {
  checkpoint: string;
  out: string;
  n: number;
  seed: number;
  workers: number;
  limit?: number;
}

export async function collectTransformerCommand(args: TransformerCollectArgs): Promise<void> {
  const { net, meta } = loadSuperTransformer(args.checkpoint);
  try {
    const { space } = net;
    const data = await loadTrainingData(args, space, meta.data, args.checkpoint);
    const images = Math.min(args.limit ?? data.val.n, data.val.n);
    console.log(`SuperTransformer ${args.checkpoint}: step ${meta.step}/${meta.totalSteps}, space ${space.name}`);
    const note = args.workers > 1 ? ' (SubTransformers are evaluated in this thread: --workers does not apply)' : '';
    console.log(`collect ${args.n} distinct SubTransformers (seed ${args.seed}) into ${args.out}: val ${images} images${note}`);
    mkdirSync(dirname(args.out), { recursive: true });
    let bar: ReturnType<typeof progressBar> | undefined;
    try {
      const summary = await collectTransformers(space, (cfg) => evaluateSubTransformer(net, cfg, data.val, args.limit), args.out, {
        n: args.n, seed: args.seed,
        onSample: (sample, done, total) => {
          bar ??= progressBar(total, done - 1, 'collect |{bar}| {value}/{total} SubTransformers | last {acc} | ETA {eta_formatted}');
          bar.update(done, { acc: `${(100 * sample.accuracy).toFixed(2)}%` });
        },
      });
      bar?.stop();
      if (summary.repairedBytes > 0) console.log(`cut off an incomplete last line (${summary.repairedBytes} bytes) left by an interrupted write`);
      console.log(`${summary.alreadyPresent} SubTransformers were already in ${args.out}; evaluated ${summary.evaluated} in ${summary.seconds.toFixed(1)} s`);
    } finally {
      bar?.stop();
    }
  } finally {
    net.dispose();
  }
}
