/**
 * bench:specialise for a SuperTransformer checkpoint (`--checkpoint models/training/fashion-vit.ckpt`):
 * per measured target (default ort-cpu:1 and ort-cpu:2) a budget search at --fraction of the
 * largest SubTransformer's predicted latency there, the chosen configs verified as the demo
 * verifies them (pipeline/transformerDemo.ts: exported, test accuracy in onnxruntime, timed on
 * their own target beside its profile's reference); then each exported model is timed on every
 * other target with the same harness (timeTransformerExport: rounds alternating with that
 * target's reference, put at that profile's speed), so that every column compares the configs
 * as each target runs them.
 */
import { join } from 'node:path';
import { resolveTarget } from '../latency/targets.js';
import { loadTransformerProfile, type TransformerProfile } from '../latency/transformer/transformerProfile.js';
import { TransformerGraphCache } from '../profiling/transformer/measureTransformer.js';
import type { MachineInfo } from '../profiling/machine.js';
import { transformerConfigKey } from '../space/transformer/configs.js';
import { transformerCost } from '../space/transformer/cost.js';
import type { TransformerSpace } from '../space/transformer/types.js';
import { initBackend } from '../supernet/backend/backend.js';
import { loadTrainingData } from '../supernet/trainingData.js';
import { loadSuperTransformer } from '../supernet/transformer/io.js';
import { buildFolderAtomic } from '../util/atomicWrite.js';
import { demoRuns } from '../pipeline/demo.js';
import { formatLatency } from '../pipeline/latencyArg.js';
import { parseProfileArgs } from '../pipeline/profileArgs.js';
import { checkShipped, kShipped } from '../pipeline/shippedModels.js';
import { transformerLatencyModel } from '../pipeline/transformerProfile.js';
import {
  checkTransformerSetup, checkTransformerTargets, runtimePool, searchAndVerifyTransformers, transformerBudgets, transformerProfileInputs,
  type TransformerDemoJob, type TransformerRunResult, type TransformerSetup,
} from '../pipeline/transformerDemo.js';
import { timeTransformerExport, type TransformerTimed } from '../pipeline/transformerVerify.js';
import { describeMachine } from '../pipeline/verifyReport.js';
import { type SearchBenchSettings, writeBenchJson } from './searchBench.js';
import { ownBest, specialiseMarkdown, type SpecialiseColumn, type SpecialiseRow } from './specialiseTable.js';

export const kTransformerSpecialiseTargets = 'ort-cpu:1,ort-cpu:2,tfjs-wasm:1';

/** The shipped files the bench takes when --checkpoint names a SuperTransformer and --predictor is not given. */
export const kTransformerBenchShipped = Object.freeze({ checkpoint: kShipped.transformer.supernet, predictor: kShipped.transformer.predictor });

export interface TransformerColumn extends SpecialiseColumn {
  /** Predicted latency of the largest SubTransformer there, ms. */
  largest: number;
}

export interface TransformerMatrixRow {
  searchedFor: string;
  /** Its search and verification (on its own target). */
  result: TransformerRunResult;
  /** Predicted latency on every target, ms. */
  predicted: Record<string, number>;
  /** Measured on every target, at that target's profile speed. */
  measured: Record<string, TransformerTimed>;
}

export interface TransformerSpecialiseJob extends Omit<TransformerDemoJob, 'runs'> {
  /** Target specs as given, each with a profile in `profiles`. */
  targets: readonly string[];
  /** Each target's budget as a fraction of the largest SubTransformer's predicted latency there. */
  fraction: number;
}

export interface TransformerSpecialiseResult {
  columns: TransformerColumn[];
  rows: TransformerMatrixRow[];
  searchSeconds: number;
  machine: MachineInfo;
}

/** Searches, verifies and times every chosen SubTransformer on every target, into `dir` (search/, verify/). */
export async function transformerSpecialise(job: TransformerSpecialiseJob, dir: string): Promise<TransformerSpecialiseResult> {
  const bases = transformerBudgets(job, job.targets, [job.fraction]);
  const runs = demoRuns(job.targets, [], bases);
  const columns = runs.map((r, k) => ({ target: r.target, unit: 'ms', largest: bases[k].largest as number, budget: r.max as number }));
  const runtimes = job.runtimes ?? runtimePool();
  const outcome = await searchAndVerifyTransformers({ ...job, runs, runtimes }, dir);
  const profiles = new Map<string, TransformerProfile>(job.targets.map((t) => [t, loadTransformerProfile(job.profiles[t])]));
  const models = new Map([...profiles].map(([t, p]) => [t, transformerLatencyModel(p, job.latencyKind, `profile ${job.profiles[t]}`)]));
  const rows: TransformerMatrixRow[] = outcome.results.map((result) => ({
    searchedFor: result.run.target, result,
    predicted: Object.fromEntries(job.targets.map((t) => [t, (models.get(t)?.predict([result.row.config]) as Float64Array)[0]])),
    measured: { [result.run.target]: { measuredMs: result.row.measuredMs, rawMs: result.row.rawMs, noisy: result.row.noisy } },
  }));
  for (const [target, profile] of profiles) {
    const runtime = await runtimes(profile);
    const cache = new TransformerGraphCache(runtime);
    try {
      for (const row of rows.filter((r) => r.searchedFor !== target)) {
        const { verifyDir, row: verified } = row.result;
        row.measured[target] = await timeTransformerExport(runtime, profile, cache, { onnx: join(dir, verifyDir, verified.onnx), tfjs: join(dir, verifyDir, verified.tfjs) }, job.sampler);
        job.onStep?.(`${row.searchedFor}'s config on ${target}: ${row.measured[target].measuredMs.toPrecision(3)} ms${row.measured[target].noisy ? ' (noisy)' : ''}`);
      }
    } finally {
      await cache.release();
    }
  }
  return { columns, rows, searchSeconds: outcome.searchSeconds, machine: outcome.machine };
}

