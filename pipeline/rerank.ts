/**
 * Re-ranking a search's finalists by measurement: the predictor chooses among tens of thousands
 * of configs, so its pick is the one it over-predicts most among near-equals (the optimiser's
 * curse: the picked configs measured 1.0-1.8 pp below their predicted val accuracy while the
 * predictor's held-out error is 0.2-0.5 pp). The K most accurate configs of the front within the
 * budget are evaluated on the val split (BatchNorm recalibrated, as `hwnas collect` does; never
 * test) and the most accurate measured one is chosen, ties to the faster.
 *
 * Configs measured before (a `hwnas collect` dataset) can join them: the predictor leads the
 * search to where it over-predicts, and a config it never proposed may be the better one. On
 * fashion-hybrid the demo's picks within ResNet-8's latency measured 85.5% on val, while the
 * predictor's own dataset held a config within it at 87.3% (BENCHMARKS.md, issue 14). The
 * most accurate known configs within a budget are measured beside the finalists, on the same val
 * images, so the choice never misses one.
 */
import type { ScoredConfig } from '../evolution/types.js';
import type { SubnetEvaluator } from '../predictors/SubnetEvaluator.js';

/** A finalist with what the val split measured. */
export interface ValidatedConfig extends ScoredConfig {
  /** Measured top-1 accuracy on the val split, a fraction. */
  valAccuracy: number;
  /** Val images it was measured on. */
  valImages: number;
  /** For a config that joined from a dataset of measured configs: the val accuracy recorded there. */
  knownAccuracy?: number;
}

/** A config measured before (from a dataset), scored as the search scores, with the accuracy recorded. */
export interface KnownConfig extends ScoredConfig {
  knownAccuracy: number;
}

export interface Rerank {
  /** Finalists, most accurate predicted first, then the known configs that joined them (most accurate recorded first). */
  candidates: ValidatedConfig[];
  /** Index in `candidates` of the chosen config. */
  chosen: number;
}

/**
 * The `k` most accurate distinct configs (predicted) of a front, most accurate first. A front
 * merged from two searches can hold one config twice (e.g. a float architecture and its
 * all-32-bit bits assignment, the same deployed model); it is measured once.
 */
export function finalists(front: readonly ScoredConfig[], k: number): ScoredConfig[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`the number of finalists must be a positive integer (got ${k})`);
  return [...front].sort((a, b) => b.accuracy - a.accuracy || a.latency - b.latency).filter(firstOfEach()).slice(0, k);
}

/** A filter keeping the first of each config it is shown (`seen`: keys already taken). */
function firstOfEach(seen = new Set<string>()): (c: { config: ScoredConfig['config'] }) => boolean {
  return (c) => {
    const key = JSON.stringify(c.config);
    return !seen.has(key) && seen.add(key) !== undefined;
  };
}

/** Known configs (a dataset's) measured beside the finalists of each budget: `hwnas search --known`. */
export const kKnownPerBudget = 3;

/**
 * Measures every candidate with `evaluator` (up to its concurrency at once) and chooses the most
 * accurate on val, ties to the lower predicted latency. Rejects on a failed evaluation.
 */
export async function rerankByValidation(candidates: readonly (ScoredConfig | KnownConfig)[], evaluator: SubnetEvaluator): Promise<Rerank> {
  if (candidates.length === 0) throw new RangeError('re-ranking needs at least one candidate');
  const results: ValidatedConfig[] = new Array(candidates.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < candidates.length) {
      const i = next++;
      const sample = await evaluator.evaluate(candidates[i].config);
      results[i] = { ...candidates[i], valAccuracy: sample.accuracy, valImages: sample.n };
    }
  };
  await Promise.all(Array.from({ length: Math.min(evaluator.concurrency, candidates.length) }, lane));
  let chosen = 0;
  results.forEach((r, i) => {
    const c = results[chosen];
    if (r.valAccuracy > c.valAccuracy || (r.valAccuracy === c.valAccuracy && r.latency < c.latency)) chosen = i;
  });
  return { candidates: results, chosen };
}

/**
 * The `k` finalists of `front`, and the `known` configs none of them is, measured with
 * `evaluator`: the chosen config in the ScoredConfig shape of a search's `best`, and the
 * re-ranking record.
 */
export async function rerankFront(
  front: readonly ScoredConfig[], k: number, evaluator: SubnetEvaluator, known: readonly KnownConfig[] = [],
): Promise<{ best: ScoredConfig; rerank: Rerank }> {
  const { picked, joined } = rerankCandidates(front, k, known);
  const rerank = await rerankByValidation([...picked, ...joined], evaluator);
  const { valAccuracy: _v, valImages: _n, knownAccuracy: _k, ...best } = rerank.candidates[rerank.chosen];
  return { best, rerank };
}

/** What rerankFront measures: the `k` finalists of `front`, and the `known` configs that are none of them. */
export function rerankCandidates(
  front: readonly ScoredConfig[], k: number, known: readonly KnownConfig[] = [],
): { picked: ScoredConfig[]; joined: KnownConfig[] } {
  const picked = finalists(front, k);
  return { picked, joined: known.filter(firstOfEach(new Set(picked.map((c) => JSON.stringify(c.config))))) };
}

/**
 * The `count` most accurate (as recorded) of `known`'s configs whose predicted latency on target
 * `index` of `scores` is within `max`; `scores` holds the search's scores of `known`, in order.
 */
export function knownWithin(
  known: readonly { config: ScoredConfig['config']; accuracy: number }[], scores: { accuracy: Float64Array; latency: Float64Array },
  targets: readonly string[], index: number, max: number, count: number,
): KnownConfig[] {
  const n = targets.length;
  return known
    .map((s, i) => {
      const latencies = Object.fromEntries(targets.map((t, j) => [t, scores.latency[i * n + j]]));
      return { config: s.config, accuracy: scores.accuracy[i], latency: scores.latency[i * n + index], latencies, knownAccuracy: s.accuracy };
    })
    .filter((c) => c.latency <= max)
    .sort((a, b) => b.knownAccuracy - a.knownAccuracy || a.latency - b.latency)
    .filter(firstOfEach())
    .slice(0, count);
}
