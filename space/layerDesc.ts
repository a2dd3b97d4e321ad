/**
 * Plain-data descriptions of what runs on a device. A subnet is lowered to a list of
 * `LayerDesc` (one per operator after BatchNorm folding); accounting and latency models consume
 * these. Nothing here imports tfjs or onnxruntime.
 */

export type LayerKind =
  | 'conv'        // dense convolution (stem, 1x1 expand/project/head, a block's kxk convolutions)
  | 'dwconv'      // depthwise convolution
  | 'se'          // squeeze-and-excitation (pool + 2 FC + scale)
  | 'pool'        // global average pool
  | 'fc'          // fully connected classifier
  | 'add';        // residual addition

export interface LayerDesc {
  kind: LayerKind;
  /** Input spatial size (square inputs are not assumed). */
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kernel: number;
  stride: number;
  /** Weight and activation bit-widths (32 = float). */
  wBits: number;
  aBits: number;
  /** Activation applied after the layer. */
  act: 'none' | 'relu' | 'hswish';
  macs: number;
  params: number;
  /**
   * The block the operator belongs to, numbered in execution order (0 = the first block that
   * runs; not the config's slot, so two spaces lowering the same network agree); -1 for the
   * stem and the head (head convolution, pool, classifier). The lowering says where blocks
   * begin and end, so nothing downstream guesses it from operator patterns.
   */
  block: number;
}
