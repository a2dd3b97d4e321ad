/**
 * The SuperTransformer as a data-parallel replica (a replica module, see ../train/replica.ts):
 * the supernet replica's training step - label-smoothed cross-entropy, in-place distillation
 * from the first config of a sandwich step or distillation from a frozen teacher (a separate
 * SuperTransformer with its own weights), AdamW or SGD with weight decay on the weight
 * matrices - on the SuperTransformer's shared weights.
 */
import { initBackend, type BackendName } from '../backend/backend.js';
import { SupernetReplica, type ReplicaNet, type ReplicaSettings } from '../train/supernetReplica.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { SuperTransformer } from './SuperTransformer.js';

export interface TransformerReplicaInit extends ReplicaSettings<TransformerConfig> {
  space: TransformerSpace;
  seed: number;
  backend?: BackendName;
}

/** The replica-module entry point. */
export async function createReplica(init: TransformerReplicaInit): Promise<SupernetReplica<TransformerConfig>> {
  await initBackend({ backend: init.backend ?? 'wasm', threads: 1 });
  // A teacher's weights are assigned over the fresh net's, so its seed does not matter.
  const netOf = (space: TransformerSpace, seed = 0): ReplicaNet<TransformerConfig> => new SuperTransformer(space, seed);
  return new SupernetReplica<TransformerConfig>(init, netOf(init.space, init.seed), (space) => netOf(space as TransformerSpace));
}
