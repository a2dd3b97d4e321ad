/**
 * The supernet's gradient engine: `DataParallelTrainer` with the supernet replica module (or
 * another net's, e.g. the SuperTransformer's: a trainer's `replicaModule`) - in-process for one
 * worker, one worker thread per replica otherwise.
 */
import type { BackendName } from '../backend/backend.js';
import type { SubnetConfig } from '../../space/types.js';
import { DataParallelTrainer } from './dataParallel.js';
import type { GradientEngine } from './trainTypes.js';
import type { SandwichTask, SupernetReplicaInit } from './supernetReplica.js';

export type SupernetEngine<C = SubnetConfig> = GradientEngine<C> & { close(): Promise<void> };

export async function createEngine<C = SubnetConfig>(
  init: SupernetReplicaInit | object, workers: number, backend?: BackendName | 'auto',
  module: URL = new URL('./supernetReplica.js', import.meta.url),
): Promise<SupernetEngine<C>> {
  const replicaInit = { ...init, backend: backend === 'auto' ? undefined : backend };
  const trainer = await DataParallelTrainer.create<object, SandwichTask<C>>({
    module,
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
