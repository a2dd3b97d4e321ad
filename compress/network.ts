/**
 * The trained network a compression starts from, loaded into the supernet of its policy space
 * (policySpace.ts) with its channels sorted by importance, so that every policy keeps each
 * layer's most important channels (AMC and Galen rank channels by weight magnitude too).
 *
 * Accepted: a checkpoint of a network trained on its own (`hwnas train --config`, whose space
 * holds that network only) or of a supernet or fine-tuned subnet with `config` naming the
 * network in it (channels are taken as the prefix the supernet's subnets use).
 */
import { blockSlots, largestConfig } from '../space/searchSpace.js';
import { countSubnets } from '../space/count.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import { loadCheckpoint } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { Supernet } from '../supernet/Supernet.js';
import type { ParamInfo } from '../supernet/layers/ParamStore.js';
import { addL1, sortChannelsByImportance, type ChannelImportance } from '../supernet/layers/channelSort.js';
import { subnetPlan } from '../space/plan.js';
import { parseSearchSpace } from '../space/schema.js';
import { policySpace, type PolicySpace, type PolicySpaceOptions } from './policySpace.js';

export interface CompressibleNetwork {
  /** The checkpoint it came from. */
  checkpoint: string;
  meta: TrainMeta;
  /** The network: a config of the checkpoint's space. */
  space: SearchSpace;
  config: SubnetConfig;
  policies: PolicySpace;
  /** The policy space's supernet holding the network's weights, channels sorted. */
  net: Supernet;
  /** `net`'s parameters, flat, in its store's order. */
  params: Float32Array;
}

/**
 * Loads `checkpoint` and the network `config` in it (default: the checkpoint's only network
 * when its space holds one; required otherwise), in the policy space `options` describe.
 * Throws naming what to do on anything else.
 */
export function loadCompressible(checkpoint: string, config?: SubnetConfig, options: PolicySpaceOptions = {}): CompressibleNetwork {
  const { meta, arrays } = loadCheckpoint<TrainMeta>(checkpoint);
  if (meta.kind !== 'hwnas-supernet') throw new Error(`${checkpoint} is not a training checkpoint of hwnas (kind ${String(meta.kind)}): pass one written by 'hwnas train' or 'hwnas finetune'`);
  if (meta.step !== meta.totalSteps) {
    throw new Error(`${checkpoint} is a training run paused at step ${meta.step}/${meta.totalSteps}: finish it ('hwnas train --resume --out ${checkpoint}') before compressing it`);
  }
  const space = parseSearchSpace(meta.space);
  const network = config ?? trainedNetwork(checkpoint, meta, space);
  const policies = policySpace(space, network, checkpoint, options);
  const source = new Supernet(space, meta.options.seed);
  let params: Float32Array;
  try {
    // The policy space numbers only the network's blocks: its slot i is the i-th running slot of the checkpoint's space.
    const running = blockSlots(space).filter((sl) => sl.block < network.depths[sl.stage]);
    const sourceName = (name: string): string => name.replace(/^blocks\.(\d+)\./, (_, i: string) => `blocks.${running[Number(i)].slot}.`);
    params = restrictParams(source.store.params, arrays.params, policies.space, sourceName);
  } finally {
    source.dispose();
  }
  const net = new Supernet(policies.space, meta.options.seed);
  sortChannelsByImportance(policies.space, net.store.params, [params], networkChannelsFirst(policies, net.store.params));
  net.store.assignFlat(params);
  return { checkpoint, meta, space, config: network, policies, net, params };
}

/**
 * Importance that ranks only the channels the network runs (L1 norm of the weights reading
 * them) and puts every channel the policy space allocates beyond them last. The policy space's
 * supernet may hold more channels than the network runs (its expand lists are shared by the
 * blocks), and those were never trained: a plain sort could move them into the prefix a policy
 * keeps.
 */
