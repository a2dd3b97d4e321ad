/**
 * Search quality at equal latency on ort-cpu:1: does the joint search beat the baselines?
 *
 *   npm run bench:quality -- [--budgets 0.5,0.75] [--population 100] [--generations 500] [--seed 0]
 *     [--checkpoint F] [--predictor F] [--fp32-predictor F] [--profile F] [--quant mixed|fp32]
 *     [--workers 2] [--out runs/bench-quality] [--force] [--json FILE]
 *
 * Each budget is a fraction of the largest fp32 subnet's predicted ort-cpu:1 latency (from the
 * --profile), rounded as `hwnas demo` rounds it. Under the same predicted-latency budget every
 * method chooses one config, all scored by the same quantization-aware predictor (--predictor)
 * and latency model:
 *   searched   the joint-genome budget search (architecture + width + per-block bits), run by
 *              runSearches exactly as `hwnas search` runs it;
 *   random     as many distinct random joint-genome configs as the search scored (seeded with
 *              --seed): randomSearch; the most accurate within the budget;
 *   hand-made  the uniform family (handMadeFamily): one kernel, one expand ratio, one bit-width
 *              (fp32 or w8a8) for every block, every stage at its largest depth, one width ratio
 *              for all stages - scaled by uniform depth too when no member fits; its best within;
 *   separate   architecture first (the fp32 budget search with --fp32-predictor, same settings,
 *              also through runSearches), then bits for that architecture: an EvolutionFinder
 *              over the bits of its running blocks only (bitsGenome), same budget and settings.
 *              The fp32 architecture as a float model is a candidate too (it is also the
 *              all-32-bit corner of the bits genome, see deployedConfig).
 * and the largest subnet (fp32) as the reference. Then every chosen config is verified by
 * runVerify, as `hwnas verify` does: exported, its test accuracy on all 10,000 test images in
 * onnxruntime, its latency on ort-cpu:1 with the measurement harness (all exports first).
 *
 * The half-latency check: does a config at <= 1/2 of the largest subnet's MEASURED latency lose
 * <= 1 pp test accuracy? It takes the searched config of the 0.5 budget; when that one measures
 * above half (or 0.5 is not among --budgets) it searches once more at 0.5 x the largest's
 * measured latency, scaled by the predicted/measured ratio of that config (or of the largest),
 * and verifies that one.
 *
 * --quant fp32 runs every stage on the fp32 genome (no bits stage, fp32-only family): for smoke
 * runs without a quantization-aware predictor, not for figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { parseArgs } from 'node:util';
import { bestWithin } from '../evolution/bestWithin.js';
import { InfeasibleBudgetError } from '../evolution/errors.js';
import { EvolutionFinder } from '../evolution/EvolutionFinder.js';
import { FitnessPool } from '../evolution/FitnessPool.js';
import { handMadeFamily, type UniformBits } from '../evolution/handMadeFamily.js';
import { randomSearch } from '../evolution/randomSearch.js';
import { bitsGenome } from '../evolution/searchGenome.js';
import type { LatencyBudget, ScoredConfig } from '../evolution/types.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { rerankFront } from '../pipeline/rerank.js';
import { PoolEvaluator, type SubnetEvaluator } from '../predictors/SubnetEvaluator.js';
import { calibrationSet } from '../supernet/evaluate.js';
import { buildFolderAtomic } from '../util/atomicWrite.js';
import { largestConfig } from '../space/searchSpace.js';
import type { SubnetConfig } from '../space/types.js';
import { computedBudgets, demoRuns } from '../pipeline/demo.js';
import { runSearches, searchQuant } from '../pipeline/search.js';
import { runVerify } from '../pipeline/verify.js';
import { resolveTarget } from '../latency/targets.js';
import { formatLatency } from '../pipeline/latencyArg.js';
import type { SearchRun } from '../pipeline/searchOutput.js';
import { chosenConfig, type ChosenConfig } from '../pipeline/searchResultFile.js';
import { kShipped } from '../pipeline/shippedModels.js';
import type { VerifyRow } from '../pipeline/verifyConfigs.js';
import { describeMachine } from '../pipeline/verifyReport.js';
import { intFlag } from './args.js';
import { halfCheck, type HalfCheckInputs } from './halfCheck.js';
import { halfCheckLine, qualityTable, type Choice } from './qualityReport.js';
import {
  inputFile, kSearchBenchFlags, kSearchBenchUsage, parseFractions, runBench, searchBenchSettings, startSearchBench, writeBenchJson,
} from './searchBench.js';

const kTarget = 'ort-cpu:1';
const kResolvedTarget = resolveTarget(kTarget);

const kFlags = {
  ...kSearchBenchFlags,
  'fp32-predictor': { type: 'string' },
  profile: { type: 'string' },
  budgets: { type: 'string', default: '0.5,0.75' },
  rerank: { type: 'string', default: '5' },
} as const;

const kUsage = [
  'npm run bench:quality -- [flags]',
  '--budgets F,F          budgets as fractions of the largest fp32 subnet\'s predicted ort-cpu:1 latency (default 0.5,0.75)',
  `--fp32-predictor FILE  fp32 predictor of the separate search's architecture stage (default ${kShipped.predictors.fp32.file})`,
  `--profile FILE         latency profile of ort-cpu:1 (default ${kShipped.profiles[kTarget].file})`,
  '--rerank K             every method measures its K most accurate predicted finalists on val and keeps the best measured (0 = by the predictor alone; default 5)',
  ...kSearchBenchUsage,
].join('\n  ');

interface QualityInputs extends HalfCheckInputs {
  fp32Predictor: string;
}

/** A method's choice re-ranked on val among the finalists of its `front` (as runSearches does for a search), or `best` as it is. */
async function rerankChoice(q: QualityInputs, front: readonly ScoredConfig[], best: ScoredConfig | null): Promise<Pick<Choice, 'best' | 'rerank'>> {
  if (q.rerank === undefined || best === null) return { best };
  return rerankFront(front, q.rerank.k, q.rerank.evaluator);
}

