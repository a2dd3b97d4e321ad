/**
 * The space of a trained network's compressed forms. Every policy (per-layer keep ratios and
 * bits, see types.ts) of one trained network is a config of one derived search space whose
 * largest member is the network itself, with the same weight shapes: so the trained weights
 * load into that space's supernet unchanged, a policy is extracted from them as any subnet is
 * (the most important channels first, after sorting), and latency profiles, export,
 * quantization, fine-tuning and verify work on policies as on any config.
 *
 * The derivation: each stage's base width becomes the network's own channel count there and
 * its width ratios the multiples of 8 channels from ~20% up to 100% of it (the union over the
 * stages, as the space's `widthRatios` is shared); each block's expand choices become its
 * trained expand ratio times a keep of its middle channels. A middle keep is relative to the
 * block's (possibly pruned) reference width - the input for mbconv/fused, the output for
 * resnet - as the space defines middle channels; `PrunableLayer.channels` lists them with the
 * reference unpruned.
 *
 * Depth (on by default): a stage of more than one block also gets a `depth` layer whose keep
 * ratio is the share of its blocks kept - the first ones, as elastic depth in OFA keeps them, so
 * the stage's first block (which changes stride and width) always runs and the blocks removed
 * are ones whose input and output shapes agree. Removing a block costs whole layers and their
 * operator dispatch, which on a CPU at batch 1 saves more time than narrowing (BENCHMARKS.md).
 */
import { kChannelDivisor, keptChannels, stemChannels } from '../space/channels.js';
import { layersOf } from '../space/layers.js';
import { subnetPlan, type SubnetPlan } from '../space/plan.js';
import { canonicalConfig, spaceFamilies } from '../space/searchSpace.js';
import { configSpace } from '../space/configSpace.js';
import { kFloatBits, type ActBits, type BlockFamily, type SearchSpace, type SubnetConfig, type WeightBits } from '../space/types.js';
import type { CompressPolicy, PrunableLayer } from './types.js';

/** Smallest keep ratio a layer is offered (AMC's action range starts at 0.2). */
export const kMinKeep = 0.2;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const distinct = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** Multiples of the channel divisor from about kMinKeep of `channels` up to `channels`, as counts. */
function channelGrid(channels: number): number[] {
  const first = Math.max(kChannelDivisor, Math.ceil((kMinKeep * channels) / kChannelDivisor) * kChannelDivisor);
  const out: number[] = [];
  for (let c = first; c < channels; c += kChannelDivisor) out.push(c);
  out.push(channels);
  return out;
}

export interface PolicySpaceOptions {
  /** A `depth` layer per stage of two or more blocks, removing its last blocks (default true). */
  depth?: boolean;
}

export interface PolicySpace {
  /** The derived space: its largest config is the trained network. */
  space: SearchSpace;
  /** Prunable layers in walk order. */
  layers: PrunableLayer[];
  /** Running blocks (each takes its own bits). */
  blocks: number;
  weightBits: WeightBits[];
  actBits: ActBits[];
  /** The config of `space` a policy stands for. */
  toConfig(policy: CompressPolicy): SubnetConfig;
  identity(): CompressPolicy;
}

interface Running {
  slot: number;
  stage: number;
  family: BlockFamily;
  expand: number;
  kernel: number;
}

/**
 * The policy space of the network `config` of `space` (a trained standalone network's space
 * and config). Throws when a residual sum ties channels the policy would prune apart.
 */