/** The rows as the shared table shows them. */
export function transformerTableRows(space: TransformerSpace, rows: readonly TransformerMatrixRow[]): SpecialiseRow[] {
  return rows.map((r) => ({
    searchedFor: r.searchedFor, key: transformerConfigKey(r.result.row.config),
    predictedAccuracy: r.result.row.predictedAccuracy, testAccuracy: r.result.row.testAccuracy, predicted: r.predicted,
    measured: Object.fromEntries(Object.entries(r.measured).map(([t, m]) => [t, {
      text: `${formatLatency(m.measuredMs, 'ms')}${m.noisy ? ' (noisy)' : ''}`, ms: m.measuredMs,
      ...(m.noisy ? { note: `noisy: its spread stayed above the target after the last round (${formatLatency(m.rawMs, 'ms')} as timed)` } : {}),
    }])),
    extra: [`${(transformerCost(space, r.result.row.config).macs / 1e6).toFixed(2)}M`, transformerConfigKey(r.result.row.config)],
  }));
}

export const kTransformerTableNote = "Measured cells: the exported model's median on that target (batch 1, the profile's threads), timed in rounds alternating with " +
  "the target's reference SubTransformer and put at its profile's speed, and the prediction (the profile's table model).";

/**
 * The bench on a SuperTransformer: `s` the shared settings (checkpoint and predictor resolved),
 * `targets` and `profileArgs` (--profile TARGET=FILE values) as given, `fraction` checked.
 */
export async function transformerSpecialiseMain(s: SearchBenchSettings, targets: readonly string[], fraction: number, profileArgs: readonly string[]): Promise<void> {
  const t0 = Date.now();
  const resolved = targets.map((t) => resolveTarget(t));
  checkTransformerTargets(resolved, '--targets');
  const inputs = transformerProfileInputs(resolved, parseProfileArgs(profileArgs, resolved, 'the --targets values'), kShipped.transformer, '--targets');
  checkShipped(inputs.shipped);
  const info = await initBackend({ backend: s.backend });
  process.stderr.write(`backend: tfjs-${info.name} ${info.version}\n`);
  const { net, meta } = loadSuperTransformer(s.checkpoint);
  try {
    const { space } = net;
    const setup: TransformerSetup = { checkpoint: s.checkpoint, space, predictor: s.predictor, profiles: inputs.profiles, latencyKind: 'table', options: s.search };
    checkTransformerSetup(setup, targets);
    const data = await loadTrainingData({ dataDir: s.dataDir }, space, meta.data, s.checkpoint);
    const done = await buildFolderAtomic(s.out, async (dir) => {
      const r = await transformerSpecialise({ ...setup, net, targets, fraction, test: data.test, onStep: (line) => console.error(line) }, dir);
      const table = transformerTableRows(space, r.rows);
      const report = {
        format: 'hwnas-bench-specialise', version: 1, kind: 'transformer', createdAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000,
        machine: r.machine,
        settings: {
          checkpoint: s.checkpoint, predictor: s.predictor, latencyKind: setup.latencyKind, fraction, profiles: inputs.profiles,
          population: s.population, generations: s.search.generations, seed: s.search.seed,
        },
        targets: r.columns,
        rows: r.rows.map((x) => ({
          searchedFor: x.searchedFor, config: x.result.row.config, predictedAccuracy: x.result.row.predictedAccuracy, testAccuracy: x.result.row.testAccuracy,
          model: `${x.result.verifyDir}/${x.result.row.onnx}`, predicted: x.predicted, measured: x.measured,
        })),
        ownBest: ownBest(table, r.columns),
      };
      writeBenchJson(join(dir, 'specialise.json'), report);
      return { r, table, report };
    });
    if (s.json !== null) writeBenchJson(s.json, done.report);
    console.log(`Specialisation of ${space.name} SubTransformers (${describeMachine(done.r.machine)}); budgets at ${Math.round(100 * fraction)}% of the largest ` +
      `SubTransformer's predicted latency per target; population ${s.population}, ${s.search.generations} generations, seed ${s.search.seed}; predictor ${s.predictor}.`);
    console.log('');
    console.log(specialiseMarkdown(done.table, done.r.columns, ['MACs', 'config'], kTransformerTableNote));
    console.error(`wrote ${s.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    net.dispose();
  }
}
