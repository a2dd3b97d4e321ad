/**
 * The half-latency check of bench/searchQuality.ts: does a config at <= 1/2 of the largest
 * subnet's MEASURED latency on the target lose <= 1 pp test accuracy against it? It judges the
 * searched config of the 0.5 budget. When that one measures above half (prediction error), or
 * 0.5 is not among the budgets, it searches once more (runSearches, as `hwnas search`) at
 * 0.5 x the largest's measured latency scaled by the predicted/measured ratio of that config
 * (or of the largest), verifies the new config (runVerify) and judges it. A flagged
 * measurement makes the check 'unknown', never a pass or a fail.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EvolutionFinder } from '../evolution/EvolutionFinder.js';
import { FitnessPool } from '../evolution/FitnessPool.js';
import type { SubnetEvaluator } from '../predictors/SubnetEvaluator.js';
import type { SearchSpace } from '../space/types.js';
import { planSearchRuns, runSearches } from '../pipeline/search.js';
import { runVerify } from '../pipeline/verify.js';
import { formatLatency } from '../pipeline/latencyArg.js';
import { chosenConfig } from '../pipeline/searchResultFile.js';
import type { VerifyRow } from '../pipeline/verifyConfigs.js';
import type { SearchBenchContext, SearchBenchSettings } from './searchBench.js';

/** The follow-up's folder inside the output folder. */
const kFolder = 'half-check';

export interface HalfCheckInputs {
  /** The measured target, e.g. 'ort-cpu:1'. */
  target: string;
  s: SearchBenchSettings;
  ctx: SearchBenchContext;
  space: SearchSpace;
  /** Latency profile per target spec (the target's). */
  profiles: Record<string, string>;
  /** Finalists measured on val before choosing (as runSearches' `rerank`); absent: by the predictor alone. */
  rerank?: { k: number; evaluator: SubnetEvaluator };
}

export interface HalfCheck {
  status: 'pass' | 'fail' | 'unknown';
  reason: string;
  /** The largest subnet's measured median, null when its measurement was flagged. */
  largestMs: number | null;
  largestTest: number;
  /** The extra search, when the 0.5 budget's config did not do. */
  followUp: { budget: number; reason: string } | null;
  /** The config checked, and its model file relative to the output folder. */
  row: VerifyRow | null;
  model: string | null;
}

/** A usable (unflagged) measured median, or null. */
function measuredMs(row: VerifyRow | null): number | null {
  const m = row?.latency.measurement ?? null;
  return m === null || m.flagged ? null : m.medianMs;
}

/**
 * The check of the 0.5 budget's searched config `half` (null when there is none) against the
 * `largest`, both verified into `root`/verify; a follow-up goes into `root`/half-check.
 */
export async function halfCheck(q: HalfCheckInputs, largest: VerifyRow, half: VerifyRow | null, root: string): Promise<HalfCheck> {
  const largestMs = measuredMs(largest);
  const base = { largestMs, largestTest: largest.testAccuracy, followUp: null, row: half, model: half === null ? null : `verify/${half.model.file}` };
  if (largestMs === null) return { ...base, status: 'unknown', reason: "the largest subnet's latency measurement was FLAGGED as too noisy" };
  const halfMs = measuredMs(half);
  if (half !== null && halfMs === null) return { ...base, status: 'unknown', reason: "the 0.5 budget's config latency measurement was FLAGGED as too noisy" };
  if (half !== null && (halfMs as number) <= largestMs / 2) return judge(base);
  const ref = half ?? largest;
  const budget = Number(((0.5 * largestMs * ref.predicted.latency) / (measuredMs(ref) as number)).toPrecision(4));
  const why = half === null ? '--budgets has no 0.5' : `the 0.5 budget's config measured ${formatLatency(halfMs as number, 'ms')}, above half of the largest`;
  console.error(`half-latency check: ${why}; searching again at ${formatLatency(budget, 'ms')} predicted`);
  const probe = await FitnessPool.create({ space: q.space, predictor: { file: q.s.predictor }, targets: [q.target], profiles: q.profiles }, { workers: q.s.workers });
  let fastest: number;
  try {
    fastest = (await new EvolutionFinder(q.space, probe, { ...q.s.search, quant: q.s.quant }).fastest(q.target)).latency;
  } finally {
    await probe.close();
  }
  if (fastest > budget) {
    return { ...base, followUp: { budget, reason: why }, status: 'fail', reason: `no config reaches the follow-up budget: the fastest predicted is ${formatLatency(fastest, 'ms')}`, row: null, model: null };
  }
  const dir = join(root, kFolder);
  mkdirSync(dir);
  const runs = planSearchRuns([q.target], [String(budget)], false);
  const [outcome] = await runSearches({
    space: q.space, runs, predictor: q.s.predictor, quant: q.s.quant, pareto: false, options: q.s.search, workers: q.s.workers,
    checkpoint: q.s.checkpoint, profiles: q.profiles, out: join(dir, 'search'), rerank: q.rerank,
  });
  const chosen = chosenConfig(join(q.s.out, kFolder, 'search', runs[0].file), outcome);
  mkdirSync(join(dir, 'verify'));
  const { rows } = await runVerify([chosen], q.ctx.loaded, q.s.checkpoint, q.ctx.data, join(dir, 'verify'));
  const checked = { ...base, followUp: { budget, reason: why }, row: rows[0], model: `${kFolder}/verify/${rows[0].model.file}` };
  if (measuredMs(rows[0]) === null) return { ...checked, status: 'unknown', reason: "the follow-up config's latency measurement was FLAGGED as too noisy" };
  return judge(checked);
}

function judge(c: Omit<HalfCheck, 'status' | 'reason'>): HalfCheck {
  const row = c.row as VerifyRow;
  const ratio = (measuredMs(row) as number) / (c.largestMs as number);
  const loss = 100 * (c.largestTest - row.testAccuracy);
  const pass = ratio <= 0.5 && loss <= 1;
  return { ...c, status: pass ? 'pass' : 'fail', reason: `measured ${ratio.toFixed(3)}x the largest's latency, ${loss.toFixed(2)} pp test accuracy lost` };
}
