/**
 * Data-parallel training over worker threads. Each worker holds one replica (created from the
 * same plain-data `init` by a replica module, see replica.ts) on its own single-threaded
 * backend, computes the gradient of its share of a step's tasks, and the trainer averages the
 * gradients (weighted by sample count). The average goes back through one SharedArrayBuffer and
 * every replica applies the same optimizer update, so replicas stay identical. With one worker
 * the replica runs in the calling thread.
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { initBackend, type BackendName } from '../backend/backend.js';
import type { GradientResult, Replica, ReplicaModule } from './replica.js';
import type { ReplicaWorkerData, WorkerReply, WorkerRequest } from './replicaWorker.js';

export interface DataParallelOptions<Init> {
  /** The replica module: a file URL, or an absolute path to the compiled `.js`. */
  module: string | URL;
  /** Plain data passed to `createReplica` in every replica. */
  init: Init;
  /** Replicas (worker threads); 1 runs in-process. Default 1. */
  workers?: number;
  /** Backend of every replica; default HWNAS_BACKEND or 'auto'. */
  backend?: BackendName | 'auto';
}

export interface StepResult {
  /** Count-weighted mean loss over every task of the step. */
  loss: number;
  /** Samples in the step. */
  count: number;
}

/** Runs tasks on one replica; returns the count-weighted mean gradient and loss. */
export async function computeTasks<Task>(replica: Replica<Task>, tasks: Task[]): Promise<GradientResult> {
  const grads = new Float32Array(replica.paramCount);
  let loss = 0;
  let count = 0;
  for (const task of tasks) {
    const r = await replica.computeGradients(task);
    if (r.grads.length !== grads.length) {
      throw new Error(`computeGradients returned ${r.grads.length} gradients, expected paramCount ${grads.length}`);
    }
    if (tasks.length === 1) return r;
    accumulate(grads, r);
    loss += r.loss * r.count;
    count += r.count;
  }
  if (count > 0) scale(grads, 1 / count);
  return { loss: count > 0 ? loss / count : 0, count, grads };
}

function accumulate(into: Float32Array, r: GradientResult): void {
  const g = r.grads;
  const w = r.count;
  for (let i = 0; i < into.length; i++) into[i] += g[i] * w;
}

function scale(a: Float32Array, s: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= s;
}

