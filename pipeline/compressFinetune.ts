/**
 * The checkpoints of a compression: the network in its policy space (what a policy is
 * extracted and exported from), and the chosen policy fine-tuned on its own from the network's
 * kept weights, distilling from the uncompressed network (the policy space's identity policy),
 * resumable as any training run.
 */
import { existsSync } from 'node:fs';
import type { SubnetConfig } from '../space/types.js';
import type { Dataset } from '../supernet/data/types.js';
import { saveCheckpoint } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import type { CompressibleNetwork } from '../compress/network.js';
import { finetuneSubnet, type FinetuneFigures, type FinetuneRun } from './finetuneSubnet.js';

/**
 * Writes the network as a finished checkpoint of its policy space (weights sorted), once; with
 * `params`, those values instead (a policy's reconstructed weights).
 */
export function savePolicyCheckpoint(network: CompressibleNetwork, path: string, params = network.params): void {
  if (existsSync(path)) return;
  const meta: TrainMeta = { ...network.meta, space: network.policies.space, initFrom: network.checkpoint };
  saveCheckpoint(path, meta, { params });
}

/**
 * Fine-tunes policy `cfg` of `network` into `run.out` from the network's (sorted) weights - or
 * from `params`, the policy's reconstructed ones - distilling from the uncompressed network's
 * config; resumable. The teacher runs on the same supernet, so it starts from `params` too: with
 * reconstructed weights its kept slices are the re-solved ones (ResNet-8 teachers measured
 * 2-6 pp below the original, BENCHMARKS.md), as they drift with the student's training anyway.
 */
export async function finetunePolicy(network: CompressibleNetwork, cfg: SubnetConfig, data: Dataset, run: Omit<FinetuneRun, 'teacher'>, params = network.params): Promise<FinetuneFigures> {
  const source = { space: network.policies.space, params, batchSize: network.meta.options.batchSize, hyper: network.meta.options.hyper, from: network.checkpoint };
  return finetuneSubnet(source, cfg, data, { ...run, teacher: network.policies.toConfig(network.policies.identity()) });
}
