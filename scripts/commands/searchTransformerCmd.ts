/**
 * `hwnas search --checkpoint <SuperTransformer>`: HAT's evolutionary search over its
 * SubTransformers on one measured target, scored by a transformer accuracy predictor (hwnas fit
 * --space) and a transformer latency profile (hwnas profile --space), budget or --pareto mode;
 * writes <out>/results.json for `hwnas verify`. With --finetune-epochs the chosen SubTransformer
 * is fine-tuned (pipeline/finetuneTransformer.ts) and the results name its checkpoint.
 */
import { join } from 'node:path';
import { parseTransformerSpace } from '../../space/transformer/schema.js';
import { transformerConfigKey } from '../../space/transformer/configs.js';
import { kTransformerLatencyKinds, type TransformerLatencyKind } from '../../latency/transformer/types.js';
import { parseLatency } from '../../pipeline/latencyArg.js';
import { kShipped, shippedPath } from '../../pipeline/shippedModels.js';
import { sameSpace } from '../../space/sameSpace.js';
import { resolveTransformerSpace } from '../../supernet/transformer/io.js';
import { populationOptions } from '../../pipeline/search.js';
import { runTransformerSearch } from '../../pipeline/transformerSearch.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { withOutputLock } from '../../util/outputLock.js';
import { type CommonOptions, parseIntOption } from '../options.js';
import { cliReporter } from '../progress.js';
import { startBackend } from '../runtime.js';
import { noteProfileFiles } from '../profileMachineNote.js';
import type { TransformerSpace } from '../../space/transformer/types.js';
import type { DataOptions } from '../../supernet/data/loadDataset.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { finetuneTransformerResult } from '../../pipeline/finetuneTransformer.js';
import { removeFinetuneWork } from '../../pipeline/searchFinetune.js';

export interface TransformerSearchArgs extends DataOptions, CommonOptions {
  checkpoint: string;
  predictor?: string;
  target: string[];
  maxLatency: string[];
  pareto?: boolean;
  profile: string[];
  latencyKind?: string;
  generations: string;
  population: string;
  seed: string;
  out: string;
  force?: boolean;
  rerank: string;
  known?: string;
  finetuneEpochs: string;
  workers: string;
  quant?: string;
  strategy?: string;
}

function refuseCnnOnly(args: TransformerSearchArgs): void {
  const given = [
    ...(Number(args.rerank) > 0 ? ['--rerank'] : []), ...(args.known !== undefined ? ['--known'] : []),
    ...(args.quant !== undefined ? ['--quant'] : []), ...(args.strategy === 'random' ? ['--strategy random'] : []),
  ];
  if (given.length > 0) throw new Error(`${args.checkpoint} is a SuperTransformer: ${given.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to CNN supernets only; drop ${given.length === 1 ? 'it' : 'them'}`);
}

