/**
 * The SuperTransformer as a data-parallel replica (a replica module, see ../train/replica.ts):
 * the supernet replica's training step - label-smoothed cross-entropy, in-place distillation
 * from the first config of a sandwich step or distillation from a frozen teacher (a separate
 * network with its own weights, of either kind: a SubTransformer or a CNN), AdamW or SGD with
 * weight decay on the weight matrices - on the SuperTransformer's shared weights.
 */
import { initBackend, type BackendName } from '../backend/backend.js';
import { SupernetReplica, type ReplicaSettings } from '../train/supernetReplica.js';
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
  return new SupernetReplica<TransformerConfig>(init, new SuperTransformer(init.space, init.seed));
}