export function policySpace(network: SearchSpace, networkConfig: SubnetConfig, name = network.name, options: PolicySpaceOptions = {}): PolicySpace {
  const withDepth = options.depth ?? true;
  // The network's own space: every slot runs, so slots and running blocks coincide.
  const { space, config } = configSpace(network, networkConfig);
  const plan = subnetPlan(space, { ...config, wBits: undefined, aBits: undefined });
  const stageC = space.stages.map((_, s) => keptChannels(space.stages[s].width, config.widths[s]));
  const stemC = stemChannels(space, config.widths[0]);
  const running: Running[] = plan.blocks.map((b) => ({ slot: b.slot, stage: b.stage, family: b.family, expand: config.expands[b.slot], kernel: b.kernel }));
  const stageGrids = stageC.map(channelGrid);
  const widthRatios = distinct(stageGrids.flatMap((grid, s) => grid.map((c) => round6(c / stageC[s]))));
  const midGrids = plan.blocks.map((b) => channelGrid(b.midC).map((c) => round6(c / b.midC)));
  const families = spaceFamilies(space).filter((f) => running.some((r) => r.family === f.name)).map((f) => ({
    name: f.name,
    expands: distinct(running.flatMap((r, i) => (r.family === f.name ? midGrids[i].map((m) => round6(r.expand * m)) : []))),
  }));
  padToEqualLength(families);
  const derived: SearchSpace = {
    ...space,
    name: `${space.name}-policies`,
    compressing: name,
    stem: { ...space.stem, width: space.stem.widthFromStage === true ? stemC : space.stem.width },
    stages: space.stages.map((st, s) => ({ ...st, width: stageC[s], depths: withDepth ? depthChoices(config.depths[s]) : [config.depths[s]] })),
    kernels: distinct(running.map((r) => r.kernel)),
    expands: families[0].expands,
    widthRatios,
    ...(space.families === undefined ? {} : { families }),
  };
  const bitsOf = (bits: readonly number[]): number[] => distinct([...bits.filter((b) => b === 8), kFloatBits]);
  const weightBits = bitsOf(space.quant.weightBits) as WeightBits[];
  const actBits = bitsOf(space.quant.actBits) as ActBits[];

  const layers: PrunableLayer[] = [];
  const stageLayer = new Map<number, number>();
  for (const [i, b] of plan.blocks.entries()) {
    if (!stageLayer.has(b.stage)) {
      stageLayer.set(b.stage, layers.length);
      layers.push(describeLayer('stage', b.stage, -1, b.family, b.inC, stageC[b.stage], b.kernel, b.stride, stageGrids[b.stage]));
      const blocks = config.depths[b.stage];
      if (withDepth && blocks > 1) {
        const counts = depthChoices(blocks);
        layers.push({
          name: `stage${b.stage}.depth`, kind: 'depth', stage: b.stage, block: -1, family: b.family,
          inChannels: stageC[b.stage], outChannels: stageC[b.stage], kernel: b.kernel, stride: 1, weights: 0, macs: 0,
          keeps: counts.map((n) => round6(n / blocks)), channels: counts,
        });
      }
    }
    // A plain block's only convolution writes the stage's channels: it has no middle to prune.
    if (b.family !== 'plain') layers.push(describeLayer('mid', b.stage, i, b.family, b.inC, b.midC, b.kernel, b.stride, channelGrid(b.midC)));
  }
  const midLayer = plan.blocks.map((_, i) => layers.findIndex((l) => l.kind === 'mid' && l.block === i));
  const depthLayer = space.stages.map((_, s) => layers.findIndex((l) => l.kind === 'depth' && l.stage === s));

  const toConfig = (p: CompressPolicy): SubnetConfig => {
    const cfg: SubnetConfig = {
      depths: config.depths.map((d, s) => (depthLayer[s] < 0 ? d : Math.max(1, Math.round(d * p.keep[depthLayer[s]])))),
      kernels: [...config.kernels],
      expands: running.map((r, i) => (midLayer[i] < 0 ? r.expand : round6(r.expand * p.keep[midLayer[i]]))),
      widths: space.stages.map((_, s) => p.keep[stageLayer.get(s)!]),
      ...(config.families === undefined ? {} : { families: [...config.families] }),
      ...(config.stemStride === undefined ? {} : { stemStride: config.stemStride }),
    };
    if (p.wBits.some((b) => b < kFloatBits) || p.aBits.some((b) => b < kFloatBits)) {
      cfg.wBits = [...p.wBits];
      cfg.aBits = [...p.aBits];
    }
    return canonicalConfig(derived, cfg);
  };
  const identity = (): CompressPolicy => ({
    keep: layers.map(() => 1),
    wBits: new Array<WeightBits>(plan.blocks.length).fill(kFloatBits as WeightBits),
    aBits: new Array<ActBits>(plan.blocks.length).fill(kFloatBits as ActBits),
  });
  const result: PolicySpace = { space: derived, layers, blocks: plan.blocks.length, weightBits, actBits, toConfig, identity };
  attributeCosts(result);
  checkCouplings(result, plan);
  return result;
}