function networkChannelsFirst(policies: PolicySpace, layout: readonly ParamInfo[]): ChannelImportance {
  const plan = subnetPlan(policies.space, policies.toConfig(policies.identity()));
  const byName = new Map(layout.map((p) => [p.name, p]));
  const stemC = plan.stem.outC;
  return (group, values) => {
    const outputBn = group.axes.map((a) => /^blocks\.(\d+)\.\w+\.(bn2|bn3|bnS|bn)\.gamma$/.exec(a.name)).find((m) => m !== null);
    const midBn = group.axes.map((a) => /^blocks\.(\d+)\.(\w+)\.bn1\.gamma$/.exec(a.name)).find((m) => m !== null);
    let active: number;
    if (outputBn) active = plan.blocks[Number(outputBn[1])].outC;
    else if (midBn) active = plan.blocks[Number(midBn[1])].family === midBn[2] ? plan.blocks[Number(midBn[1])].midC : 0;
    else if (group.axes.some((a) => a.name === 'stem.weight')) active = stemC;
    else throw new Error(`channel sort: cannot tell which channels of group ${group.axes[0].name} the network runs`);
    const first = byName.get(group.readers[0].name)!;
    const importance = new Float64Array(first.shape[group.readers[0].axis]);
    for (const r of group.readers) addL1(values, byName.get(r.name)!, r.axis, importance);
    importance.fill(Number.NEGATIVE_INFINITY, active);
    return importance;
  };
}

/** The one network a checkpoint trained: its phases' config (standalone training or fine-tuning), or its space's only member. */
function trainedNetwork(checkpoint: string, meta: TrainMeta, space: SearchSpace): SubnetConfig {
  const trained = [...new Set(meta.options.phases.map((p) => (p.config === undefined ? '' : JSON.stringify(p.config))))];
  if (trained.length === 1 && trained[0] !== '') return JSON.parse(trained[0]) as SubnetConfig;
  if (countSubnets(space) === 1) return largestConfig(space);
  throw new Error(`${checkpoint} holds a supernet of ${countSubnets(space)} subnets: name the network to compress with --config (a config JSON, a search result, or largest)`);
}

/**
 * The parameters of `target`'s supernet taken from a supernet with layout `layout` and values
 * `values` (parameter `name` of the target is `sourceName(name)` there): equal shapes are
 * copied, smaller ones take the leading channels (the prefix every subnet of a supernet runs). A smaller kernel is refused: the supernet's smaller kernels pass
 * through learned transforms, not a plain slice.
 */
function restrictParams(layout: readonly ParamInfo[], values: Float32Array, target: SearchSpace, sourceName: (name: string) => string): Float32Array {
  const byName = new Map(layout.map((p) => [p.name, p]));
  const probe = new Supernet(target, 0);
  try {
    const out = new Float32Array(probe.store.size);
    for (const p of probe.store.params) {
      const src = byName.get(sourceName(p.name));
      if (src === undefined || src.shape.length !== p.shape.length || p.shape.some((n, i) => n > src.shape[i])) {
        throw new Error(`parameter ${p.name} ${JSON.stringify(p.shape)} has no source of that shape in the checkpoint (${src === undefined ? 'missing' : JSON.stringify(src.shape)})`);
      }
      if (p.shape.length === 4 && (p.shape[0] !== src.shape[0] || p.shape[1] !== src.shape[1])) {
        throw new Error(`parameter ${p.name} uses a smaller kernel than the supernet's largest (${p.shape[0]} vs ${src.shape[0]}): fine-tune the subnet first ('hwnas finetune --config ...') and compress the fine-tuned checkpoint`);
      }
      copyPrefix(values.subarray(src.offset, src.offset + src.size), src.shape, out.subarray(p.offset, p.offset + p.size), p.shape);
    }
    return out;
  } finally {
    probe.dispose();
  }
}

/** Copies the leading block of a row-major tensor of shape `from` into one of shape `to`. */
function copyPrefix(src: Float32Array, from: readonly number[], dst: Float32Array, to: readonly number[]): void {
  const rank = to.length;
  const srcStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) srcStride[i] = srcStride[i + 1] * from[i + 1];
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < dst.length; k++) {
    let off = 0;
    for (let i = 0; i < rank; i++) off += index[i] * srcStride[i];
    dst[k] = src[off];
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i] < to[i]) break;
      index[i] = 0;
    }
  }
}
