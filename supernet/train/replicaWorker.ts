/**
 * Worker-thread side of the data-parallel trainer: loads the replica module named in
 * `workerData`, initialises its own backend (one thread), creates the replica once and serves
 * requests until told to close. Every reply carries the request's id; failures carry the
 * error's message and stack.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend/backend.js';
import { computeTasks } from './dataParallel.js';
import type { Replica, ReplicaModule } from './replica.js';

export interface ReplicaWorkerData {
  moduleUrl: string;
  init: unknown;
  backend?: BackendName | 'auto';
}

export type WorkerRequest =
  | { id: number; op: 'compute'; tasks: unknown[] }
  | { id: number; op: 'apply'; lr: number }
  | { id: number; op: 'attach'; shared: SharedArrayBuffer }
  | { id: number; op: 'getState' }
  | { id: number; op: 'setState'; state: Float32Array[] }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string; stack?: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('replicaWorker must run in a worker thread');
  const data = workerData as ReplicaWorkerData;
  let replica: Replica<unknown>;
  try {
    await initBackend({ backend: data.backend, threads: 1 });
    const mod = (await import(data.moduleUrl)) as Partial<ReplicaModule<unknown, unknown>>;
    if (typeof mod.createReplica !== 'function') {
      throw new Error(`${data.moduleUrl} does not export createReplica(init)`);
    }
    replica = await mod.createReplica(data.init);
  } catch (err) {
    port.postMessage({ id: 0, ok: false, error: (err as Error).message, stack: (err as Error).stack });
    return;
  }
  port.postMessage({ id: 0, ok: true, result: { paramCount: replica.paramCount } });
  let shared: Float32Array | undefined;
  let queue = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(() => handle(req));
  });
  async function handle(req: WorkerRequest): Promise<void> {
    if (!port) return;
    try {
      switch (req.op) {
        case 'compute': {
          const result = await computeTasks(replica, req.tasks);
          // Transfer the gradient's buffer when the array owns all of it; copy otherwise (a
          // replica may hand out a view of memory it keeps).
          const g = result.grads;
          const owned = g.buffer instanceof ArrayBuffer && g.byteOffset === 0 && g.byteLength === g.buffer.byteLength;
          const grads = owned ? g : g.slice();
          port.postMessage({ id: req.id, ok: true, result: { ...result, grads } }, [grads.buffer as ArrayBuffer]);
          return;
        }
        case 'attach':
          shared = new Float32Array(req.shared);
          break;
        case 'apply':
          if (!shared) throw new Error('apply before the shared gradient buffer was attached');
          await replica.applyGradients(shared, req.lr);
          break;
        case 'getState': {
          const state = await replica.getState();
          port.postMessage({ id: req.id, ok: true, result: state });
          return;
        }
        case 'setState':
          await replica.setState(req.state);
          break;
        case 'close':
          replica.dispose();
          port.postMessage({ id: req.id, ok: true });
          port.close();
          return;
      }
      port.postMessage({ id: req.id, ok: true });
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, error: (err as Error).message, stack: (err as Error).stack });
    }
  }
}

if (parentPort) void main();