export async function searchTransformerCommand(args: TransformerSearchArgs): Promise<void> {
  refuseCnnOnly(args);
  const meta = readCheckpointMeta<TrainMeta<TransformerSpace>>(args.checkpoint);
  const space = parseTransformerSpace(meta.space);
  if (args.target.length !== 1) throw new Error(`a SuperTransformer is searched for one target at a time: give one --target (got ${args.target.length})`);
  const [target] = args.target;
  if (args.maxLatency.length > 1) throw new Error('give at most one --max-latency, for the one --target');
  const maxLatency = args.maxLatency.length === 1 ? parseLatency(args.maxLatency[0], 'ms', target) : undefined;
  if (maxLatency === undefined && args.pareto !== true) throw new Error(`give --max-latency for ${target} (e.g. 0.3ms), or --pareto for the front`);
  // A checkpoint of the shipped SuperTransformer's space trained on Fashion-MNIST has a shipped predictor; any other needs its own.
  const shipped = kShipped.transformer;
  const builtIn = resolveTransformerSpace(shipped.space);
  const isShipped = builtIn !== undefined && sameSpace(space, builtIn) && (meta.data === undefined || meta.data.format === 'fashion-mnist');
  const predictor = args.predictor ?? (isShipped ? shippedPath(shipped.predictor) : undefined);
  if (predictor === undefined) {
    throw new Error(`give the --predictor 'hwnas fit --space ${space.name}' wrote: hwnas ships one only for ${shipped.space} trained on Fashion-MNIST`);
  }
  if (args.predictor === undefined) console.log(`scoring with the shipped ${shipped.predictor.what} (${shipped.predictor.file})`);
  const profiles = args.profile.map((p) => p.split('='));
  const profile = profiles.find(([t]) => t === target || `${t}:1` === target || t === `${target}:1`)?.[1];
  if (profile === undefined || profiles.length !== 1) {
    throw new Error(`give one --profile ${target}=FILE: the transformer latency profile of ${target} ('hwnas profile --space ${space.name} --target ${target} --out FILE')`);
  }
  const latencyKind = (args.latencyKind ?? 'table') as TransformerLatencyKind;
  if (!kTransformerLatencyKinds.includes(latencyKind)) throw new Error(`--latency-kind must be one of ${kTransformerLatencyKinds.join(', ')} (got '${args.latencyKind}')`);
  const options = {
    ...populationOptions(parseIntOption('population', args.population, 4)),
    generations: parseIntOption('generations', args.generations, 0),
    seed: parseIntOption('seed', args.seed, 0),
  };
  const finetuneEpochs = parseIntOption('finetune-epochs', args.finetuneEpochs, 0);
  if (finetuneEpochs > 0 && args.pareto === true) throw new Error('--finetune-epochs fine-tunes the SubTransformer a budget search chose: it does not apply to --pareto; drop one of them');
  const workers = parseIntOption('workers', args.workers, 1);
  checkOutputPath(args.out, { kind: 'folder', existing: args.force === true ? 'replace' : 'refuse' });
  const job = { checkpoint: args.checkpoint, space, predictor, profile, latencyKind, target, maxLatency, pareto: args.pareto === true, options };
  await noteProfileFiles({ [target]: profile });
  // The data is checked before any search: a wrong --data stops the job before it writes anything.
  if (finetuneEpochs > 0) await startBackend(args);
  const data = finetuneEpochs > 0 ? await loadTrainingData(args, space, meta.data, args.checkpoint) : undefined;
  const file = await withOutputLock(args.out, () => buildFolderAtomic(args.out, async (dir) => {
    const found = await runTransformerSearch(job, join(dir, 'results.json'));
    if (data === undefined) return found;
    return finetuneTransformerResult(found, dir, args.out, { epochs: finetuneEpochs, seed: options.seed, workers, backend: args.backend, reporter: cliReporter, data });
  }));
  if (data !== undefined) removeFinetuneWork(args.out);
  const { result } = file;
  const rows = result.mode === 'budget' ? [result.best] : result.front;
  console.log(`${result.mode === 'budget' ? `most accurate within ${maxLatency} ms` : 'Pareto front'} on ${result.target} (${latencyKind} latency model, ${result.scored} SubTransformers scored):`);
  for (const s of rows) console.log(`  ${transformerConfigKey(s.config).padEnd(36)} predicted ${(100 * s.accuracy).toFixed(2)}%  ${s.latency.toFixed(4)} ms`);
  if (file.finetune !== undefined) {
    const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
    const { inherited, finetuned, epochs } = file.finetune;
    console.log(`fine-tuned ${epochs} epochs: val ${pct(inherited.valAccuracy)} -> ${pct(finetuned.valAccuracy)}, test ${pct(inherited.testAccuracy)} -> ${pct(finetuned.testAccuracy)} (${file.checkpoint})`);
  }
  console.log(`wrote ${join(args.out, 'results.json')}; export and measure it with 'hwnas verify ${join(args.out, 'results.json')}'`);
}