/** 1..blocks: the block counts a stage may keep. */
const depthChoices = (blocks: number): number[] => Array.from({ length: blocks }, (_, i) => i + 1);

function describeLayer(kind: 'stage' | 'mid', stage: number, block: number, family: BlockFamily, inC: number, outC: number, kernel: number, stride: number, grid: number[]): PrunableLayer {
  return {
    name: kind === 'stage' ? `stage${stage}.out` : `block${block}.mid`,
    kind, stage, block, family, inChannels: inC, outChannels: outC, kernel, stride,
    weights: 0, macs: 0,
    keeps: grid.map((c) => round6(c / outC)),
    channels: grid,
  };
}

/** Pads every family's expand list to the longest with smaller values no policy takes (the space wants equal counts). */
function padToEqualLength(families: Array<{ name: BlockFamily; expands: number[] }>): void {
  const longest = Math.max(...families.map((f) => (f.name === 'plain' ? 1 : f.expands.length)));
  for (const f of families) {
    // A plain block has no middle: its list is all ones, as many as the others'.
    if (f.name === 'plain') f.expands = new Array<number>(longest).fill(1);
    while (f.expands.length < longest) f.expands.unshift(round6(f.expands[0] / 2));
  }
}

/** Weights and MACs of the operators whose channels each layer's keep scales (those a minimal keep changes). */
function attributeCosts(ps: PolicySpace): void {
  const full = layersOf(ps.space, ps.toConfig(ps.identity()));
  for (const [i, layer] of ps.layers.entries()) {
    const p = ps.identity();
    p.keep[i] = layer.keeps[0];
    const narrowed = layersOf(ps.space, ps.toConfig(p));
    if (layer.kind === 'depth') {
      // The removed blocks' operators, whole: the totals' difference.
      const total = (ops: typeof full, key: 'macs' | 'params'): number => ops.reduce((sum, op) => sum + op[key], 0);
      layer.macs = total(full, 'macs') - total(narrowed, 'macs');
      layer.weights = total(full, 'params') - total(narrowed, 'params');
      continue;
    }
    let macs = 0;
    let weights = 0;
    full.forEach((op, j) => {
      if (op.inC !== narrowed[j].inC || op.outC !== narrowed[j].outC) {
        macs += op.macs;
        weights += op.params - (op.kind === 'add' || op.kind === 'pool' ? 0 : op.outC);
      }
    });
    layer.macs = macs;
    layer.weights = weights;
  }
}

/** Refuses a network whose residual structure changes when its layers are pruned (a sum tying two layers together). */
function checkCouplings(ps: PolicySpace, plan: SubnetPlan): void {
  // Every channel layer at its smallest keep, every block kept (removing blocks ties no channels).
  const smallest = ps.identity();
  smallest.keep = ps.layers.map((l) => (l.kind === 'depth' ? 1 : l.keeps[0]));
  const pruned = subnetPlan(ps.space, ps.toConfig(smallest));
  const identity = subnetPlan(ps.space, ps.toConfig(ps.identity()));
  for (const [i, b] of plan.blocks.entries()) {
    const a = identity.blocks[i];
    const z = pruned.blocks[i];
    if (a.midC !== b.midC || a.outC !== b.outC || a.inC !== b.inC) {
      throw new Error(`the policy space does not reproduce block ${i} of the network (${b.inC}->${b.midC}->${b.outC} channels, derived ${a.inC}->${a.midC}->${a.outC})`);
    }
    if (a.residual !== z.residual || a.shortcut !== z.shortcut) {
      throw new Error(`block ${i}'s residual sum ties channels of two prunable layers (stage ${b.stage} and the one before it); compressing such a network is not supported`);
    }
  }
}
