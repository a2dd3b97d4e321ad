/**
 * What the search-quality benchmarks (bench/searchQuality.ts, bench/specialise.ts) share: the
 * flags naming their inputs (defaults: the shipped artifacts of scripts/shippedModels.ts) and
 * the search settings, checked before any work; the start-up (backend, supernet, predictor,
 * data); and the frame that turns a thrown error into one line and exit code 1. Searches run
 * through `runSearches` and verification through `runVerify`, exactly as `hwnas search` and
 * `hwnas verify` run them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { kDefaultSearchOptions, type SearchOptions } from '../evolution/searchOptions.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import type { FashionMnist } from '../supernet/data/types.js';
import { loadSupernet, type LoadedSupernet } from '../supernet/io.js';
import type { QuantMode } from '../space/searchSpace.js';
import { populationOptions, searchQuant } from '../pipeline/search.js';
import { initBackend } from '../supernet/backend/backend.js';
import { checkShipped, kShipped, shippedPath, type ShippedArtifact } from '../pipeline/shippedModels.js';
import { fail, intFlag } from './args.js';

/** The flags both benchmarks take (node:util parseArgs, strict: an unknown flag is an error). */
export const kSearchBenchFlags = {
  checkpoint: { type: 'string' },
  predictor: { type: 'string' },
  quant: { type: 'string', default: 'mixed' },
  population: { type: 'string', default: '100' },
  generations: { type: 'string', default: String(kDefaultSearchOptions.generations) },
  seed: { type: 'string', default: String(kDefaultSearchOptions.seed) },
  workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
  out: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'string' },
  'data-dir': { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Help lines of the shared flags. */
export const kSearchBenchUsage = [
  `--checkpoint FILE    supernet checkpoint (default ${kShipped.supernet.file})`,
  `--predictor FILE     accuracy predictor of the search (default ${kShipped.predictors.mixed.file}, with --quant fp32 ${kShipped.predictors.fp32.file})`,
  "--quant mixed|fp32   genome of the search: 'mixed' (per-block bits, the product's) or 'fp32' (for smoke runs without a quantization-aware predictor)",
  '--population N --generations N --seed N   search settings (default 100, 500, 0; parents 1/4, mutation and crossover children 1/2 each)',
  '--workers N          fitness worker threads (default min(2, cores))',
  '--out DIR            output folder: search results, exported models, verify.json (replaced only with --force)',
  '--json FILE          also write the benchmark JSON here',
  '--data-dir DIR --backend auto|node|wasm|cpu   as for the hwnas commands',
];

type FlagValues = ReturnType<typeof parseArgs<{ options: typeof kSearchBenchFlags }>>['values'];

export interface SearchBenchSettings {
  /** Absolute paths. */
  checkpoint: string;
  predictor: string;
  quant: QuantMode;
  population: number;
  /** Finder options of every search: population split, generations, seed. */
  search: SearchOptions;
  workers: number;
  out: string;
  json: string | null;
  dataDir?: string;
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
}

/** `given` (a flag value) resolved, or the shipped artifact; throws naming the flag, or the artifact and how to make it, when the file is missing. */
export function inputFile(flag: string, given: string | undefined, shipped: ShippedArtifact): string {
  if (given === undefined) {
    checkShipped([shipped]);
    return shippedPath(shipped);
  }
  if (!existsSync(given)) throw new Error(`--${flag} ${given} does not exist: give an existing ${shipped.what} file (default ${shipped.file})`);
  return resolve(given);
}

/** Comma-separated fractions in (0, 1], distinct, e.g. '0.5,0.75'. */
export function parseFractions(flag: string, text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.find((s, k) => s === '' || !(values[k] > 0 && values[k] <= 1));
  if (bad !== undefined) throw new Error(`--${flag} must be fractions in (0, 1] separated by commas, e.g. 0.5,0.75 (got '${text}')`);
  if (new Set(values).size !== values.length) throw new Error(`--${flag} names a fraction twice (got '${text}')`);
  return values;
}

/**
 * Checks the shared flags; `defaultOut` is the output folder when --out is not given, `shipped`
 * the checkpoint and predictor taken when those flags are not (default the CNN supernet's).
 */
export function searchBenchSettings(args: FlagValues, defaultOut: string, shipped?: { checkpoint: ShippedArtifact; predictor: ShippedArtifact }): SearchBenchSettings {
  const quant = args.quant;
  if (quant !== 'mixed' && quant !== 'fp32') throw new Error(`--quant must be 'mixed' or 'fp32' (got '${quant}')`);
  const backend = args.backend;
  if (backend !== undefined && !['auto', 'node', 'wasm', 'cpu'].includes(backend)) throw new Error(`--backend must be auto, node, wasm or cpu (got '${backend}')`);
  const population = intFlag('population', args.population, 4);
  const out = args.out ?? defaultOut;
  if (existsSync(out) && args.force !== true) throw new Error(`${out} already exists: choose another --out, or pass --force to replace it`);
  return {
    checkpoint: inputFile('checkpoint', args.checkpoint, shipped?.checkpoint ?? kShipped.supernet),
    predictor: inputFile('predictor', args.predictor, shipped?.predictor ?? kShipped.predictors[quant]),
    quant,
    population,
    search: {
      ...populationOptions(population),
      generations: intFlag('generations', args.generations, 1),
      seed: intFlag('seed', args.seed, 0),
    },
    workers: intFlag('workers', args.workers, 1),
    out,
    json: args.json ?? null,
    dataDir: args['data-dir'],
    backend: backend as SearchBenchSettings['backend'],
  };
}

export interface SearchBenchContext {
  loaded: LoadedSupernet;
  data: FashionMnist;
}

/** Starts the backend, loads the supernet and the data, and checks that the predictor fits the genome. */
export async function startSearchBench(s: SearchBenchSettings): Promise<SearchBenchContext> {
  const info = await initBackend({ backend: s.backend });
  process.stderr.write(`backend: tfjs-${info.name} ${info.version} (${info.threads} thread${info.threads === 1 ? '' : 's'})\n`);
  const loaded = loadSupernet(s.checkpoint);
  try {
    searchQuant(MlpPredictor.load(s.predictor, loaded.net.space), s.predictor, s.quant);
    return { loaded, data: loadFashionMnist({ dataDir: s.dataDir }) };
  } catch (err) {
    loaded.net.dispose();
    throw err;
  }
}

/** Writes the benchmark JSON to `path`. */
export function writeBenchJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

type FlagSet = NonNullable<ParseArgsConfig['options']>;

/**
 * Runs a benchmark: parses `flags` (strictly; --help prints `usage`), then `main`. An error -
 * an unknown flag, a bad value, a failed run - becomes one line `name: message` and exit code 1
 * (HWNAS_DEBUG=1 adds the stack).
 */
export async function runBench<F extends FlagSet>(
  name: string, flags: F, usage: string, main: (args: ReturnType<typeof parseArgs<{ options: F }>>['values']) => Promise<void>,
): Promise<never> {
  try {
    const { values } = parseArgs({ options: flags });
    if ((values as { help?: boolean }).help === true) console.log(`usage: ${usage}`);
    else await main(values);
  } catch (err) {
    fail(name, err);
  }
  // Worker pools and wasm keep handles open.
  process.exit(0);
}

export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
