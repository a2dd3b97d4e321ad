/**
 * Condensa (Joseph et al. 2020): a programmable scheme (compress/schemes.ts) with a few
 * parameters, and a constrained Bayesian optimisation that sets them in a handful of
 * evaluations.
 *
 * The candidates are the scheme's distinct grid policies within the latency budget. A GP
 * (refitted after every evaluation) models accuracy over the scheme's parameters; the threshold
 * is the original accuracy minus `maxAccuracyLoss`; the incumbent is the fastest evaluated
 * policy at or above it. Only unevaluated candidates faster than the incumbent can improve on
 * it, so both phases choose among those:
 *  1. Level set (the first `phase1Share` of the evaluations): the slowest and the fastest
 *     candidate (plus d - 1 seeded random ones for a d-parameter scheme), then the candidate of
 *     largest ambiguity sqrt(beta) * sigma(x) - |mu(x) - threshold| (the straddle / LSE rule of
 *     Gotovos et al. 2013): where the GP is least sure on which side of the threshold it lies.
 *  2. Objective: the fastest candidate whose lower confidence bound mu - sqrt(beta) * sigma
 *     clears the threshold (latency is known and cheap, so this is a search, not a second GP);
 *     when none clears it, the most ambiguous one again.
 * The search stops at `options.evaluations` distinct policies, or earlier when no candidate
 * faster than the incumbent is left. `best` is, as for every method, the most accurate
 * evaluated policy; `chosen` is Condensa's own answer, the incumbent.
 */
import { Rng } from '../space/rng.js';
import { GaussianProcess, type KernelName } from './gp.js';
import { schemeByName, schemeGrid, type Scheme, type SchemeName } from './schemes.js';
import type { CompressMethod, CompressMethodOptions, CompressOutcome, CompressProblem, PolicyResult } from './types.js';
import { checkMethodOptions, mostAccurate } from './methodOptions.js';

export interface CondensaOptions {
  /** A built-in scheme's name (`kSchemeNames`) or a scheme composed in code. */
  scheme?: SchemeName | Scheme;
  /** Accuracy the compressed network may lose, a fraction (0.005 = 0.5 points). */
  maxAccuracyLoss?: number;
  /** Share of the evaluations spent on the level-set phase, in (0, 1]. */
  phase1Share?: number;
  /** Width of the confidence band, in variances: the band is mu +- sqrt(beta) * sigma. */
  beta?: number;
  /** Grid values per scheme parameter (the candidates are its distinct policies). */
  gridPoints?: number;
  kernel?: KernelName;
}

export const kDefaultCondensaOptions: Readonly<Required<CondensaOptions>> = Object.freeze({
  scheme: 'pruneAll',
  maxAccuracyLoss: 0.005,
  phase1Share: 0.5,
  beta: 4,
  gridPoints: 33,
  kernel: 'matern52',
});

/** Condensa's outcome: the method's common outcome plus its own answer. */
export interface CondensaOutcome extends CompressOutcome {
  /** Accuracy every accepted policy must reach. */
  threshold: number;
  /** The incumbent after phase 1: the fastest evaluated policy at or above the threshold. */
  phase1: PolicyResult | undefined;
  /** The incumbent at the end: Condensa's answer. */
  chosen: PolicyResult | undefined;
}

function resolve(options: CondensaOptions): Required<CondensaOptions> & { resolved: Scheme } {
  const o = { ...kDefaultCondensaOptions, ...options };
  const resolved = typeof o.scheme === 'string' ? schemeByName(o.scheme) : o.scheme;
  if (typeof resolved?.apply !== 'function' || !Array.isArray(resolved.params)) {
    throw new RangeError('options.scheme must be a scheme name or a Scheme made with prune/quantize/compose');
  }
  if (!(o.maxAccuracyLoss >= 0 && o.maxAccuracyLoss < 1)) throw new RangeError(`options.maxAccuracyLoss must be in [0, 1) (got ${o.maxAccuracyLoss})`);
  if (!(o.phase1Share > 0 && o.phase1Share <= 1)) throw new RangeError(`options.phase1Share must be in (0, 1] (got ${o.phase1Share})`);
  if (!(o.beta > 0 && Number.isFinite(o.beta))) throw new RangeError(`options.beta must be a positive number (got ${o.beta})`);
  if (o.kernel !== 'rbf' && o.kernel !== 'matern52') throw new RangeError(`options.kernel must be 'rbf' or 'matern52' (got ${String(o.kernel)})`);
  if (!Number.isInteger(o.gridPoints) || o.gridPoints < 2) throw new RangeError(`options.gridPoints must be an integer >= 2 (got ${o.gridPoints})`);
  return { ...o, resolved };
}

interface Candidate {
  x: number[];
  latencyMs: number;
  policy: PolicyResult['policy'];
}

