/**
 * Search speed: configs scored per second by the fitness pool with 1 and 2 workers, and the
 * wall time of a 100 x 100 and a 100 x 500 search (population x generations) in budget mode.
 * Issue floor: 100 x 500 in <= 10 s (OFA's took ~22 s).
 *
 *   npm run bench:search -- [--json out.json] [--workers 1,2] [--predictors fixture,mlp]
 *     [--target rpi4] [--max-latency 0.8] [--searches 100,500] [--seed 1]
 *
 * Predictors:
 *   shipped - the shipped quantization-aware predictor (the fp32 predictor plus its bit branch:
 *             two 3 x 400 MLPs per config), loaded by the product's fitness worker;
 *   mlp     - the project's MlpPredictor, OFA-sized (3 x 400 hidden, bit-aware encoder), with
 *             random weights written to a temporary file and loaded by the product's fitness
 *             worker: the real cost per config; the predicted accuracies themselves mean nothing.
 *   fixture - the linear test fixture (test/fixtures/linearPredictor.ts): search overhead with
 *             a near-free predictor.
 * Either way the latency model is the real target's (default rpi4, an analytic estimate).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EvolutionFinder } from '../evolution/EvolutionFinder.js';
import { FitnessPool } from '../evolution/FitnessPool.js';
import type { FitnessSpec } from '../evolution/types.js';
import { ConfigEncoder } from '../predictors/ConfigEncoder.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { Rng } from '../space/rng.js';
import { fashionMbv3 } from '../space/defaultSpace.js';
import { sampleConfig } from '../space/searchSpace.js';
import { kShipped } from '../pipeline/shippedModels.js';
import { runBench } from './searchBench.js';

const kFlags = {
  json: { type: 'string' },
  workers: { type: 'string', default: '1,2' },
  predictors: { type: 'string', default: 'mlp,fixture' },
  target: { type: 'string', default: 'rpi4' },
  'max-latency': { type: 'string', default: '0.8' },
  searches: { type: 'string', default: '100,500' },
  seed: { type: 'string', default: '1' },
  help: { type: 'boolean', default: false },
} as const;

const kUsage = [
  'npm run bench:search -- [flags]',
  '--predictors LIST   shipped, mlp, fixture (default mlp,fixture)',
  '--workers LIST      fitness worker counts (default 1,2)',
  '--target T          latency target (default rpi4)',
  '--max-latency X     budget in the target\'s unit (default 0.8)',
  '--searches LIST     generations of each 100-population search (default 100,500)',
  '--seed N            search seed (default 1)',
  '--json FILE         also write the figures here',
].join('\n  ');

type Args = ReturnType<typeof parseArgs<{ options: typeof kFlags }>>['values'];

const space = fashionMbv3;
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

/** Positive integers from a comma list, or an error naming the flag. */
function counts(flag: string, text: string): number[] {
  const values = list(text).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--${flag} must be positive integers separated by commas (got '${text}')`);
  return values;
}

interface PredictorSetup {
  name: string;
  spec: FitnessSpec;
  filename?: string;
}

function mlpFile(dir: string): string {
  const rng = new Rng(7);
  const encoder = ConfigEncoder.forSpace(space, { bits: true });
  const dense = (inputs: number, outputs: number) => ({
    inputs, outputs,
    weights: Float32Array.from({ length: inputs * outputs }, () => rng.normal() * Math.sqrt(2 / inputs)),
    bias: new Float32Array(outputs),
  });
  const file = join(dir, 'mlp-3x400-random.json');
  new MlpPredictor(encoder, [dense(encoder.dim, 400), dense(400, 400), dense(400, 400), dense(400, 1)]).save(file);
  return file;
}

function setups(args: Args, dir: string): PredictorSetup[] {
  const targets = [args.target];
  return list(args.predictors).map((name) => {
    if (name === 'shipped') {
      return { name: `shipped predictor ${kShipped.predictors.mixed.file}`, spec: { space, predictor: { file: kShipped.predictors.mixed.file }, targets } };
    }
    if (name === 'mlp') return { name: 'MlpPredictor 3x400 (random weights)', spec: { space, predictor: { file: mlpFile(dir) }, targets } };
    if (name === 'fixture') {
      return {
        name: 'linear test fixture',
        spec: { space, predictor: { file: 'linear-fixture' }, targets },
        filename: new URL('../test/fixtures/linearFitnessWorker.js', import.meta.url).href,
      };
    }
    throw new Error(`--predictors: unknown predictor '${name}' (use shipped, mlp, fixture)`);
  });
}

interface Row {
  predictor: string;
  workers: number;
  /** Configs scored per second in batches of 100 (a generation's children) and of 5,000. */
  perSecondBatch100: number;
  perSecondBatch5000: number;
  searches: { population: number; generations: number; seconds: number; scored: number; bestAccuracy: number; bestLatency: number }[];
}

async function throughput(pool: FitnessPool, batch: number, total: number): Promise<number> {
  const rng = new Rng(99);
  const batches = Array.from({ length: Math.ceil(total / batch) }, () => Array.from({ length: batch }, () => sampleConfig(space, rng, { quant: 'mixed' })));
  await pool.score(batches[0]); // warm-up
  const t0 = performance.now();
  for (const configs of batches) await pool.score(configs);
  return (batches.length * batch) / ((performance.now() - t0) / 1000);
}

async function main(args: Args): Promise<void> {
  const workerCounts = counts('workers', args.workers);
  const generationCounts = counts('searches', args.searches);
  const maxLatency = Number(args['max-latency']);
  if (!(maxLatency > 0)) throw new Error(`--max-latency must be a positive number (got '${args['max-latency']}')`);
  const seed = Number(args.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer (got '${args.seed}')`);
  const dir = mkdtempSync(join(os.tmpdir(), 'hwnas-bench-search-'));
  const rows: Row[] = [];
  const load = os.loadavg()[0];
  console.log(`bench:search on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load.toFixed(1)} at start`);
  console.log(`space ${space.name} (mixed genome), target ${args.target}, budget <= ${maxLatency}; searches 100 x N in budget mode, seed ${seed}`);
  try {
    for (const setup of setups(args, dir)) {
      for (const workers of workerCounts) {
        const pool = await FitnessPool.create(setup.spec, { workers, ...(setup.filename ? { filename: setup.filename } : {}) });
        try {
          const row: Row = {
            predictor: setup.name,
            workers,
            perSecondBatch100: await throughput(pool, 100, 4000),
            perSecondBatch5000: await throughput(pool, 5000, 20000),
            searches: [],
          };
          for (const generations of generationCounts) {
            const finder = new EvolutionFinder(space, pool, { generations, seed });
            const t0 = performance.now();
            const result = await finder.search({ target: args.target, max: maxLatency });
            row.searches.push({
              population: finder.options.populationSize, generations, seconds: (performance.now() - t0) / 1000,
              scored: result.scored, bestAccuracy: result.best.accuracy, bestLatency: result.best.latency,
            });
          }
          rows.push(row);
          const s = row.searches.map((x) => `100x${x.generations} ${x.seconds.toFixed(2)} s (${x.scored} scored)`).join(', ');
          console.log(`${setup.name.padEnd(36)} workers ${workers}: ${Math.round(row.perSecondBatch100)} configs/s (batches of 100), ${Math.round(row.perSecondBatch5000)} configs/s (batches of 5000); ${s}`);
        } finally {
          await pool.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (load > 1.5) console.log(`note: the load average was ${load.toFixed(1)} on ${os.cpus().length} cores; other work shared the cores, so these figures are pessimistic`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ loadAverage: load, target: args.target, maxLatency, seed, rows }, null, 2)}\n`);
}

await runBench('bench:search', kFlags, kUsage, main);
