/**
 * `hwnas compress`: makes one trained network fit a latency budget on a measured target with a
 * per-layer policy of channel keep ratios and bits, chosen by AMC, Galen, Condensa, the l1/l2
 * latency surrogate or an evolutionary search; fine-tunes the chosen policy and writes a results
 * file that `hwnas verify` exports and times. Resumable: run the same command again.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { parseSearchSpace } from '../../space/schema.js';
import { resolveConfig } from '../../supernet/io.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { resolveTarget } from '../../latency/targets.js';
import { kCompressMethods, type CompressMethodName } from '../../compress/types.js';
import { kSchemeNames, type SchemeName } from '../../compress/schemes.js';
import { kCompressReportFile, kCompressSettingsFile, kDefaultCompressOptions, runCompress, type CompressReport } from '../../pipeline/compress.js';
import { parseLatency } from '../../pipeline/latencyArg.js';
import { formatTable } from '../../pipeline/table.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { withOutputLock } from '../../util/outputLock.js';
import { addBackendOption, addDataDirOption, parseIntOption, parsePositiveNumber, type CommonOptions } from '../options.js';
import { cliReporter } from '../progress.js';
import { startBackend } from '../runtime.js';

interface CompressCliOptions extends CommonOptions {
  checkpoint: string;
  config?: string;
  target: string;
  maxLatency: string;
  method: CompressMethodName;
  out: string;
  evaluations: string;
  seed: string;
  valImages: string;
  finetuneEpochs: string;
  finetuneLr: string;
  reconstruction: boolean;
  depth: boolean;
  scheme?: string;
  profile?: string;
  workers: string;
  force?: boolean;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

export function registerCompress(program: Command): void {
  const d = kDefaultCompressOptions;
  const cmd = program
    .command('compress')
    .description('compress a trained network to a latency budget on this machine: per-layer channel pruning and bits chosen by AMC, Galen, Condensa, the l1/l2 surrogate or evolution; fine-tuned, verifiable like a search result')
    .requiredOption('--checkpoint <path>', "the trained network: a checkpoint of 'hwnas train --config' (or of a supernet/fine-tuned subnet, with --config)")
    .option('--config <file>', 'the network in a supernet checkpoint (a config JSON, a search results file, or largest)')
    .requiredOption('--target <spec>', 'measured target NAME[:THREADS] (ort-cpu, tfjs-wasm, tfjs-node)')
    .requiredOption('--max-latency <ms>', 'latency budget on the target, e.g. 0.2ms')
    .addOption(new Option('--method <name>', 'how the policy is chosen').choices([...kCompressMethods]).default('amc'))
    .requiredOption('--out <dir>', 'folder of the compression (settings, journal, profile, checkpoints, results); running again resumes it')
    .option('--evaluations <n>', 'distinct policies the method evaluates on val', String(d.evaluations))
    .option('--seed <n>', 'seed of the method', String(d.seed))
    .option('--val-images <n>', 'val images each policy is scored on', String(d.valImages))
    .option('--finetune-epochs <n>', 'fine-tuning epochs of the chosen policy (0 = none)', String(d.finetuneEpochs))
    .option('--finetune-lr <x>', 'peak learning rate of that fine-tuning (SGD, cosine to 0)', String(d.finetuneLr))
    .option('--no-reconstruction', "score and fine-tune policies on the network's sliced weights, without re-solving the pruned layers' weights by least squares")
    .option('--no-depth', 'keep every block: prune channels (and set bits) only, as AMC and Galen do; by default a policy may also remove the last blocks of a stage')
    .addOption(new Option('--scheme <name>', "Condensa's compression scheme (default: depthAndWidth, or pruneAll with --no-depth)").choices([...kSchemeNames]))
    .option('--profile <file>', "latency profile of the network's policy space on the target (default: measured into --out, about 2-3 minutes)")
    .option('--workers <n>', 'training worker threads (one per core)', '2')
    .option('--force', 'start over: remove what --out holds (a finished or an unfinished compression) first');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: CompressCliOptions) => {
    // Every option before any work.
    const target = resolveTarget(opts.target);
    const maxLatencyMs = parseLatency(opts.maxLatency, target.unit, opts.target);
    const options = {
      evaluations: parseIntOption('evaluations', opts.evaluations, 1),
      seed: parseIntOption('seed', opts.seed, 0),
      valImages: parseIntOption('val-images', opts.valImages, 100),
      finetuneEpochs: parseIntOption('finetune-epochs', opts.finetuneEpochs, 0),
      finetuneLr: parsePositiveNumber('finetune-lr', opts.finetuneLr),
      reconstruction: opts.reconstruction,
      depth: opts.depth,
      ...(opts.scheme === undefined ? {} : { scheme: opts.scheme as SchemeName }),
      ...(opts.profile === undefined ? {} : { profile: opts.profile }),
    };
    const workers = parseIntOption('workers', opts.workers, 1);
    if (opts.scheme !== undefined && opts.method !== 'condensa') throw new Error(`--scheme ${opts.scheme} sets Condensa's scheme: use it with --method condensa (got --method ${opts.method})`);
    if (opts.profile !== undefined && !existsSync(opts.profile)) throw new Error(`--profile ${opts.profile} does not exist: omit it to measure the policy space's profile here`);
    if (!existsSync(opts.checkpoint)) throw new Error(`--checkpoint ${opts.checkpoint} does not exist: train a network with 'hwnas train --config C --out ${opts.checkpoint}'`);
    const meta = readCheckpointMeta<TrainMeta>(opts.checkpoint);
    if (meta.kind !== 'hwnas-supernet') throw new Error(`${opts.checkpoint} is not a training checkpoint of hwnas (kind ${String(meta.kind)})`);
    const config = opts.config === undefined ? undefined : resolveConfig(parseSearchSpace(meta.space), opts.config);
    checkOutputPath(opts.out, { kind: 'folder', existing: 'update' });
    // An existing --out must be a compression's folder: never write into (or, with --force, remove) another folder.
    if (existsSync(opts.out) && readdirSync(opts.out).length > 0 && !existsSync(join(opts.out, kCompressSettingsFile))) {
      throw new Error(`--out ${opts.out} exists and holds no compression (no ${kCompressSettingsFile}): give a new or empty folder`);
    }
    if (existsSync(join(opts.out, kCompressReportFile)) && opts.force !== true) {
      throw new Error(`${opts.out} holds a finished compression (${kCompressReportFile}): pass --force to run it again, or another --out`);
    }
    await startBackend(opts);
    const report = await withOutputLock(opts.out, () => {
      if (opts.force === true) rmSync(opts.out, { recursive: true, force: true });
      return runCompress({
        checkpoint: opts.checkpoint, config, target, maxLatencyMs, method: opts.method, out: opts.out,
        options, data: opts, workers, backend: opts.backend, reporter: cliReporter,
      });
    });
    printReport(report);
  });
}

function printReport(r: CompressReport): void {
  const rows = [['original', pct(r.original.accuracy), pct(r.original.testAccuracy), r.original.latencyMs.toFixed(3), (r.original.macs / 1e6).toFixed(2)]];
  if (r.chosen !== null) {
    rows.push([`${r.method} (inherited)`, pct(r.chosen.accuracy), pct(r.chosen.testAccuracy), r.chosen.latencyMs.toFixed(3), (r.chosen.macs / 1e6).toFixed(2)]);
    if (r.chosen.finetuned !== null) {
      rows.push([`${r.method} + ${r.chosen.finetuned.epochs} epochs`, pct(r.chosen.finetuned.valAccuracy), pct(r.chosen.finetuned.testAccuracy), r.chosen.latencyMs.toFixed(3), (r.chosen.macs / 1e6).toFixed(2)]);
    }
  }
  console.log(formatTable(['model', 'val', 'test', `predicted ms (${r.target})`, 'MMACs'], rows));
  console.log(`${r.evaluations} policies evaluated in ${r.seconds.toFixed(0)} s`);
  if (r.chosen === null) console.log(`no evaluated policy met ${r.maxLatencyMs} ms: try more --evaluations, another --method, or a larger budget`);
  else console.log(`results: ${r.resultsFile}; measure it with 'hwnas verify ${r.resultsFile}'`);
}
