/**
 * What the standalone parts of hwnas - extraction, the extracted subnet's forward pass,
 * random-weight subnets for timing, and the deployed graph - need to know of one block family.
 * One small module per family implements it (mbconv.ts, fused.ts, resnet.ts, plain.ts) and
 * index.ts registers them, so a new family is a new module and a case in the registry.
 */
import type { Tensor, Tensor1D, Tensor4D } from '../backend/tf.js';
import type { BlockPlan } from '../../space/plan.js';
import type { BlockFamily } from '../../space/types.js';
import type { DynamicBlock } from '../layers/DynamicBlock.js';
import type { DeployBuilder, LayerBits } from '../quant/DeployBuilder.js';
import type { BnTensors, ConvBn } from './convBn.js';

/** How a filter is laid out: `[k,k,Cin,Cout]` (dense), `[k,k,C,1]` (depthwise) or `[Cin,Cout]` (1x1). */
export type FilterLayout = 'dense' | 'depthwise' | 'pointwise';

/** The fields of weights `B` that hold a convolution with its BatchNorm. */
export type ConvFieldName<B> = { [K in keyof B]-?: NonNullable<B[K]> extends ConvBn ? K : never }[keyof B] & string;

/** One convolution field of a family's weights, with its filter layout. */
export interface ConvField<K extends string = string> {
  field: K;
  layout: FilterLayout;
}

/** How extraction copies out slices of the supernet's shared weights. */
export interface WeightSource {
  /** A kept copy of `t` (a slice of a shared weight). */
  keep<T extends Tensor>(t: T): T;
  /** BatchNorm layer `id`: kept copies of the gamma and beta slices, and its recalibrated statistics. */
  bn(id: string, gammaBeta: { gamma: Tensor1D; beta: Tensor1D }): BnTensors;
}

/** Seeded random weights (for timing graphs, where values do not matter). */
export interface RandomInit {
  /** Normal(0, std) values of `shape`. */
  normal<T extends Tensor>(shape: number[], std: number): T;
  /** Normal(0, sqrt(2 / fanIn)) values of `shape`. */
  he<T extends Tensor>(shape: number[], fanIn: number): T;
  /** BatchNorm that is the identity on `c` channels. */
  bn(c: number): BnTensors;
  zeros(n: number): Tensor1D;
}

/** A block family: `B` its weights with BatchNorm, `D` the same weights folded. */
export interface BlockKit<B extends { family: BlockFamily }, D extends { family: BlockFamily }> {
  readonly family: B['family'];
  /** The convolutions of the family's weights in execution order (optional ones may be absent). */
  readonly convs: readonly ConvField<ConvFieldName<B>>[];
  /** The weights of planned block `b`, sliced from its supernet layer. */
  extract(layer: DynamicBlock, b: BlockPlan, source: WeightSource): B;
  /** Random weights of the shapes of planned block `b`. */
  random(b: BlockPlan, init: RandomInit): B;
  /** The block's output for `x`, with BatchNorm in inference mode: the supernet's forward. Call inside `tf.tidy`. */
  forward(x: Tensor4D, w: B, b: BlockPlan): Tensor4D;
  /**
   * Adds the block's operations to `g`, reading `x` (already quantized when the block's
   * activations are 8-bit); op names start with `prefix.`. Returns the block's output.
   */
  deploy(g: DeployBuilder, prefix: string, x: string, w: D, b: BlockPlan, bits: LayerBits): string;
}

/** `layer` as the class `kind` of the family `b` names; throws naming the slot and family otherwise. */
export function layerAs<T extends DynamicBlock>(layer: DynamicBlock, kind: abstract new (...args: never[]) => T, b: BlockPlan): T {
  if (!(layer instanceof kind)) {
    throw new Error(`block slot ${b.slot} is planned as a ${b.family} block but the supernet's layer ${layer.prefix} is a ${layer.constructor.name}`);
  }
  return layer;
}
