/**
 * Where accuracy samples are measured: in the calling thread on a supernet it already holds,
 * or in a pool of worker threads that each load the checkpoint once (one core each).
 */
import { Piscina } from 'piscina';
import type { SubnetConfig } from '../space/types.js';
import type { DataSplit, ImageSet } from '../supernet/data/types.js';
import type { Supernet } from '../supernet/Supernet.js';
import type { BackendName } from '../supernet/backend/backend.js';
import type { AccuracySample } from './types.js';
import { evaluateSample } from './evaluateSample.js';
import type { EvaluateWorkerData } from './evaluateWorker.js';

export interface SubnetEvaluator {
  /** Evaluations that can usefully run at once. */
  readonly concurrency: number;
  evaluate(config: SubnetConfig): Promise<AccuracySample>;
  close(): Promise<void>;
}

/** Evaluates in the calling thread, one config at a time. */
export class LocalEvaluator implements SubnetEvaluator {
  readonly concurrency = 1;

  constructor(
    private readonly net: Supernet,
    private readonly calibration: ImageSet,
    private readonly val: DataSplit,
    private readonly limit?: number,
  ) {}

  async evaluate(config: SubnetConfig): Promise<AccuracySample> {
    return evaluateSample(this.net, config, this.calibration, this.val, { limit: this.limit });
  }

  async close(): Promise<void> {}
}

export interface PoolEvaluatorOptions {
  /** Supernet checkpoint every worker loads. */
  checkpoint: string;
  val: DataSplit;
  calibration: ImageSet;
  /** Val images per evaluation (default: all). */
  limit?: number;
  /** Worker threads (default 2). */
  workers?: number;
  backend?: BackendName | 'auto';
}

/** Evaluates in worker threads, `workers` configs at a time. */
export class PoolEvaluator implements SubnetEvaluator {
  /** A worker error piscina reported outside any task (e.g. a checkpoint it could not load at start). */
  private failure: Error | undefined;

  private constructor(private readonly pool: Piscina, readonly concurrency: number) {
    // Without a listener, piscina's 'error' event would crash the process; keep it and
    // reject the evaluations that follow with it instead.
    pool.on('error', (err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Starts the workers; a worker that cannot load the checkpoint rejects the evaluations sent to it. */
  static async create(options: PoolEvaluatorOptions): Promise<PoolEvaluator> {
    const workers = options.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`options.workers must be a positive integer (got ${workers})`);
    const workerData: EvaluateWorkerData = {
      checkpoint: options.checkpoint, val: options.val, calibration: options.calibration,
      limit: options.limit, backend: options.backend,
    };
    const pool = new Piscina({
      filename: new URL('./evaluateWorker.js', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
      atomics: 'disabled',
      workerData,
    });
    return new PoolEvaluator(pool, workers);
  }

  evaluate(config: SubnetConfig): Promise<AccuracySample> {
    if (this.failure) return Promise.reject(this.failure);
    return this.pool.run(config) as Promise<AccuracySample>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
