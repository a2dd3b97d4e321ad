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
import { z } from 'zod';
import { createTargetModel } from '../latency/targets.js';
import type { Measurement } from '../profiling/measure.js';
import { layersOf } from '../space/layers.js';
import { describeIssue, parseConfig } from '../space/schema.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { DataSplit } from '../supernet/data/types.js';
import { findPackageRoot } from '../util/packageRoot.js';
import { formatLatency } from './latencyArg.js';
import type { SearchRun } from './searchOutput.js';
import { onnxTestAccuracy } from './verifyConfigs.js';
import { measureOnnxOnTarget, type TimingInput } from './verifyLatency.js';

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

/** What the demo reads of a deployed model's result.json (the rest is its record). */
const resultSchema = z.object({
  /** The space its config is of: a built-in space's name, or its own space file in the folder. */
  space: z.string().min(1),
  what: z.string().min(1),
  testAccuracy: z.number().min(0).max(1),
  onnx: z.string().min(1),
});

/** `what()`, its error prefixed with the file and how to mend it. */
function inFile<T>(path: string, what: () => T): T {
  try {
    return what();
  } catch (err) {
    const shown = path.startsWith(kRoot) ? relative(kRoot, path) : path;
    throw new Error(`${shown}: ${(err as Error).message}\n  restore the folder from the repository, or remove it`);
  }
}

/**
 * The trained models of `space` in `dir`: every folder whose result.json names `space` (a
 * compressed network's names its own space file, a SubTransformer's its transformer space).
 * Each result.json, config.json and ONNX file is checked; a broken one throws, naming it.
 */
export function trainedModels(space: SearchSpace, dir = deployDir()): TrainedModel[] {
  if (!existsSync(dir)) return [];
  const out: TrainedModel[] = [];
  for (const name of readdirSync(dir).sort()) {
    const resultFile = join(dir, name, 'result.json');
    if (!existsSync(resultFile)) continue;
    const result = inFile(resultFile, () => {
      const parsed = resultSchema.safeParse(JSON.parse(readFileSync(resultFile, 'utf8')));
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => describeIssue('result', i)).join('; '));
      return parsed.data;
    });
    if (result.space !== space.name) continue;
    const configFile = join(dir, name, 'config.json');
    const config = inFile(configFile, () => parseConfig(space, JSON.parse(readFileSync(configFile, 'utf8'))));
    const onnx = join(dir, name, result.onnx);
    if (!existsSync(onnx)) inFile(resultFile, () => { throw new Error(`its ONNX file ${result.onnx} is missing`); });
    out.push({ name, onnx, config, what: result.what, testAccuracy: result.testAccuracy });
  }
  return out;
}

/** A standard model a pick is timed beside (its latency set the pick's budget). */
export interface Reference {
  name: string;
  onnx: string;
  testAccuracy: number;
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
  /** On a measured ort-cpu target, the harness's measurement (the median one of the alternating rounds), else null. */
  measurement: Measurement | null;
  /** The reference timed in the same alternating rounds: its median ms and the rounds the pick ran faster in. */
  reference?: Reference & { medianMs: number; rounds: number; fasterRounds: number };
}

/** Alternating rounds of a pick and its reference. */
export const kReferenceRounds = 5;

/**
 * Per run with a budget, the most accurate of `models` (by recorded test accuracy) whose
 * predicted latency on the run's target is within the budget, or null when none is.
 */
export async function pickTrained(
  space: SearchSpace, runs: readonly SearchRun[], profiles: Record<string, string>, models: readonly TrainedModel[],
): Promise<({ model: TrainedModel; predictedLatency: number } | null)[]> {
  return (await predictedPerRun(space, runs, profiles, models)).map((predicted, k) => {
    const within = predicted.filter((c) => c.predictedLatency <= (runs[k].max as number));
    within.sort((a, b) => b.model.testAccuracy - a.model.testAccuracy);
    return within[0] ?? null;
  });
}

/** Per run with a budget, the trained model predicted fastest above it (what comes nearest when none fits), or null. */
export async function nearestOverBudget(
  space: SearchSpace, runs: readonly SearchRun[], profiles: Record<string, string>, models: readonly TrainedModel[],
): Promise<({ model: TrainedModel; predictedLatency: number } | null)[]> {
  return (await predictedPerRun(space, runs, profiles, models)).map((predicted, k) =>
    predicted.filter((c) => c.predictedLatency > (runs[k].max as number)).sort((a, b) => a.predictedLatency - b.predictedLatency)[0] ?? null);
}

/** Each model's predicted latency on each run's target (none for a run without a budget). */
async function predictedPerRun(
  space: SearchSpace, runs: readonly SearchRun[], profiles: Record<string, string>, models: readonly TrainedModel[],
): Promise<{ model: TrainedModel; predictedLatency: number }[][]> {
  const out: { model: TrainedModel; predictedLatency: number }[][] = [];
  for (const run of runs) {
    if (run.max === undefined || models.length === 0) {
      out.push([]);
      continue;
    }
    const model = await createTargetModel(run.resolved, (cfg) => layersOf(space, cfg), { profile: profiles[run.target] });
    const latencies = model.predict(models.map((m) => m.config));
    out.push(models.map((m, k) => ({ model: m, predictedLatency: latencies[k] })));
  }
  return out;
}

/** The measurement with the median `medianMs` of `rounds`. */
function medianRound(rounds: readonly Measurement[]): Measurement {
  return [...rounds].sort((a, b) => a.medianMs - b.medianMs)[Math.floor(rounds.length / 2)];
}

