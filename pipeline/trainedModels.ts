/**
 * The trained models hwnas ships for a space: each folder of models/deploy holds a searched
 * config fine-tuned or trained on its own (model.onnx, config.json, and result.json with the
 * test accuracy it scores and how it was made). A supernet's subnets keep its shared weights,
 * which test several points below the same architecture trained on its own, so the demo offers,
 * per target and budget, the most accurate trained model that the target's latency model
 * predicts within the budget, and verifies it on this machine: its test accuracy re-measured
 * from the ONNX file, its latency measured with the harness verify uses.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createTargetModel } from '../latency/targets.js';
import type { Measurement } from '../profiling/measure.js';
import { layersOf } from '../space/layers.js';
import { parseConfig } from '../space/schema.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { DataSplit } from '../supernet/data/types.js';
import { findPackageRoot } from '../util/packageRoot.js';
import { formatLatency } from './latencyArg.js';
import type { SearchRun } from './searchOutput.js';
import { measureOnnxOnTarget, onnxTestAccuracy, type TimingInput } from './verifyConfigs.js';

export interface TrainedModel {
  /** The folder's name, e.g. 'ort-cpu-1-resnet8-latency'. */
  name: string;
  onnx: string;
  config: SubnetConfig;
  /** How it was searched and trained (result.json's `what`). */
  what: string;
  /** Recorded test accuracy of the ONNX file on the whole test split. */
  testAccuracy: number;
}

const kRoot = findPackageRoot(import.meta.url);

export function deployDir(): string {
  return join(kRoot, 'models', 'deploy');
}

/**
 * The trained models of `space` in `dir`: every folder with result.json and config.json whose
 * config is one of `space` (a compressed network's folder carries its own space.json and a
 * transformer's config is of another kind: neither is one).
 */
export function trainedModels(space: SearchSpace, dir = deployDir()): TrainedModel[] {
  if (!existsSync(dir)) return [];
  const out: TrainedModel[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    const [resultFile, configFile] = [join(folder, 'result.json'), join(folder, 'config.json')];
    if (!existsSync(resultFile) || !existsSync(configFile) || existsSync(join(folder, 'space.json'))) continue;
    const given = JSON.parse(readFileSync(configFile, 'utf8')) as { kind?: string };
    if (given.kind !== undefined) continue;
    let config: SubnetConfig;
    try {
      config = parseConfig(space, given);
    } catch {
      continue; // a config of another CNN space
    }
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { what: string; testAccuracy: number; onnx: string };
    out.push({ name, onnx: join(folder, result.onnx), config, what: result.what, testAccuracy: result.testAccuracy });
  }
  return out;
}

/** The trained model offered for one search run, verified here. */
export interface TrainedPick {
  target: string;
  unit: string;
  budget: number;
  model: TrainedModel;
  predictedLatency: number;
  /** Test accuracy of its ONNX file measured now (equal to the recorded one on a CPU that rounds alike). */
  testAccuracy: number;
  /** The harness's measurement on a measured ort-cpu target, else null. */
  measurement: Measurement | null;
}

/**
 * Per run with a budget, the most accurate of `models` (by recorded test accuracy) whose
 * predicted latency on the run's target is within the budget, or null when none is.
 */
export async function pickTrained(
  space: SearchSpace, runs: readonly SearchRun[], profiles: Record<string, string>, models: readonly TrainedModel[],
): Promise<({ model: TrainedModel; predictedLatency: number } | null)[]> {
  const picks: ({ model: TrainedModel; predictedLatency: number } | null)[] = [];
  for (const run of runs) {
    if (run.max === undefined || models.length === 0) {
      picks.push(null);
      continue;
    }
    const model = await createTargetModel(run.resolved, (cfg) => layersOf(space, cfg), { profile: profiles[run.target] });
    const latencies = model.predict(models.map((m) => m.config));
    const within = models.map((m, k) => ({ model: m, predictedLatency: latencies[k] })).filter((c) => c.predictedLatency <= (run.max as number));
    within.sort((a, b) => b.model.testAccuracy - a.model.testAccuracy);
    picks.push(within[0] ?? null);
  }
  return picks;
}

