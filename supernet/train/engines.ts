/** Chooses the gradient engine: in-process for one worker, data-parallel worker threads otherwise. */
import type { BackendName } from '../backend/backend.js';
import type { GradientEngine } from './SupernetTrainer.js';
import type { SupernetReplicaInit } from './supernetReplica.js';
import { InProcessEngine } from './InProcessEngine.js';

export async function createEngine(
  init: SupernetReplicaInit, workers: number, backend?: BackendName | 'auto',
): Promise<GradientEngine & { close(): Promise<void> }> {
  const replicaInit = { ...init, backend: backend === 'auto' || backend === undefined ? undefined : backend };
  if (workers === 1) return InProcessEngine.create(replicaInit);
  throw new Error('data-parallel workers are not available yet: use --workers 1');
}
