/**
 * The checkpoints of a compression: the network in its policy space (what a policy is
 * extracted and exported from), and the chosen policy fine-tuned on its own from the network's
 * kept weights, distilling from a frozen copy of the uncompressed network (the policy space's
 * identity policy), resumable as any training run.
 */
import { existsSync } from 'node:fs';
import type { SubnetConfig } from '../space/types.js';
import type { Dataset } from '../supernet/data/types.js';
import { saveCheckpoint } from '../supernet/train/checkpoint.js';
import type { TeacherSource } from '../supernet/train/frozenTeacher.js';
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
 * from `params`, the policy's reconstructed ones - distilling from a frozen copy of the
 * uncompressed network: the identity policy on `teacherParams` (default the network's weights;
 * pass a copy taken before a method that retrains them). The teacher is a separate network, so
 * neither reconstructed weights nor the student's training change it; resumable (a resumed
 * run distils from the teacher its checkpoint keeps).
 */
export async function finetunePolicy(
  network: CompressibleNetwork, cfg: SubnetConfig, data: Dataset, run: Omit<FinetuneRun, 'teacher'>, params = network.params, teacherParams = network.params,
): Promise<FinetuneFigures> {
  const { space } = network.policies;
  const source = { space, params, batchSize: network.meta.options.batchSize, hyper: network.meta.options.hyper, from: network.checkpoint };
  const teacher: TeacherSource = { kind: 'hwnas-supernet', space, params: teacherParams, config: network.policies.toConfig(network.policies.identity()), from: network.checkpoint };
  return finetuneSubnet(source, cfg, data, { ...run, teacher });
}