export class CondensaMethod implements CompressMethod {
  readonly name = 'condensa' as const;
  private readonly o: ReturnType<typeof resolve>;

  constructor(options: CondensaOptions = {}) {
    this.o = resolve(options);
  }

  async run(problem: CompressProblem, options: CompressMethodOptions): Promise<CondensaOutcome> {
    checkMethodOptions(options);
    const { resolved: scheme, beta, kernel } = this.o;
    const threshold = problem.original.accuracy - this.o.maxAccuracyLoss;
    const grid = schemeGrid(scheme, problem, this.o.gridPoints).map((p) => ({ ...p, latencyMs: problem.latencyMs(p.policy) }));
    const cands: Candidate[] = grid.filter((c) => c.latencyMs <= options.maxLatencyMs);
    if (cands.length === 0) {
      const fastest = Math.min(...grid.map((c) => c.latencyMs));
      throw new RangeError(
        `CondensaMethod: none of scheme ${scheme.name}'s ${grid.length} policies is within options.maxLatencyMs = ${options.maxLatencyMs} ms ` +
          `(the fastest takes ${fastest.toFixed(4)} ms): raise the budget or pick a scheme that compresses more`,
      );
    }
    const limit = Math.min(options.evaluations, cands.length);
    const rng = new Rng(options.seed);
    const done = new Map<number, PolicyResult>();
    const history: PolicyResult[] = [];
    const incumbent = (): PolicyResult | undefined =>
      history.filter((r) => r.accuracy >= threshold).reduce<PolicyResult | undefined>((a, r) => (!a || r.latencyMs < a.latencyMs ? r : a), undefined);
    const evaluate = async (i: number): Promise<void> => {
      const r = await problem.evaluate(cands[i].policy);
      done.set(i, r);
      history.push(r);
      options.onProgress?.(history.length, limit, mostAccurate(history, options.maxLatencyMs));
    };
    /**
     * The next candidate, or undefined when none is left: only unevaluated candidates faster
     * than the incumbent can improve on it. Phase 2 takes the fastest whose lower confidence
     * bound clears the threshold; phase 1, and phase 2 when none does, the most ambiguous.
     */
    const next = (phase: 1 | 2): number | undefined => {
      const bar = incumbent()?.latencyMs ?? Infinity;
      const faster = cands.flatMap((c, i) => (!done.has(i) && c.latencyMs < bar ? [i] : []));
      if (faster.length === 0) return undefined;
      const ev = [...done.keys()];
      const gp = GaussianProcess.fit(ev.map((i) => cands[i].x), ev.map((i) => done.get(i)!.accuracy), { kernel });
      const p = gp.predict(faster.map((i) => cands[i].x));
      const band = p.variance.map((v) => Math.sqrt(beta * v));
      const all = faster.map((_, k) => k);
      const safe = all.filter((k) => p.mean[k] - band[k] >= threshold);
      if (phase === 2 && safe.length > 0) return argBest(safe, (k) => -cands[faster[k]].latencyMs, faster, cands);
      return argBest(all, (k) => band[k] - Math.abs(p.mean[k] - threshold), faster, cands);
    };

    for (const i of initialDesign(cands, scheme.params.length, rng)) if (history.length < limit && !done.has(i)) await evaluate(i);
    const phase1End = Math.max(history.length, Math.round(limit * this.o.phase1Share));
    for (let i = next(1); i !== undefined && history.length < phase1End; i = history.length < phase1End ? next(1) : undefined) await evaluate(i);
    const phase1 = incumbent();
    for (let i = history.length < limit ? next(2) : undefined; i !== undefined; i = history.length < limit ? next(2) : undefined) await evaluate(i);
    return { method: 'condensa', best: mostAccurate(history, options.maxLatencyMs), history, threshold, phase1, chosen: incumbent() };
  }
}

/** The slowest and the fastest candidate, then d - 1 seeded random ones. */
function initialDesign(cands: Candidate[], d: number, rng: Rng): number[] {
  const order = cands.map((_, i) => i).sort((a, b) => cands[a].latencyMs - cands[b].latencyMs || a - b);
  const picks = [order[order.length - 1], order[0]];
  for (let k = 1; k < d; k++) picks.push(rng.int(cands.length));
  return picks;
}

/** ids[ks[j]] of largest score(ks[j]); ties go to the faster candidate, then the earlier. */
function argBest(ks: number[], score: (k: number) => number, ids: number[], cands: Candidate[]): number {
  let best = ks[0];
  for (const k of ks.slice(1)) {
    const d = score(k) - score(best);
    if (d > 1e-12 || (Math.abs(d) <= 1e-12 && cands[ids[k]].latencyMs < cands[ids[best]].latencyMs)) best = k;
  }
  return ids[best];
}