/**
 * Re-measures each picked model's test accuracy, then (after every accuracy, so nothing heavy
 * runs beside a timing) times it on ort-cpu targets - beside its run's reference (`referenceOf`,
 * by run index) in `rounds` alternating rounds when there is one.
 */
export async function verifyTrained(
  runs: readonly SearchRun[], picks: readonly ({ model: TrainedModel; predictedLatency: number } | null)[], test: DataSplit, classes: number, input: TimingInput,
  referenceOf: (run: number) => Reference | undefined = () => undefined, rounds = kReferenceRounds,
): Promise<TrainedPick[]> {
  const chosen = runs.flatMap((run, k) => (picks[k] === null ? [] : [{ k, run, pick: picks[k] as { model: TrainedModel; predictedLatency: number } }]));
  const accuracy = new Map<string, number>();
  for (const { pick } of chosen) {
    if (!accuracy.has(pick.model.onnx)) accuracy.set(pick.model.onnx, await onnxTestAccuracy(pick.model.onnx, test, classes));
  }
  const out: TrainedPick[] = [];
  for (const { k, run, pick } of chosen) {
    const base = { target: run.target, unit: run.unit, budget: run.max as number, model: pick.model, predictedLatency: pick.predictedLatency, testAccuracy: accuracy.get(pick.model.onnx) as number };
    if (run.kind !== 'measured' || run.resolved.name !== 'ort-cpu') {
      out.push({ ...base, measurement: null });
      continue;
    }
    const ref = referenceOf(k);
    const mine: Measurement[] = [];
    const theirs: Measurement[] = [];
    for (let r = 0; r < (ref === undefined ? 1 : rounds); r++) {
      // Each round in a rotated order, so drift shows as spread, not as a difference.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const which of order) {
        if (which === 1 && ref === undefined) continue;
        const m = (await measureOnnxOnTarget(which === 0 ? pick.model.onnx : (ref as Reference).onnx, run.resolved, input)).measurement as Measurement;
        (which === 0 ? mine : theirs).push(m);
      }
    }
    const reference = ref === undefined ? {} : {
      reference: { ...ref, medianMs: medianRound(theirs).medianMs, rounds, fasterRounds: mine.filter((m, r) => m.medianMs < theirs[r].medianMs).length },
    };
    out.push({ ...base, measurement: medianRound(mine), ...reference });
  }
  return out;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * The report section: per budget, the trained model offered and its figures measured here,
 * beside the standard model whose latency set the budget when it was timed with it; `shipped`
 * is how many trained models of the space hwnas ships.
 */
export function trainedMarkdown(
  picks: readonly TrainedPick[], runs: readonly SearchRun[], shipped: number, nearest: readonly ({ model: TrainedModel; predictedLatency: number } | null)[] = [],
): string[] {
  const out = ['## Trained models within each budget', ''];
  if (shipped === 0) {
    out.push('hwnas ships no trained model of this space (`models/deploy/`): the searched configs above are its answer.', '');
    return out;
  }
  out.push(
    'The searched configs above keep the supernet\'s shared weights. hwnas also ships searched configs of this space trained on their own ' +
      `(\`models/deploy/\`, ${shipped}); per budget, the most accurate one predicted within it, its test accuracy re-measured from its ONNX file and its latency ` +
      `measured here, in ${kReferenceRounds} alternating rounds with the standard model whose latency set the budget:`,
    '',
  );
  if (picks.length === 0 && nearest.every((n) => n == null)) {
    out.push(`None of them is predicted within ${runs.length === 1 ? 'the budget' : 'any budget'}.`, '');
    return out;
  }
  out.push('| target | budget | model | test acc (recorded / measured) | predicted latency | measured median | within budget | against the standard model |', '|---|---|---|---|---|---|---|---|');
  // Every budget in the order searched: its pick, or the word that none fits.
  runs.forEach((r, k) => {
    if (r.max === undefined) return;
    const p = picks.find((x) => x.target === r.target && x.budget === r.max);
    if (p === undefined) {
      const near = nearest[k];
      const nearText = near == null ? '' : ` (the nearest: ${near.model.name}, predicted at ${formatLatency(near.predictedLatency, r.unit)}, ` +
        `${(100 * (near.predictedLatency / r.max - 1)).toFixed(1)}% over)`;
      out.push(`| ${r.target} | ${formatLatency(r.max, r.unit)} | none of them predicted within it${nearText} | | | | | |`);
      return;
    }
    const m = p.measurement;
    const measured = m === null ? 'not measured' : `${formatLatency(m.medianMs, 'ms')}${m.flagged ? ' (FLAGGED as too noisy)' : ''}`;
    const within = m === null || m.flagged ? 'unknown' : m.medianMs <= p.budget ? 'yes' : 'no';
    const ref = p.reference;
    const against = ref === undefined ? '' : `${ref.name} (${pct(ref.testAccuracy)}, ${formatLatency(ref.medianMs, 'ms')}): ` +
      `${(100 * (p.testAccuracy - ref.testAccuracy)).toFixed(2).replace(/^(?!-)/, '+')} pp` +
      (m === null ? '' : `, ${(m.medianMs / ref.medianMs).toFixed(2)}x its latency, faster in ${ref.fasterRounds} of ${ref.rounds} rounds`);
    out.push(`| ${p.target} | ${formatLatency(p.budget, p.unit)} | ${p.model.name} (\`${relative(kRoot, p.model.onnx)}\`) | ${pct(p.model.testAccuracy)} / ${pct(p.testAccuracy)} | ` +
      `${formatLatency(p.predictedLatency, p.unit)} | ${measured} | ${within} | ${against} |`);
  });
  out.push('', ...[...new Set(picks.map((p) => p.model))].map((m) => `- ${m.name}: ${m.what}`), '');
  return out;
}