/** What a method chose under one budget, as a ChosenConfig for runVerify (its file written to `dir`). */
function chosenOf(q: QualityInputs, c: Choice, dir: string): ChosenConfig {
  const best = c.best as ScoredConfig;
  const file = `${c.method}-${c.fraction === null ? 'reference' : `b${c.fraction}`}.json`;
  writeFileSync(join(dir, file), `${JSON.stringify({ method: c.method, fraction: c.fraction, target: kTarget, maxLatency: c.budget, scored: c.scored, note: c.note, ...best }, null, 2)}\n`);
  return {
    source: join(q.s.out, 'baselines', file), target: kTarget, resolved: kResolvedTarget, unit: 'ms', maxLatency: c.budget, best, space: q.space,
    checkpoint: q.s.checkpoint, predictor: q.s.predictor, quant: best.config.wBits === undefined ? 'fp32' : 'mixed',
  };
}

/** The separate search's second stage: bits for the fp32 architecture, or the architecture kept as fp32. */
async function separateSearch(q: QualityInputs, pool: FitnessPool, architecture: SubnetConfig, archScored: number, budget: LatencyBudget): Promise<Omit<Choice, 'fraction'>> {
  const keep = await bestWithin(q.space, pool, [architecture], budget);
  let best = keep.best;
  let front = keep.front;
  let scored = archScored + keep.scored;
  let note: string;
  if (q.s.quant === 'fp32') {
    note = 'fp32 architecture search only (--quant fp32: no bits stage)';
  } else {
    try {
      const bits = await new EvolutionFinder(q.space, pool, { ...q.s.search, quant: 'mixed' }, bitsGenome(q.space, architecture)).search(budget);
      scored += bits.scored;
      const better = best === null || bits.best.accuracy > best.accuracy || (bits.best.accuracy === best.accuracy && bits.best.latency < best.latency);
      if (better) best = bits.best;
      front = [...front, ...bits.front];
      note = `fp32 architecture (${archScored} scored), then its bits (${bits.scored} scored): ${better ? 'bits chosen' : 'fp32 kept, no bit assignment predicted better'}`;
    } catch (err) {
      if (!(err instanceof InfeasibleBudgetError)) throw err;
      note = `fp32 architecture (${archScored} scored); no bit assignment of it fits the budget (fastest ${formatLatency(err.fastest, err.unit)}), fp32 kept`;
    }
  }
  return { method: 'separate', budget: budget.max, ...(await rerankChoice(q, front, best)), scored, note };
}

