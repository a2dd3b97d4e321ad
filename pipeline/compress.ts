/**
 * `hwnas compress` as a library function: one trained network made to fit a latency budget on
 * a measured target by a per-layer policy (channel keep ratios, blocks kept per stage, bits)
 * that a method chooses.
 *
 *   1. load the network into the supernet of its policy space (compress/network.ts);
 *   2. the target's latency profile of that space: given, or measured here (resumable);
 *   3. the method evaluates policies on val (each journaled: a killed run resumes);
 *   4. the best policy within the budget is fine-tuned on its own from the weights it was scored
 *      on (least-squares reconstructed, compress/reconstruct.ts), distilling from the
 *      uncompressed network (resumable), and scored on val and test;
 *   5. a results file in the format of `hwnas search`, so `hwnas verify` exports and times it.
 *
 * Everything lands in the --out folder: settings.json first (a resume with other settings is
 * refused), the journal, profile and fine-tune checkpoint as they progress, the results file and
 * its completion marker last.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { layersOf } from '../space/layers.js';
import type { SubnetConfig } from '../space/types.js';
import { createTargetModel, resolveTarget, type ResolvedTarget } from '../latency/targets.js';
import { kDefaultMeasuredThreads } from '../latency/measuredTarget.js';
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { profileDevice } from '../profiling/profileDevice.js';
import type { DataOptions } from '../supernet/data/loadDataset.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { loadTrainingData } from '../supernet/trainingData.js';
import type { BackendName } from '../supernet/backend/backend.js';
import { evaluateOnSplit } from '../predictors/evaluateSample.js';
import { loadCompressible, type CompressibleNetwork } from '../compress/network.js';
import { TrainedNetworkProblem, withParams } from '../compress/problem.js';
import { createMethod } from '../compress/methods.js';
import type { SchemeName } from '../compress/schemes.js';
import type { CompressMethodName, CompressOutcome, PolicyResult } from '../compress/types.js';
import { finetunePolicy, savePolicyCheckpoint } from './compressFinetune.js';
import { kFinetuneRecipe } from './finetuneSubnet.js';
import { targetSlug, writeResult, writeSearchMarker, type SearchOutcome, type SearchRun } from './searchOutput.js';
import { kSilentReporter, type Progress, type Reporter } from './progress.js';

export interface CompressOptions {
  /** Distinct policies the method evaluates (default 60). */
  evaluations?: number;
  seed?: number;
  /** Val images each policy is scored on (default 2000). */
  valImages?: number;
  /** Training images for BatchNorm recalibration (default 1000). */
  calibrationImages?: number;
  /** Fine-tuning epochs of the chosen policy; 0 = none (default 3). */
  finetuneEpochs?: number;
  /** Peak learning rate of that fine-tuning, cosine to 0 (default: hwnas finetune's, 0.02). */
  finetuneLr?: number;
  /** Latency profile of the policy space on the target (default: measured into the folder). */
  profile?: string;
  /** Seconds the profile's measurements aim for when measured here (default 150). */
  profileSeconds?: number;
  /**
   * Least-squares reconstruction of the weights of every layer whose inputs a policy prunes,
   * for scoring policies and as the chosen policy's starting weights (default true).
   */
  reconstruction?: boolean;
  /** Blocks may be removed (a depth layer per stage of two or more blocks; default true). */
  depth?: boolean;
  /** Condensa's scheme by name (`kSchemeNames`; default: depthAndWidth with depth layers, else pruneAll). */
  scheme?: SchemeName;
}

export const kDefaultCompressOptions: Required<Omit<CompressOptions, 'profile' | 'scheme'>> = Object.freeze({
  evaluations: 60, seed: 0, valImages: 2000, calibrationImages: 1000, finetuneEpochs: 3, finetuneLr: kFinetuneRecipe.lr, profileSeconds: 150, reconstruction: true, depth: true,
});

export interface CompressJob {
  checkpoint: string;
  /** The network in the checkpoint (default: its only one). */
  config?: SubnetConfig;
  /** A measured target; a spec string is resolved here. */
  target: ResolvedTarget | string;
  maxLatencyMs: number;
  method: CompressMethodName;
  out: string;
  options?: CompressOptions;
  data: DataOptions;
  workers: number;
  backend?: BackendName | 'auto';
  reporter?: Reporter;
}

export interface CompressReport {
  method: CompressMethodName;
  target: string;
  maxLatencyMs: number;
  original: PolicyResult & { testAccuracy: number };
  chosen: (PolicyResult & { testAccuracy: number; finetuned: { valAccuracy: number; testAccuracy: number; epochs: number } | null }) | null;
  evaluations: number;
  /** Wall time spent on the folder over all its runs (a resumed run adds its own). */
  seconds: number;
  resultsFile: string | null;
}

/** The settings a compression folder was started with: its marker (commands refuse other folders). */
export const kCompressSettingsFile = 'settings.json';
export const kCompressReportFile = 'compress.json';

