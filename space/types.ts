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
  /** Output channels of the stem convolution. */
  width: number;
  kernel: number;
  stride: 1 | 2;
  hswish: boolean;
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
  /** Channels of the final 1x1 convolution before global pooling. */
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
  /** Expand-ratio choices per block (e.g. 3, 4, 6). */
  expands: number[];
  /** Width keep ratios per stage (channel pruning), e.g. 0.5, 0.75, 1. */
  widthRatios: number[];
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
  /** Weight bits per block slot; absent means every block is float. */
  wBits?: WeightBits[];
  /** Activation bits per block slot; absent means every block is float. */
  aBits?: ActBits[];
}
