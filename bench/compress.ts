/**
 * Compression of a trained baseline by every method at equal cost (the same number of
 * evaluated policies, the same fine-tuning), side by side: each method's chosen model and the
 * original, plus the original quantized to int8 (quantization only), exported to ONNX, tested on
 * all test images and timed with the measurement harness in alternating rounds. AMC is the
 * pruning-only method, Galen the joint one, so the table holds Galen's joint-vs-separate
 * comparison. One latency profile of the network's policy space serves every method.
 *
 * A Condensa entry may name its scheme, `condensa:depthAndWidthInt8`, so that one run holds
 * Condensa's pruning-only and joint schemes side by side.
 *
 *   npm run bench:compress -- --model resnet8 [--methods amc,galen,condensa,l1l2,evolution]
 *     [--budget 0.5] [--evaluations 30] [--finetune-epochs 3] [--target ort-cpu:1] [--rounds 5]
 *     [--workers 1] [--out runs/compress-bench]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kCompressMethods, type CompressMethodName } from '../compress/types.js';
import { schemeByName, type SchemeName } from '../compress/schemes.js';
import { loadCompressible } from '../compress/network.js';
import { createTargetModel, resolveTarget } from '../latency/targets.js';
import { weightTypeForTarget } from '../profiling/int8Container.js';
import type { OnnxWeightType } from '../supernet/export/onnx/toOnnx.js';
import { baselineFiles, parseBaselineNames } from '../pipeline/baselines.js';
import { measurePolicyProfile, runCompress, type CompressReport } from '../pipeline/compress.js';
import { markdownTable } from '../pipeline/table.js';
import { exportFormatOf, onnxTestAccuracy } from '../pipeline/verifyConfigs.js';
import { measureOnnxOnTarget, timingInput } from '../pipeline/verifyLatency.js';
import { targetSlug } from '../pipeline/searchOutput.js';
import { readSearchResult } from '../pipeline/searchResultFile.js';
import { layersOf } from '../space/layers.js';
import { median } from '../util/stats.js';
import { kPackageVersion } from '../util/packageRoot.js';
import { initBackend } from '../supernet/backend/backend.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { exportConfig } from '../supernet/export/exportConfig.js';
import { loadSupernet } from '../supernet/io.js';
import type { SubnetConfig } from '../space/types.js';
import { benchMachine } from './machine.js';
import { benchArgs, fail, intFlag } from './args.js';

const kName = 'bench:compress';
const args = benchArgs(kName, {
  model: { type: 'string', default: 'resnet8' },
  methods: { type: 'string', default: kCompressMethods.join(',') },
  budget: { type: 'string', default: '0.5' },
  evaluations: { type: 'string', default: '30' },
  'finetune-epochs': { type: 'string', default: '3' },
  target: { type: 'string', default: 'ort-cpu:1' },
  rounds: { type: 'string', default: '5' },
  workers: { type: 'string', default: '1' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string', default: 'runs/compress-bench' },
});

interface Row {
  label: string;
  evaluations: number | null;
  seconds: number | null;
  predictedMs: number | null;
  valAccuracy: number | null;
  onnx: string;
  testAccuracy: number;
  latencies: number[];
}

/**
 * Exports `config` of the checkpoint at `checkpoint` to `path` once, as verify does: fp32, or QDQ
 * int8 when it has bits, its weights in the container the target's profile measured faster.
 */
async function exportOnce(checkpoint: string, config: SubnetConfig, path: string, train: Parameters<typeof exportConfig>[2], weightType: OnnxWeightType): Promise<void> {
  if (existsSync(path)) return;
  const { net } = loadSupernet(checkpoint);
  try {
    await exportConfig(net, config, train, path, { format: exportFormatOf(config), version: kPackageVersion, overwrite: true, weightType });
  } finally {
    net.dispose();
  }
}