/** Re-measures each pick's test accuracy, then (after every accuracy, so nothing heavy runs beside a timing) its latency on ort-cpu targets. */
export async function verifyTrained(
  runs: readonly SearchRun[], picks: readonly ({ model: TrainedModel; predictedLatency: number } | null)[], test: DataSplit, classes: number, input: TimingInput,
): Promise<TrainedPick[]> {
  const chosen = runs.flatMap((run, k) => (picks[k] === null ? [] : [{ run, pick: picks[k] as { model: TrainedModel; predictedLatency: number } }]));
  const accuracies: number[] = [];
  for (const { pick } of chosen) accuracies.push(await onnxTestAccuracy(pick.model.onnx, test, classes));
  const out: TrainedPick[] = [];
  for (const [k, { run, pick }] of chosen.entries()) {
    const timed = run.kind === 'measured' && run.resolved.name === 'ort-cpu';
    out.push({
      target: run.target, unit: run.unit, budget: run.max as number, model: pick.model, predictedLatency: pick.predictedLatency,
      testAccuracy: accuracies[k], measurement: timed ? (await measureOnnxOnTarget(pick.model.onnx, run.resolved, input)).measurement : null,
    });
  }
  return out;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** A standard model measured on the same target, that a pick is compared with (its budget is this model's latency). */
export interface ReferenceRow {
  name: string;
  testAccuracy: number;
  medianMs: number;
}

/**
 * The report section: per budget, the trained model offered and its figures measured here,
 * beside the standard model whose latency set the budget (`reference`), when there is one.
 */
export function trainedMarkdown(picks: readonly TrainedPick[], runs: readonly SearchRun[], reference: (p: TrainedPick) => ReferenceRow | undefined = () => undefined): string[] {
  const out = ['## Trained models within each budget', ''];
  out.push(
    'The searched configs above keep the supernet\'s shared weights. hwnas also ships searched configs trained on their own ' +
      '(`models/deploy/`); per budget, the most accurate one predicted within it, its test accuracy re-measured from its ONNX file and its latency measured here:',
    '',
  );
  if (picks.length === 0) {
    out.push(`None of the shipped trained models is predicted within ${runs.length === 1 ? 'the budget' : 'any budget'}.`, '');
    return out;
  }
  out.push('| target | budget | model | test acc (recorded / measured) | predicted latency | measured median | within budget | against the standard model |', '|---|---|---|---|---|---|---|---|');
  for (const p of picks) {
    const m = p.measurement;
    const measured = m === null ? 'not measured' : `${formatLatency(m.medianMs, 'ms')}${m.flagged ? ' (FLAGGED as too noisy)' : ''}`;
    const within = m === null || m.flagged ? 'unknown' : m.medianMs <= p.budget ? 'yes' : 'no';
    const ref = reference(p);
    const against = ref === undefined ? '' : `${ref.name} (${pct(ref.testAccuracy)}, ${formatLatency(ref.medianMs, 'ms')}): ` +
      `${(100 * (p.testAccuracy - ref.testAccuracy)).toFixed(2).replace(/^(?!-)/, '+')} pp` + (m === null || m.flagged ? '' : `, ${(m.medianMs / ref.medianMs).toFixed(2)}x its latency`);
    out.push(`| ${p.target} | ${formatLatency(p.budget, p.unit)} | ${p.model.name} (\`${relative(kRoot, p.model.onnx)}\`) | ${pct(p.model.testAccuracy)} / ${pct(p.testAccuracy)} | ` +
      `${formatLatency(p.predictedLatency, p.unit)} | ${measured} | ${within} | ${against} |`);
  }
  out.push('', ...[...new Set(picks.map((p) => p.model))].map((m) => `- ${m.name}: ${m.what}`), '');
  return out;
}