/** The hand-made family's best within the budget: at max depth, or scaled by uniform depth too when no member fits. */
async function handMade(q: QualityInputs, pool: FitnessPool, budget: LatencyBudget): Promise<Omit<Choice, 'fraction'>> {
  const bits: UniformBits[] = q.s.quant === 'mixed' ? ['fp32', { w: 8, a: 8 }] : ['fp32'];
  let members = handMadeFamily(q.space, { bits, depths: 'max' });
  let result = await bestWithin(q.space, pool, members, budget);
  let scaling = 'width (max depth)';
  if (result.best === null) {
    members = handMadeFamily(q.space, { bits, depths: 'uniform' });
    result = await bestWithin(q.space, pool, members, budget);
    scaling = 'width and uniform depth (no max-depth member fits)';
  }
  const note = `family of ${members.length} (${bits.map((b) => (b === 'fp32' ? 'fp32' : `w${b.w}a${b.a}`)).join(' or ')}; scaled by ${scaling}), ${result.within} within the budget`;
  return { method: 'hand-made', budget: budget.max, ...(await rerankChoice(q, result.front, result.best)), scored: result.scored, note };
}

/** Every method's choice per budget, plus the largest subnet; searches and baselines only (no tfjs work). */
async function choose(q: QualityInputs, runs: readonly SearchRun[], fractions: readonly number[], largestLatency: number, dir: string): Promise<{ choices: Choice[]; chosen: ChosenConfig[] }> {
  const { s, space, profiles } = q;
  const job = { space, runs, pareto: false, options: s.search, workers: s.workers, checkpoint: s.checkpoint, profiles, rerank: q.rerank };
  const searched = await runSearches({ ...job, predictor: s.predictor, quant: s.quant, out: join(dir, 'search') });
  const architectures = await runSearches({ ...job, predictor: q.fp32Predictor, quant: 'fp32', out: join(dir, 'separate-architecture') });
  const pool = await FitnessPool.create({ space, predictor: { file: s.predictor }, targets: [kTarget], profiles }, { workers: s.workers });
  const choices: Choice[] = [];
  const chosen: ChosenConfig[] = [];
  mkdirSync(join(dir, 'baselines'));
  try {
    const reference = await bestWithin(space, pool, [largestConfig(space)], { target: kTarget, max: Infinity });
    if (reference.best === null) throw new Error(`the predictor ${s.predictor} gave no finite accuracy for the largest subnet`);
    choices.push({ method: 'largest', fraction: null, budget: largestLatency, best: reference.best, scored: 1, note: 'the largest subnet, fp32 (reference)' });
    for (const [k, run] of runs.entries()) {
      const fraction = fractions[k];
      const budget: LatencyBudget = { target: kTarget, max: run.max as number };
      const search = chosenConfig(join(s.out, 'search', run.file), searched[k]);
      const scored = searched[k].scored;
      console.error(`${formatLatency(budget.max, 'ms')}: baselines (random ${scored}, hand-made family, separate search)`);
      const random = await randomSearch(space, pool, budget, { count: scored, seed: s.search.seed, quant: s.quant });
      const arch = chosenConfig(join(s.out, 'separate-architecture', run.file), architectures[k]);
      if (q.rerank) console.error(`${formatLatency(budget.max, 'ms')}: measuring each baseline's ${q.rerank.k} finalists on val`);
      const list: Array<Omit<Choice, 'fraction'>> = [
        { method: 'searched', budget: budget.max, best: search.best, rerank: searched[k].rerank, scored, note: `joint genome (${s.quant}), population ${s.population}, ${s.search.generations} generations` },
        { method: 'random', budget: budget.max, ...(await rerankChoice(q, random.front, random.best)), scored: random.scored, note: `${random.scored} random ${s.quant} configs, ${random.within} within the budget` },
        await handMade(q, pool, budget),
        await separateSearch(q, pool, arch.best.config, architectures[k].scored, budget),
      ];
      for (const c of list) choices.push({ ...c, fraction });
      chosen.push(search);
    }
  } finally {
    await pool.close();
  }
  for (const c of choices) {
    if (c.method !== 'searched' && c.best !== null) chosen.push(chosenOf(q, c, join(dir, 'baselines')));
  }
  return { choices, chosen };
}