/** Refuses a folder holding another compression's settings (naming the first difference). */
function claimFolder(out: string, settings: Record<string, unknown>): void {
  mkdirSync(out, { recursive: true });
  const path = join(out, kCompressSettingsFile);
  if (existsSync(path)) {
    const kept = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(kept), ...Object.keys(settings)])) {
      if (JSON.stringify(kept[key]) !== JSON.stringify(settings[key])) {
        throw new Error(`${out} holds a compression with ${key} = ${JSON.stringify(kept[key])}, not ${JSON.stringify(settings[key])}: run it with the same settings to resume, pass --force to start over, or give another --out`);
      }
    }
    return;
  }
  writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
}

/**
 * The latency profile of `network`'s policy space on a measured `target` (a spec string is
 * resolved here), measured into `path` unless it exists there (a partial one is resumed).
 */
export async function measurePolicyProfile(network: CompressibleNetwork, target: ResolvedTarget | string, path: string, seconds: number, reporter: Reporter = kSilentReporter): Promise<void> {
  if (existsSync(path)) return;
  const t = typeof target === 'string' ? resolveTarget(target) : target;
  reporter.note(`measuring the latency profile of the network's ${network.policies.layers.length} prunable layers on ${t.spec} (about ${seconds} s; resumable) -> ${path}`);
  const runtime = await createBenchRuntime(t.name, t.threads ?? kDefaultMeasuredThreads);
  let bar: { progress: Progress; total: number } | undefined;
  try {
    await profileDevice(runtime, network.policies.space, path, {
      subnets: 200, resume: existsSync(`${path}.partial`), budgetSeconds: seconds,
      onProgress: (p) => {
        if (bar?.total !== p.total) {
          bar?.progress.stop();
          bar = { progress: reporter.bar(p.total, p.done, 'profile {bar} {value}/{total} | {phase} | ETA {eta_formatted}'), total: p.total };
        }
        bar.progress.update(p.done, { phase: p.phase });
      },
    });
  } finally {
    bar?.progress.stop();
  }
}

/**
 * Wall time spent on a compression folder over all its runs, kept in `wall.json`: a resumed run
 * adds its own time to what the earlier ones recorded (each saves at its milestones).
 */
export class FolderClock {
  private readonly started = Date.now();
  private readonly before: number;

  constructor(private readonly file: string) {
    this.before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { seconds: number }).seconds : 0;
  }

  seconds(): number {
    return this.before + (Date.now() - this.started) / 1000;
  }

  save(): void {
    writeFileAtomic(this.file, `${JSON.stringify({ seconds: this.seconds() })}\n`);
  }
}

