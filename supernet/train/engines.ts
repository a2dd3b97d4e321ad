/**
 * The supernet's gradient engine: `DataParallelTrainer` with the supernet replica module -
 * in-process for one worker, one worker thread per replica otherwise.
 */
import type { BackendName } from '../backend/backend.js';
import { DataParallelTrainer } from './dataParallel.js';
import type { GradientEngine } from './trainTypes.js';
import type { SandwichTask, SupernetReplicaInit } from './supernetReplica.js';

export type SupernetEngine = GradientEngine & { close(): Promise<void> };

export async function createEngine(
  init: SupernetReplicaInit, workers: number, backend?: BackendName | 'auto',
): Promise<SupernetEngine> {
  const replicaInit = { ...init, backend: backend === 'auto' ? undefined : backend };
  const trainer = await DataParallelTrainer.create<SupernetReplicaInit, SandwichTask>({
    module: new URL('./supernetReplica.js', import.meta.url),
    init: replicaInit,
    workers,
    backend,
  });
  return {
    workers,
    step: (tasks, lr) => trainer.step(tasks, lr),
    getState: () => trainer.getState(),
    setState: (state) => trainer.setState(state),
    close: () => trainer.close(),
  };
}