try {
  const [model] = parseBaselineNames(args.model);
  const methods = args.methods.split(',').map(parseMethod);
  const fraction = Number(args.budget);
  if (!(fraction > 0 && fraction < 1)) throw new Error(`--budget is a fraction of the original's predicted latency in (0, 1) (got '${args.budget}')`);
  const evaluations = intFlag('evaluations', args.evaluations, 1);
  const finetuneEpochs = intFlag('finetune-epochs', args['finetune-epochs'], 0);
  const rounds = intFlag('rounds', args.rounds, 1);
  const workers = intFlag('workers', args.workers, 1);
  const seed = intFlag('seed', args.seed, 0);
  const checkpoint = baselineFiles(model).checkpoint;
  if (!existsSync(checkpoint)) throw new Error(`${checkpoint} does not exist: train it with 'npm run bench:baselines -- --models ${model}'`);
  await initBackend({});
  const data = loadFashionMnist();
  const out = join(args.out, model);
  mkdirSync(out, { recursive: true });
  const log = (line: string): boolean => process.stderr.write(`${line}\n`);
  const reporter = { bar: () => ({ update: () => undefined, log, stop: () => undefined }), note: (l: string) => void log(l) };

  // One profile of the policy space for every method; the budget is a fraction of the original's prediction.
  const network = loadCompressible(checkpoint);
  const profile = join(out, `profile-${targetSlug(args.target)}.json`);
  const { space } = network.policies;
  const originalConfig = network.policies.toConfig(network.policies.identity());
  let budgetMs: number;
  try {
    await measurePolicyProfile(network, args.target, profile, 150, reporter);
    const latency = await createTargetModel(args.target, (cfg) => layersOf(space, cfg), { profile });
    budgetMs = fraction * latency.predict([originalConfig])[0];
  } finally {
    network.net.dispose();
  }
  log(`${model}: budget ${budgetMs.toFixed(4)} ms (${fraction} x the original's predicted latency on ${args.target})`);
  const weightType = weightTypeForTarget(resolveTarget(args.target), profile);

  const rows: Row[] = [];
  const originalOnnx = join(out, 'original.onnx');
  await exportOnce(checkpoint, network.config, originalOnnx, data.train, weightType);
  rows.push({ label: 'original (fp32)', evaluations: null, seconds: null, predictedMs: budgetMs / fraction, valAccuracy: null, onnx: originalOnnx, testAccuracy: 0, latencies: [] });
  const int8Onnx = join(out, 'original-int8.onnx');
  const int8 = { ...originalConfig, wBits: originalConfig.expands.map(() => 8 as const), aBits: originalConfig.expands.map(() => 8 as const) };
  const reports: CompressReport[] = [];
  const failures: Array<{ method: string; error: string }> = [];
  for (const { method, scheme, label } of methods) {
    log(`${model}: ${label}, ${evaluations} policies, ${finetuneEpochs} fine-tuning epochs`);
    const dir = join(out, scheme === undefined ? method : `${method}-${scheme}`);
    let report: CompressReport;
    try {
      report = await runCompress({
        checkpoint, target: args.target, maxLatencyMs: budgetMs, method, out: dir, data: {}, workers, reporter,
        options: { evaluations, finetuneEpochs, seed, profile, ...(scheme === undefined ? {} : { scheme }) },
      });
    } catch (err) {
      // A method that cannot meet the budget (e.g. pruning alone) is a result, not a crash.
      log(`${model}: ${label} failed: ${(err as Error).message}`);
      failures.push({ method: label, error: (err as Error).message });
      continue;
    }
    reports.push(report);
    if (report.chosen === null) {
      log(`${model}: ${label} found no policy within the budget`);
      continue;
    }
    const onnx = join(dir, 'chosen.onnx');
    const from = report.chosen.finetuned === null ? join(dir, 'network.ckpt') : join(dir, 'finetune.ckpt');
    await exportOnce(from, readSearchResult(report.resultsFile!).best.config, onnx, data.train, weightType);
    rows.push({
      label, evaluations: report.evaluations, seconds: report.seconds, predictedMs: report.chosen.latencyMs,
      valAccuracy: report.chosen.finetuned?.valAccuracy ?? report.chosen.accuracy, onnx, testAccuracy: 0, latencies: [],
    });
  }
  // Quantization only: the unpruned network with every block at int8, from the first method's policy-space checkpoint.
  if (reports.length > 0) {
    await exportOnce(join(out, reports[0].method, 'network.ckpt'), int8, int8Onnx, data.train, weightType);
    rows.splice(1, 0, { label: 'original (int8, quantization only)', evaluations: null, seconds: null, predictedMs: null, valAccuracy: null, onnx: int8Onnx, testAccuracy: 0, latencies: [] });
  }
  for (const row of rows) row.testAccuracy = await onnxTestAccuracy(row.onnx, data.test, 10);
  const input = timingInput(space, data.test);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + r) % rows.length];
      const { measurement } = await measureOnnxOnTarget(row.onnx, args.target, input);
      if (measurement === null) throw new Error(`${row.label} could not be timed on ${args.target}`);
      row.latencies.push(measurement.medianMs);
    }
  }
  const machine = benchMachine();
  const base = rows[0];
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const table = markdownTable(
    ['model', 'policies', 'wall s', 'predicted ms', `${args.target} measured ms (median, ${rounds} rounds)`, 'speedup (measured)', 'val (after fine-tune)', 'test (ONNX, 10k)', 'vs original'],
    rows.map((row) => [
      row.label, row.evaluations === null ? '' : String(row.evaluations), row.seconds === null ? '' : row.seconds.toFixed(0),
      row.predictedMs === null ? '' : row.predictedMs.toFixed(4), median(row.latencies).toFixed(4),
      `${(median(base.latencies) / median(row.latencies)).toFixed(2)}x`, row.valAccuracy === null ? '' : pct(row.valAccuracy),
      pct(row.testAccuracy), `${(100 * (row.testAccuracy - base.testAccuracy)).toFixed(2)} pp`,
    ]),
  );
  writeFileSync(join(out, 'compress-bench.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, model, target: args.target, budgetMs, fraction, evaluations, finetuneEpochs, rows, reports, failures }, null, 2)}\n`);
  console.log(`machine: ${machine}\n${model}: budget ${budgetMs.toFixed(4)} ms predicted (${fraction} x original)\n`);
  console.log(table);
  for (const f of failures) console.log(`\n${f.method}: ${f.error}`);
  console.log(`\n${bestWithinLoss(rows, 0.005)}`);
} catch (err) {
  fail(kName, err);
}

/** `amc` or `condensa:SCHEME`: the method, Condensa's scheme when named, and the row's label. */
function parseMethod(entry: string): { method: CompressMethodName; scheme?: SchemeName; label: string } {
  const [method, scheme, ...rest] = entry.split(':');
  if (!(kCompressMethods as readonly string[]).includes(method) || rest.length > 0) {
    throw new Error(`--methods: '${entry}' is not one of ${kCompressMethods.join(', ')} (Condensa may name a scheme: condensa:depthAndWidthInt8)`);
  }
  if (scheme === undefined) return { method: method as CompressMethodName, label: method };
  if (method !== 'condensa') throw new Error(`--methods: '${entry}': only condensa takes a scheme (condensa:NAME)`);
  schemeByName(scheme);
  return { method, scheme: scheme as SchemeName, label: `condensa (${scheme})` };
}

/** The sentence naming the fastest compressed row whose test accuracy is within `loss` of the original's. */
function bestWithinLoss(rows: readonly Row[], loss: number): string {
  const base = rows[0];
  const speedup = (row: Row): number => median(base.latencies) / median(row.latencies);
  const within = rows.slice(1).filter((row) => row.testAccuracy >= base.testAccuracy - loss).sort((a, b) => speedup(b) - speedup(a));
  if (within.length === 0) return `no compressed model is within ${(100 * loss).toFixed(1)} pp of the original's test accuracy`;
  const best = within[0];
  return `fastest within ${(100 * loss).toFixed(1)} pp of the original: ${best.label}, ${speedup(best).toFixed(2)}x measured at ${(100 * (best.testAccuracy - base.testAccuracy)).toFixed(2)} pp`;
}
