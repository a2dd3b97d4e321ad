/**
 * Plain-data types shared by every area. A subnet config (the genome) is JSON: it crosses
 * worker threads and files unchanged. Nothing here imports tfjs or onnxruntime.
 */

/** Bit-width of a weight tensor; 32 means float. */
export type WeightBits = 4 | 6 | 8 | 32;
/** Bit-width of an activation tensor; 32 means float. */
export type ActBits = 8 | 32;
/** The bit-width that means float (not quantized), for weights and activations alike. */
export const kFloatBits = 32;

export interface InputSpec {
  height: number;
  width: number;
  channels: number;
  classes: number;
}

export interface StemSpec {
  /**
   * Output channels of the stem convolution (at the first stage's width ratio 1 when
   * `widthFromStage` is set).
   */
  width: number;
  kernel: number;
  /** The stem's stride; with `strides`, the stride of a config that names none. */
  stride: 1 | 2;
  /** Elastic stem stride: the choices a config's `stemStride` takes, ascending. */
  strides?: (1 | 2)[];
  /** The stem keeps `width * widths[0]` channels (the first stage's width ratio), as a ResNet's stem matches its first stage. */
  widthFromStage?: boolean;
  hswish: boolean;
}

/** The block families a stage may take. */
export const kBlockFamilies = Object.freeze(['mbconv', 'fused', 'resnet', 'plain'] as const);
/**
 * - mbconv: MobileNetV3's inverted residual: 1x1 expand, kxk depthwise, 1x1 project.
 * - fused: EfficientNetV2's Fused-MBConv: a dense kxk expand convolution, then a 1x1 project.
 * - resnet: the ResNet basic block: two dense kxk convolutions (middle channels = output
 *   channels x expand), a 1x1 projection shortcut where the shape changes, activation after
 *   the sum.
 * - plain: one dense kxk convolution, BatchNorm and activation, no residual (a VGG layer, with
 *   a strided convolution where VGG pools). It has no middle channels, so its expand ratios
 *   carry no meaning: the family lists 1s, as many as the space's `expands`.
 */
export type BlockFamily = (typeof kBlockFamilies)[number];

export interface FamilySpec {
  name: BlockFamily;
  /**
   * Expand-ratio choices of the family, ascending; one per choice of the space's `expands`
   * (the same count). mbconv and fused expand their input channels, resnet its output channels;
   * plain has none to expand and lists 1s.
   */
  expands: number[];
}

export interface StageSpec {
  /** Output channels of every block in the stage at width ratio 1. */
  width: number;
  /** Stride of the stage's first block; later blocks have stride 1. */
  stride: 1 | 2;
  /** Allowed depths (number of blocks run), ascending. */
  depths: number[];
  /** Squeeze-and-excitation in each block. */
  se: boolean;
  /** h-swish (true) or ReLU (false) activations. */
  hswish: boolean;
}

export interface HeadSpec {
  /** Channels of the final 1x1 convolution before global pooling; 0 = no head convolution. */
  width: number;
  hswish: boolean;
}

export interface QuantSpec {
  weightBits: WeightBits[];
  actBits: ActBits[];
  /** Fixed bit-widths of the stem convolution and the classifier. */
  stemBits: { w: WeightBits; a: ActBits };
  classifierBits: { w: WeightBits; a: ActBits };
}

/** A search space: the supernet's shape and every choice the genome may take. */
export interface SearchSpace {
  name: string;
  input: InputSpec;
  stem: StemSpec;
  stages: StageSpec[];
  /** Depthwise kernel choices per block (e.g. 3, 5, 7). */
  kernels: number[];
  /** Expand-ratio choices per block (e.g. 3, 4, 6); of the first family when `families` is given. */
  expands: number[];
  /**
   * Block families a stage may take (a gene per stage, weights shared within each family).
   * Absent: every block is an mbconv block.
   */
  families?: FamilySpec[];
  /** Width keep ratios per stage (channel pruning), e.g. 0.5, 0.75, 1. */
  widthRatios: number[];
  /**
   * Set on the space of a trained network's compressed forms (compress/policySpace.ts): names
   * the network. Its choice lists hold every layer's own channel grid, so two choices may give
   * the same channels on some layer (other spaces refuse that).
   */
  compressing?: string;
  head: HeadSpec;
  quant: QuantSpec;
}

/**
 * A subnet config (genome). Per-block arrays have one entry per block slot
 * (sum over stages of the stage's largest depth); slots past a stage's depth are skipped
 * and their values carry no meaning (canonical form sets them to the first choice).
 */
export interface SubnetConfig {
  depths: number[];
  kernels: number[];
  expands: number[];
  /** Width keep ratio per stage. */
  widths: number[];
  /** Block family per stage (spaces with `families`; absent = the first family everywhere). */
  families?: BlockFamily[];
  /** Stem stride (spaces with elastic `stem.strides`; absent = `stem.stride`). */
  stemStride?: 1 | 2;
  /** Weight bits per block slot; absent means every block is float. */
  wBits?: WeightBits[];
  /** Activation bits per block slot; absent means every block is float. */
  aBits?: ActBits[];
}