/** The verified row of a choice, or null when it chose nothing. */
function rowOf(chosen: readonly ChosenConfig[], rows: readonly VerifyRow[], c: Choice): VerifyRow | null {
  return c.best === null ? null : rows[chosen.findIndex((x) => x.best === c.best)];
}

async function main(args: ReturnType<typeof parseArgs<{ options: typeof kFlags }>>['values']): Promise<void> {
  const t0 = Date.now();
  const s = searchBenchSettings(args, 'runs/bench-quality');
  const fractions = parseFractions('budgets', args.budgets);
  const fp32Predictor = inputFile('fp32-predictor', args['fp32-predictor'], kShipped.predictors.fp32);
  const profile = inputFile('profile', args.profile, kShipped.profiles[kTarget]);
  const ctx = await startSearchBench(s);
  let evaluator: SubnetEvaluator | undefined;
  try {
    const space = ctx.loaded.net.space;
    searchQuant(MlpPredictor.load(fp32Predictor, space), fp32Predictor, 'fp32');
    const k = intFlag('rerank', args.rerank, 0);
    evaluator = k > 0 ? await PoolEvaluator.create({ checkpoint: s.checkpoint, val: ctx.data.val, calibration: calibrationSet(ctx.data.train), workers: s.workers }) : undefined;
    const q: QualityInputs = {
      target: kTarget, s, ctx, space, fp32Predictor, profiles: { [kTarget]: profile }, ...(evaluator ? { rerank: { k, evaluator } } : {}),
    };
    const [basis] = await computedBudgets(space, [kResolvedTarget], q.profiles, fractions);
    const largestLatency = basis.largest as number;
    const runs = demoRuns([kTarget], [], [basis]);
    console.error(`${kTarget}: largest subnet predicted at ${formatLatency(largestLatency, 'ms')}; budgets ${runs.map((r) => formatLatency(r.max as number, 'ms')).join(', ')}`);
    const done = await buildFolderAtomic(s.out, async (dir) => {
      const { choices, chosen } = await choose(q, runs, fractions, largestLatency, dir);
      mkdirSync(join(dir, 'verify'));
      const verified = await runVerify(chosen, ctx.loaded, s.checkpoint, ctx.data, join(dir, 'verify'));
      const rows = choices.map((c) => rowOf(chosen, verified.rows, c));
      const largestRow = rows[0] as VerifyRow;
      const halfIndex = choices.findIndex((c) => c.method === 'searched' && c.fraction === 0.5);
      const half = await halfCheck(q, largestRow, halfIndex < 0 ? null : rows[halfIndex], dir);
      const report = {
        format: 'hwnas-bench-quality', version: 1, createdAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000,
        machine: verified.provenance.machine, target: kTarget,
        settings: {
          checkpoint: s.checkpoint, predictor: s.predictor, fp32Predictor, profile, quant: s.quant, rerank: q.rerank?.k ?? 0,
          population: s.population, generations: s.search.generations, seed: s.search.seed, workers: s.workers,
        },
        largestPredictedLatency: largestLatency,
        choices: choices.map((c, k) => ({ ...c, verified: rows[k] })),
        halfCheck: half,
      };
      writeBenchJson(join(dir, 'quality.json'), report);
      return { report, choices, rows, half, machine: verified.provenance.machine };
    });
    if (s.json !== null) writeBenchJson(s.json, done.report);
    console.log(`Search quality on ${kTarget} (${describeMachine(done.machine)}); ${s.quant} genome, population ${s.population}, ${s.search.generations} generations, seed ${s.search.seed}; predictor ${s.predictor}.`);
    for (const fraction of [...new Set(done.choices.flatMap((c) => (c.fraction === null ? [] : [c.fraction])))]) {
      const mine = done.choices.map((c, k) => ({ c, row: done.rows[k] })).filter(({ c }) => c.fraction === fraction || c.fraction === null);
      console.log('');
      console.log(`### ${Math.round(100 * fraction)}% of the largest subnet's predicted latency: ${formatLatency(mine[1].c.budget, 'ms')}`);
      console.log('');
      console.log(qualityTable(space, mine));
    }
    console.log('');
    console.log(halfCheckLine(done.half));
    console.error(`wrote ${s.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await evaluator?.close();
    ctx.loaded.net.dispose();
  }
}

await runBench('bench:quality', kFlags, kUsage, main);