/** A request without its id (distributed over the union's members). */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/** One worker thread and its pending requests. */
class WorkerHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  readonly ready: Promise<{ paramCount: number }>;

  constructor(readonly index: number, private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => this.pending.set(0, { resolve: resolve as (v: unknown) => void, reject }));
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(this.error(reply.error));
    });
    worker.on('error', (err) => this.failAll(this.error(err.message)));
    worker.on('exit', (code) => {
      if (this.pending.size > 0) this.failAll(this.error(`exited with code ${code}`));
    });
  }

  request<T>(req: RequestBody, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private error(message: string): Error {
    return new Error(`data-parallel worker ${this.index}: ${message}`);
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export class DataParallelTrainer<Init, Task> {
  private closed = false;

  private constructor(
    readonly workers: number,
    readonly paramCount: number,
    private readonly local: Replica<Task> | undefined,
    private readonly handles: WorkerHandle[],
    private readonly shared: Float32Array | undefined,
  ) {}

  /** Starts the replicas; rejects with the worker's message if a replica fails to start. */
  static async create<Init, Task>(options: DataParallelOptions<Init>): Promise<DataParallelTrainer<Init, Task>> {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new Error(`options.workers must be a positive integer (got ${workers})`);
    }
    const moduleUrl = toModuleUrl(options.module);
    if (workers === 1) {
      await initBackend({ backend: options.backend, threads: 1 });
      const mod = (await import(moduleUrl)) as Partial<ReplicaModule<Init, Task>>;
      if (typeof mod.createReplica !== 'function') throw new Error(`${moduleUrl} does not export createReplica(init)`);
      const replica = await mod.createReplica(options.init);
      return new DataParallelTrainer<Init, Task>(1, replica.paramCount, replica, [], undefined);
    }
    const data: ReplicaWorkerData = { moduleUrl, init: options.init, backend: options.backend };
    const handles = Array.from({ length: workers }, (_, i) =>
      new WorkerHandle(i, new Worker(new URL('./replicaWorker.js', import.meta.url), { workerData: data })));
    let counts: { paramCount: number }[];
    try {
      counts = await Promise.all(handles.map((h) => h.ready));
    } catch (err) {
      await Promise.all(handles.map((h) => h.terminate()));
      throw err;
    }
    const paramCount = counts[0].paramCount;
    if (counts.some((c) => c.paramCount !== paramCount)) {
      await Promise.all(handles.map((h) => h.terminate()));
      throw new Error(`replicas disagree on paramCount (${counts.map((c) => c.paramCount).join(', ')}): createReplica must be deterministic`);
    }
    const shared = new Float32Array(new SharedArrayBuffer(paramCount * 4));
    await Promise.all(handles.map((h) => h.request({ op: 'attach', shared: shared.buffer as SharedArrayBuffer })));
    return new DataParallelTrainer<Init, Task>(workers, paramCount, undefined, handles, shared);
  }

  /**
   * The count-weighted mean gradient of all tasks. Task i goes to replica i mod workers, so
   * pass one task per worker (a shard of the batch each) to use every worker.
   */
  async computeGradients(tasks: Task[]): Promise<GradientResult> {
    this.checkOpen();
    if (tasks.length === 0) throw new Error('computeGradients needs at least one task');
    if (this.local) return computeTasks(this.local, tasks);
    const shares = this.handles.map((_, w) => tasks.filter((_, i) => i % this.workers === w));
    const results = await Promise.all(
      this.handles.map((h, w) => (shares[w].length ? h.request<GradientResult>({ op: 'compute', tasks: shares[w] }) : undefined)),
    );
    const grads = new Float32Array(this.paramCount);
    let loss = 0;
    let count = 0;
    for (const r of results) {
      if (!r) continue;
      accumulate(grads, r);
      loss += r.loss * r.count;
      count += r.count;
    }
    if (count > 0) scale(grads, 1 / count);
    return { loss: count > 0 ? loss / count : 0, count, grads };
  }

  /** Applies one optimizer step with `grads` on every replica. */
  async applyGradients(grads: Float32Array, lr: number): Promise<void> {
    this.checkOpen();
    if (grads.length !== this.paramCount) {
      throw new Error(`applyGradients needs ${this.paramCount} gradients (got ${grads.length})`);
    }
    if (this.local) {
      await this.local.applyGradients(grads, lr);
      return;
    }
    (this.shared as Float32Array).set(grads);
    await Promise.all(this.handles.map((h) => h.request({ op: 'apply', lr })));
  }

  /** computeGradients + applyGradients. */
  async step(tasks: Task[], lr: number): Promise<StepResult> {
    const r = await this.computeGradients(tasks);
    await this.applyGradients(r.grads, lr);
    return { loss: r.loss, count: r.count };
  }

  /** The state arrays of one replica (default the first). */
  async getState(replica = 0): Promise<Float32Array[]> {
    this.checkOpen();
    if (this.local) return this.local.getState();
    const h = this.handles[replica];
    if (!h) throw new Error(`replica must be in [0, ${this.workers - 1}] (got ${replica})`);
    return h.request<Float32Array[]>({ op: 'getState' });
  }

  /** Sets the state of every replica. */
  async setState(state: Float32Array[]): Promise<void> {
    this.checkOpen();
    if (this.local) {
      await this.local.setState(state);
      return;
    }
    await Promise.all(this.handles.map((h) => h.request({ op: 'setState', state })));
  }

  /** Disposes every replica and stops the workers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.local) {
      this.local.dispose();
      return;
    }
    await Promise.all(
      this.handles.map(async (h) => {
        try {
          await h.request({ op: 'close' });
        } finally {
          await h.terminate();
        }
      }),
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('the data-parallel trainer is closed');
  }
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z]+:/i.test(module)) return module;
  return pathToFileURL(module).href;
}