export async function runCompress(job: CompressJob): Promise<CompressReport> {
  const reporter = job.reporter ?? kSilentReporter;
  const o = { ...kDefaultCompressOptions, ...job.options };
  /** Condensa's scheme, when one is named: recorded in the folder's settings and given to the method. */
  const scheme = o.scheme === undefined ? {} : { scheme: o.scheme };
  const resolved = typeof job.target === 'string' ? resolveTarget(job.target) : job.target;
  if (resolved.kind !== 'measured') throw new Error(`--target ${resolved.given} is not a measured target: compression measures latency (ort-cpu, tfjs-wasm, tfjs-node)`);
  const target = resolved.spec;
  const network = loadCompressible(job.checkpoint, job.config, { depth: o.depth });
  try {
    claimFolder(job.out, {
      checkpoint: resolve(job.checkpoint), config: network.config, target, maxLatencyMs: job.maxLatencyMs, method: job.method,
      evaluations: o.evaluations, seed: o.seed, valImages: o.valImages, calibrationImages: o.calibrationImages, finetuneEpochs: o.finetuneEpochs,
      finetuneLr: o.finetuneLr, reconstruction: o.reconstruction, depth: o.depth, ...scheme,
    });
    const clock = new FolderClock(join(job.out, 'wall.json'));
    const { space } = network.policies;
    const policiesCheckpoint = join(job.out, 'network.ckpt');
    const profile = o.profile ?? join(job.out, `profile-${targetSlug(target)}.json`);
    if (o.profile === undefined) await measurePolicyProfile(network, resolved, profile, o.profileSeconds, reporter);
    const latency = await createTargetModel(resolved, (cfg) => layersOf(space, cfg), { profile });
    const data = await loadTrainingData(job.data, network.space, network.meta.data, job.checkpoint);
    const calibration = calibrationSet(data.train, o.calibrationImages);
    const problemData = { calibration, val: data.val, valImages: o.valImages, reconstruction: { enabled: o.reconstruction } };
    const problem = await TrainedNetworkProblem.open(network, latency, problemData, join(job.out, 'journal.jsonl'));
    if (problem.latencyMs(problem.snap({ ...problem.identity(), keep: problem.layers.map((l) => l.keeps[0]) })) > job.maxLatencyMs) {
      reporter.note(`note: even the smallest pruned float policy is predicted above ${job.maxLatencyMs} ms; only bits can reach the budget`);
    }
    const testOf = async (cfg: SubnetConfig, net = network.net): Promise<number> => (await evaluateOnSplit(net, cfg, calibration, data.test)).accuracy;
    // Before the method runs: a method that trains (l1l2) replaces the network's weights.
    const original = { ...problem.original, testAccuracy: await testOf(network.policies.toConfig(network.policies.identity())) };
    // The fine-tune's teacher: a frozen copy of the network as given, whatever the method does to its weights.
    const uncompressed = Float32Array.from(network.params);
    let training: Progress | undefined;
    const method = createMethod(job.method, {
      network, data, workers: job.workers, backend: job.backend, out: job.out, ...scheme,
      onTrainStep: (step, total, loss) => {
        training ??= reporter.bar(total, step, `${job.method} training {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}`);
        training.update(step, { loss: loss.toFixed(3) });
        if (step === total) training.stop();
      },
    });
    const bar = reporter.bar(o.evaluations, 0, `${job.method} {bar} {value}/{total} policies | best {best} | ETA {eta_formatted}`);
    let outcome: CompressOutcome;
    try {
      outcome = await method.run(problem, {
        maxLatencyMs: job.maxLatencyMs, evaluations: o.evaluations, seed: o.seed,
        onProgress: (done, _total, best) => bar.update(done, { best: best === undefined ? '-' : `${(100 * best.accuracy).toFixed(2)}% @ ${best.latencyMs.toFixed(3)} ms` }),
      });
    } finally {
      bar.stop();
      problem.close();
      clock.save();
    }
    // After the method: the weights its policies were evaluated on (l1l2's trained ones) are the ones exported and fine-tuned.
    savePolicyCheckpoint(network, policiesCheckpoint);
    let chosen: CompressReport['chosen'] = null;
    let resultsFile: string | null = null;
    if (outcome.best !== undefined) {
      const cfg = network.policies.toConfig(outcome.best.policy);
      // The weights the policy was scored on (reconstructed, unless turned off) are the ones fine-tuned, or exported without fine-tuning.
      const weights = problem.weightsFor(outcome.best.policy);
      const inherited = weights === network.params ? policiesCheckpoint : join(job.out, 'chosen.ckpt');
      savePolicyCheckpoint(network, inherited, weights);
      const finetuned = o.finetuneEpochs > 0
        ? await finetunePolicy(network, cfg, data, { out: join(job.out, 'finetune.ckpt'), epochs: o.finetuneEpochs, lr: o.finetuneLr, seed: o.seed, workers: job.workers, backend: job.backend, reporter, calibration }, weights, uncompressed)
        : null;
      clock.save();
      chosen = { ...outcome.best, testAccuracy: await withParams(network, weights, () => testOf(cfg)), finetuned };
      const run: SearchRun = { target, resolved, unit: 'ms', kind: 'measured', max: job.maxLatencyMs, file: `search-${targetSlug(target)}.json` };
      const best = { config: cfg, accuracy: finetuned?.valAccuracy ?? outcome.best.accuracy, latency: outcome.best.latencyMs, latencies: { [target]: outcome.best.latencyMs } };
      const front = outcome.history
        .filter((r) => r.latencyMs <= job.maxLatencyMs)
        .map((r) => ({ config: network.policies.toConfig(r.policy), accuracy: r.accuracy, latency: r.latencyMs, latencies: { [target]: r.latencyMs } }));
      const result: SearchOutcome = {
        mode: 'budget', target, unit: 'ms', units: { [target]: 'ms' }, seed: o.seed, generations: 0, scored: outcome.history.length, history: [],
        maxLatency: job.maxLatencyMs, best, front: paretoFront(front),
        space, checkpoint: resolve(finetuned === null ? inherited : join(job.out, 'finetune.ckpt')),
        predictor: `compress:${job.method}`, quant: cfg.wBits === undefined ? 'fp32' : 'mixed',
        options: { method: job.method, ...o }, seconds: clock.seconds(), profiles: { [target]: resolve(profile) },
      };
      resultsFile = writeResult(job.out, run, result);
      writeSearchMarker(job.out, [run]);
    }
    const report: CompressReport = {
      method: job.method, target, maxLatencyMs: job.maxLatencyMs, original, chosen,
      evaluations: outcome.history.length, seconds: clock.seconds(), resultsFile,
    };
    clock.save();
    writeFileAtomic(join(job.out, kCompressReportFile), `${JSON.stringify({ format: 'hwnas-compress', version: 1, ...report, history: outcome.history }, null, 2)}\n`);
    return report;
  } finally {
    network.net.dispose();
  }
}

/** The configs no other beats in both accuracy and latency, by latency. */
function paretoFront<T extends { accuracy: number; latency: number }>(items: readonly T[]): T[] {
  const sorted = [...items].sort((a, b) => a.latency - b.latency || b.accuracy - a.accuracy);
  const front: T[] = [];
  for (const item of sorted) if (front.length === 0 || item.accuracy > front[front.length - 1].accuracy) front.push(item);
  return front;
}
