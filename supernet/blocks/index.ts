/**
 * The block families a standalone subnet knows, by name, and the operations on a block's
 * weights that work alike for every family (folding, listing tensors) or dispatch to its kit.
 * A new family: its module (weights interface and kit), a member of `BlockWeights`, and an
 * entry in `kBlockKits` (which the compiler requires for every name in `kBlockFamilies`).
 */
import type { Tensor, Tensor4D } from '../backend/tf.js';
import type { BlockPlan } from '../../space/plan.js';
import type { BlockFamily } from '../../space/types.js';
import type { DynamicBlock } from '../layers/DynamicBlock.js';
import type { SeWeights } from '../net/ops.js';
import type { DeployBuilder, LayerBits } from '../quant/DeployBuilder.js';
import { convTensors, foldConvBn, type ConvBn, type FoldedConv, type WeightForm } from './convBn.js';
import type { BlockKit, RandomInit, WeightSource } from './BlockKit.js';
import { mbconvKit, type MBConvWeights } from './mbconv.js';
import { fusedKit, type FusedWeights } from './fused.js';
import { resnetKit, type ResBlockWeights } from './resnet.js';
import { plainKit, type PlainWeights } from './plain.js';

export type { MBConvWeights } from './mbconv.js';
export type { FusedWeights } from './fused.js';
export type { ResBlockWeights } from './resnet.js';
export type { PlainWeights } from './plain.js';

/** The weights of one block, by family. */
export type BlockWeights<F extends WeightForm = 'bn'> = MBConvWeights<F> | FusedWeights<F> | ResBlockWeights<F> | PlainWeights<F>;

type AnyKit = BlockKit<BlockWeights<'bn'>, BlockWeights<'folded'>>;

const kBlockKits: { readonly [F in BlockFamily]: BlockKit<Extract<BlockWeights<'bn'>, { family: F }>, Extract<BlockWeights<'folded'>, { family: F }>> } =
  Object.freeze({ mbconv: mbconvKit, fused: fusedKit, resnet: resnetKit, plain: plainKit });

/** The kit of `family`; throws naming the known families for any other name. */
export function blockKit(family: BlockFamily): AnyKit {
  if (!Object.hasOwn(kBlockKits, family)) {
    throw new Error(`block family '${family}' has no standalone implementation: known families are ${Object.keys(kBlockKits).join(', ')}`);
  }
  return kBlockKits[family] as AnyKit;
}

function checkFamily(w: { family: BlockFamily }, b: BlockPlan): void {
  if (w.family !== b.family) throw new Error(`block slot ${b.slot} is planned as a ${b.family} block but its weights are of a ${w.family} block`);
}

/** The convolutions a block holds, in its kit's order, with whether each is depthwise (absent optional ones left out). */
function convsOf<C extends ConvBn | FoldedConv>(w: { family: BlockFamily }): Array<{ field: string; conv: C; depthwise: boolean }> {
  const fields = w as unknown as Record<string, C | undefined>;
  return blockKit(w.family).convs.flatMap(({ field, layout }) => {
    const conv = fields[field];
    return conv === undefined ? [] : [{ field, conv, depthwise: layout === 'depthwise' }];
  });
}

/** The squeeze-and-excitation unit of a block that has one. */
function seOf(w: BlockWeights<WeightForm>): SeWeights | undefined {
  return (w as { se?: SeWeights }).se;
}

/** Block `b`'s weights sliced from its supernet layer. */
export function extractBlock(layer: DynamicBlock, b: BlockPlan, source: WeightSource): BlockWeights {
  return blockKit(b.family).extract(layer, b, source);
}

/** Random weights of block `b`'s shapes. */
export function randomBlock(b: BlockPlan, init: RandomInit): BlockWeights {
  return blockKit(b.family).random(b, init);
}

/** Block `b` on `x` with BatchNorm in inference mode. Call inside `tf.tidy`. */
export function blockForward(x: Tensor4D, w: BlockWeights, b: BlockPlan): Tensor4D {
  checkFamily(w, b);
  return blockKit(b.family).forward(x, w, b);
}

/** Block `b`'s operations added to `g` (see `BlockKit.deploy`). */
export function deployBlock(g: DeployBuilder, prefix: string, x: string, w: BlockWeights<'folded'>, b: BlockPlan, bits: LayerBits): string {
  checkFamily(w, b);
  return blockKit(b.family).deploy(g, prefix, x, w, b, bits);
}

/** The block with BatchNorm folded into every convolution (new tensors; squeeze-and-excitation copied). */
export function foldBlock(w: BlockWeights): BlockWeights<'folded'> {
  const out: Record<string, unknown> = { family: w.family };
  for (const { field, conv, depthwise } of convsOf<ConvBn>(w)) out[field] = foldConvBn(conv, depthwise);
  const se = seOf(w);
  if (se) out.se = { w1: se.w1.clone(), b1: se.b1.clone(), w2: se.w2.clone(), b2: se.b2.clone() };
  return out as unknown as BlockWeights<'folded'>;
}

/** Every tensor a block holds, in either form. */
export function blockTensors(w: BlockWeights<WeightForm>): Tensor[] {
  const out = convsOf<ConvBn | FoldedConv>(w).flatMap(({ conv }) => convTensors(conv));
  const se = seOf(w);
  if (se) out.push(se.w1, se.b1, se.w2, se.b2);
  return out;
}
