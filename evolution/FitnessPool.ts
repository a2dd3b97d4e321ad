/**
 * A Fitness on a piscina pool: each worker builds the predictor and latency models once from a
 * plain-data FitnessSpec, and a batch of configs is split into contiguous chunks, sent as
 * encoded genomes (transferred) and reassembled in order. Scores are a pure function of the
 * configs, so the worker count changes speed, never results.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { QuantMode } from '../space/searchSpace.js';
import type { SubnetConfig } from '../space/types.js';
import type { DescribeReply, FitnessTask } from './fitnessTask.js';
import { encodeConfigs, geneLayout, type GeneLayout } from '../space/genome.js';
import type { Fitness, FitnessSpec, ScoreOptions, Scores, TargetInfo } from './types.js';

export interface FitnessPoolOptions {
  /** Worker threads. */
  workers?: number;
  /** Smallest number of configs worth a task of their own. */
  minChunk?: number;
  /** The worker file (a piscina worker over fitnessTask); the project's fitness worker by default. */
  filename?: string;
}

export const kDefaultFitnessPoolOptions: Readonly<Required<FitnessPoolOptions>> = Object.freeze({
  workers: availableParallelism(),
  minChunk: 32,
  filename: new URL('./fitnessWorker.js', import.meta.url).href,
});

function resolveOptions(options: FitnessPoolOptions): Required<FitnessPoolOptions> {
  const o = { ...kDefaultFitnessPoolOptions, ...options };
  if (!Number.isInteger(o.workers) || o.workers <= 0) throw new RangeError(`options.workers must be a positive integer (got ${o.workers})`);
  if (!Number.isInteger(o.minChunk) || o.minChunk <= 0) throw new RangeError(`options.minChunk must be a positive integer (got ${o.minChunk})`);
  return o;
}

export class FitnessPool implements Fitness {
  private readonly layouts = new Map<QuantMode, GeneLayout>();

  /** A worker error piscina reported outside any task; later scoring rejects with it. */
  private failure: Error | undefined;

  private constructor(
    private readonly pool: Piscina,
    readonly spec: FitnessSpec,
    readonly targets: readonly TargetInfo[],
    readonly options: Required<FitnessPoolOptions>,
  ) {
    pool.on('error', (err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Starts the workers and loads their models. Rejects (and stops the workers) if loading fails. */
  static async create(spec: FitnessSpec, options: FitnessPoolOptions = {}): Promise<FitnessPool> {
    const o = resolveOptions(options);
    if (spec.targets.length === 0) throw new RangeError('a fitness spec needs at least one target');
    const pool = new Piscina({ filename: o.filename, workerData: spec, minThreads: o.workers, maxThreads: o.workers, idleTimeout: 60_000 });
    // Until the pool object exists, a worker dying outside a task fails the start-up.
    let startupError: unknown;
    const onStartupError = (err: unknown) => { startupError ??= err; };
    pool.on('error', onStartupError);
    try {
      // One describe task per worker, submitted together, so that every worker loads its models now.
      const replies = (await Promise.all(Array.from({ length: o.workers }, () => pool.run({ kind: 'describe' } satisfies FitnessTask)))) as DescribeReply[];
      if (startupError !== undefined) throw startupError;
      pool.off('error', onStartupError);
      return new FitnessPool(pool, spec, replies[0].targets, o);
    } catch (err) {
      await pool.destroy();
      throw err;
    }
  }

  get workers(): number {
    return this.options.workers;
  }

  async score(configs: readonly SubnetConfig[], options: ScoreOptions = {}): Promise<Scores> {
    if (this.failure) throw this.failure;
    const n = configs.length;
    const targets = this.targets.length;
    const accuracy = new Float64Array(n);
    const latency = new Float64Array(n * targets);
    if (n === 0) return { accuracy, latency };
    const quant: QuantMode = configs[0].wBits === undefined ? 'fp32' : 'mixed';
    if (configs.some((cfg) => (cfg.wBits === undefined) !== (quant === 'fp32'))) {
      throw new RangeError('a scored batch mixes fp32 configs and configs with bits: score them separately');
    }
    const layout = this.layout(quant);
    const genes = encodeConfigs(layout, configs);
    const chunks = Math.min(this.options.workers, Math.ceil(n / this.options.minChunk));
    const size = Math.ceil(n / chunks);
    const runs: Promise<void>[] = [];
    for (let start = 0; start < n; start += size) {
      const end = Math.min(n, start + size);
      const part = genes.slice(start * layout.length, end * layout.length);
      const task: FitnessTask = { kind: 'score', quant, genes: part, options };
      runs.push(
        (this.pool.run(task, { transferList: [part.buffer] }) as Promise<Scores>).then((s) => {
          accuracy.set(s.accuracy, start);
          latency.set(s.latency, start * targets);
        }),
      );
    }
    await Promise.all(runs);
    return { accuracy, latency };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private layout(quant: QuantMode): GeneLayout {
    let layout = this.layouts.get(quant);
    if (layout === undefined) {
      layout = geneLayout(this.spec.space, quant);
      this.layouts.set(quant, layout);
    }
    return layout;
  }
}
