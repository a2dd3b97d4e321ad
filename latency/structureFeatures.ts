/**
 * Where in the network the work runs: features of a lowered network by resolution, beyond the
 * whole-network sums of latencyFeatures.ts and runtimeFeatures.ts. The same MACs cost a runtime
 * differently at 28x28 and at 4x4 (a GEMM's shape, what fits in cache, how many rows and panels a
 * kernel walks), and a block has a fixed cost that depends on its family (the operators it
 * dispatches and the tensors it hands between them) and on the size of those tensors. Offline
 * on the quiet-machine fashion-hybrid profile of ort-cpu:1 they took the share of fresh
 * held-out int8 subnets within +-10% from 81% to 97% (98% with the robust fit of fitProfile.ts;
 * BENCHMARKS.md, issue 15).
 *
 *   mMacsRes:C:rR:RUN   millions of MACs of convolutions of class C (kxk: dense wider than 1x1,
 *                       pw: 1x1, dw: depthwise) whose output is at the input resolution / R
 *                       (R = 1, 2, 4, 8; 8 also holds anything smaller), run as RUN: f (float
 *                       weights), q (quantized weights and activations: QLinearConv), dq
 *                       (quantized weights on float activations: dequantized at every run)
 *   blocks:F:rR         blocks of family F whose output is at the input resolution / R
 *
 * Levels are relative to the network's input, so spaces of any input size share the names.
 * Plain arithmetic on plain data: it runs inside the search.
 */
import { kBlockFamilies, kFloatBits, type BlockFamily, type SearchSpace, type SubnetConfig } from '../space/types.js';
import type { LayerDesc } from '../space/layerDesc.js';
import { stageFamily } from '../space/searchSpace.js';

const kConvClasses = ['kxk', 'pw', 'dw'] as const;
const kLevels = [1, 2, 4, 8] as const;
const kRuns = ['f', 'q', 'dq'] as const;

/** Feature names in order; appended to the runtime feature set in the structure set. */
export const kStructureFeatures: readonly string[] = Object.freeze([
  ...kConvClasses.flatMap((c) => kLevels.flatMap((r) => kRuns.map((run) => `mMacsRes:${c}:r${r}:${run}`))),
  ...kBlockFamilies.flatMap((f) => kLevels.map((r) => `blocks:${f}:r${r}`)),
]);

const kBlocksAt = kConvClasses.length * kLevels.length * kRuns.length;

/** The family of every block of `cfg` in execution order (LayerDesc.block numbers them so). */
export function blockFamilies(space: SearchSpace, cfg: SubnetConfig): BlockFamily[] {
  return cfg.depths.flatMap((depth, stage) => new Array<BlockFamily>(depth).fill(stageFamily(space, cfg, stage).name));
}

/** Resolution level (index into kLevels) of a tensor of height `h` in a network whose input has height `inH`. */
function levelOf(inH: number, h: number): number {
  return Math.min(kLevels.length - 1, Math.max(0, Math.round(Math.log2(inH / h))));
}

/**
 * Adds the structure features of a lowered network to `x` from `offset` on (kStructureFeatures
 * order). `bits`: whether the runtime executes the layers' bit-widths; `families`: the family
 * of each block (blockFamilies). Throws when a layer names a block `families` lacks.
 */
export function addStructureFeatures(x: Float64Array, offset: number, layers: readonly LayerDesc[], bits: boolean, families: readonly BlockFamily[]): void {
  if (layers.length === 0) return;
  const inH = layers[0].inH;
  const blockOut = new Map<number, number>();
  for (const l of layers) {
    if (l.block >= 0) blockOut.set(l.block, l.outH);
    if (l.kind !== 'conv' && l.kind !== 'dwconv') continue;
    const c = l.kind === 'dwconv' ? 2 : l.kernel > 1 ? 0 : 1;
    const w = bits && l.wBits < kFloatBits;
    const run = !w ? 0 : bits && l.aBits < kFloatBits ? 1 : 2;
    x[offset + (c * kLevels.length + levelOf(inH, l.outH)) * kRuns.length + run] += l.macs / 1e6;
  }
  for (const [block, outH] of blockOut) {
    const family = families[block];
    if (family === undefined) throw new Error(`internal: block ${block} of the lowered network has no family (${families.length} given)`);
    x[offset + kBlocksAt + kBlockFamilies.indexOf(family) * kLevels.length + levelOf(inH, outH)] += 1;
  }
}
