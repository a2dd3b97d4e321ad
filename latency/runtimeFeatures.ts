/**
 * Whole-graph features of what onnxruntime's CPU provider actually dispatches for a lowered
 * network, beyond the per-operator features of latencyFeatures.ts. Read off the graphs that
 * onnxruntime 1.30 writes after its optimisations (session option optimizedModelFilePath, level
 * 'all') for the fashion-mbv3 and fashion-hybrid spaces:
 *
 * - Float convolutions with constant weights run in the NCHWc layout (com.microsoft.nchwc Conv,
 *   BatchNorm folded, ReLU and a following residual Add fused in). Channels are processed in
 *   blocks of the CPU's NCHWc block size (16 with AVX-512, 8 with AVX/AVX2): a 24-channel tensor
 *   costs as 32 on an AVX-512 CPU, an 8-channel one as 16 on the output side.
 * - A float tensor with fewer channels than the block is stored NCHW, so the convolution that
 *   makes it ends with a ReorderOutput (an extra pass over the tensor); the next convolution
 *   reads NCHW directly.
 * - A layer with quantized weights and float activations keeps a DequantizeLinear on its
 *   weights that runs at every inference, and its convolution runs in plain NCHW (FusedConv):
 *   NCHWc needs constant weights. Going from NCHWc to such a layer and back costs reorders.
 * - Quantized layers run as QLinearConv (NHWC): MLAS's integer GEMM packs output channels in
 *   panels of 16 and the reduction in groups of 4, and pays a fixed cost per output row and
 *   panel, which dominates when the reduction is short (8 input channels).
 *
 *   mMacsNchwc:kxk, :pw, :dw  millions of MACs of float-weight convolutions (dense kxk, 1x1,
 *                             depthwise) with channels rounded up to the NCHWc block
 *   mMacsQ:conv, mMacsQ:dw    millions of MACs of QLinearConv with output channels rounded to
 *                             16 and the reduction to 4 (depthwise: channels to 16)
 *   kTilesQ                   thousands of (output pixel, 16-channel panel) pairs of QLinearConv
 *   kParamsDq                 thousands of weights dequantized at every inference
 *   kReorder, reorders        thousands of elements, and count, of NCHWc <-> NCHW reorders
 *   kBytes                    activation traffic, kB: every operator's input and output, 4 bytes
 *                             an element in float, 1 when quantized
 *   mMacsFullRes:kxk          millions of MACs of dense kxk convolutions at the input resolution
 *                             (28x28 for Fashion-MNIST: where dense work is largest)
 *
 * The NCHWc block is a property of the CPU (nchwcBlockOf), stored with the fitted model. Plain
 * arithmetic on plain data: it runs inside the search.
 */
import { kFloatBits } from '../space/types.js';
import type { LayerDesc } from '../space/layerDesc.js';

/** The layout assumptions of the runtime features. */
export interface RuntimeLayout {
  /** onnxruntime's NCHWc channel block on the measured CPU; 1: no NCHWc (not x86-64). */
  nchwcBlock: number;
}

/** Feature names in order; appended to kLatencyFeatures in the runtime feature set. */
export const kRuntimeFeatures: readonly string[] = Object.freeze([
  'mMacsNchwc:kxk', 'mMacsNchwc:pw', 'mMacsNchwc:dw', 'mMacsQ:conv', 'mMacsQ:dw', 'kTilesQ', 'kParamsDq',
  'kReorder', 'reorders', 'kBytes', 'mMacsFullRes:kxk',
]);

const at = (name: string): number => kRuntimeFeatures.indexOf(name);
const kAt = Object.freeze({
  nchwc: { kxk: at('mMacsNchwc:kxk'), pw: at('mMacsNchwc:pw'), dw: at('mMacsNchwc:dw') },
  qConv: at('mMacsQ:conv'), qDw: at('mMacsQ:dw'), tiles: at('kTilesQ'), paramsDq: at('kParamsDq'),
  reorder: at('kReorder'), reorders: at('reorders'), bytes: at('kBytes'), fullRes: at('mMacsFullRes:kxk'),
});

/** Output-channel panel and reduction group of MLAS's integer GEMM. */
const kQPanel = 16;
const kQDepth = 4;

/**
 * The NCHWc block of a machine's CPU as MLAS picks it: 16 with AVX-512F, 8 on other x86-64
 * CPUs (AVX/AVX2; also when the flags were not recorded, as in format-2 profiles), 1 (no NCHWc)
 * elsewhere. `target`: runtimes other than onnxruntime (tfjs) have no NCHWc layout (1).
 */
export function nchwcBlockOf(machine: { arch: string; cpuFlags?: readonly string[] }, target = 'ort-cpu'): number {
  if (target !== 'ort-cpu' || machine.arch !== 'x64') return 1;
  return machine.cpuFlags?.includes('avx512f') === true ? 16 : 8;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** How a convolution runs: float weights (NCHWc), quantized (QLinearConv), or dequantized weights on float activations (NCHW). */
type ConvRun = 'nchwc' | 'qlinear' | 'dq';

function convRun(layer: LayerDesc, bits: boolean): ConvRun {
  const w = bits && layer.wBits < kFloatBits;
  const a = bits && layer.aBits < kFloatBits;
  return !w ? 'nchwc' : a ? 'qlinear' : 'dq';
}

type Layout = 'nchwc' | 'nchw' | 'q';

/**
 * Adds the runtime features of a lowered network to `x` from `offset` on (kRuntimeFeatures
 * order). `bits`: whether the runtime executes the layers' bit-widths.
 */
export function addRuntimeFeatures(x: Float64Array, offset: number, layers: readonly LayerDesc[], bits: boolean, layout: RuntimeLayout): void {
  const block = layout.nchwcBlock;
  const fullRes = layers.length > 0 ? layers[0].inH : 0;
  const reorder = (elements: number) => {
    x[offset + kAt.reorder] += elements / 1000;
    x[offset + kAt.reorders] += 1;
  };
  // The layout of the tensor the previous operator made, and of the current block's input (which
  // a resnet block's projection shortcut reads).
  let current: Layout = 'nchw';
  let blockInput: Layout = 'nchw';
  let block0 = -2;
  let previous: LayerDesc | undefined;
  for (const l of layers) {
    if (l.block !== block0) {
      block0 = l.block;
      blockInput = current;
    }
    const side = previous !== undefined && (l.inH !== previous.outH || l.inC !== previous.outC);
    const main: Layout = current;
    if (side) current = blockInput;
    const quantAct = bits && l.aBits < kFloatBits;
    const inElements = l.inH * l.inW * l.inC;
    const outElements = l.outH * l.outW * l.outC;
    x[offset + kAt.bytes] += ((inElements + outElements) * (quantAct ? 1 : 4)) / 1000;
    if (l.kind === 'conv' || l.kind === 'dwconv') {
      current = convLayout(x, offset, l, bits, block, current, reorder);
      if (l.kind === 'conv' && l.kernel > 1 && l.inH === fullRes) x[offset + kAt.fullRes] += l.macs / 1e6;
    } else if (l.kind === 'add' && quantAct) {
      // QLinearAdd: an NCHWc operand leaves its layout first.
      if (current === 'nchwc') reorder(inElements);
      current = 'q';
    }
    if (side) current = main;
    previous = l;
  }
}

/** Adds one convolution's features and returns the layout of its output. */
function convLayout(x: Float64Array, offset: number, l: LayerDesc, bits: boolean, block: number, input: Layout, reorder: (elements: number) => void): Layout {
  const hw = l.outH * l.outW;
  const k2 = l.kernel * l.kernel;
  const kind = l.kind === 'dwconv' ? 'dw' : l.kernel > 1 ? 'kxk' : 'pw';
  const run = convRun(l, bits);
  const quantOut = bits && l.aBits < kFloatBits;
  if (run === 'qlinear') {
    if (kind === 'dw') x[offset + kAt.qDw] += (k2 * roundUp(l.inC, kQPanel) * hw) / 1e6;
    else x[offset + kAt.qConv] += (roundUp(k2 * l.inC, kQDepth) * roundUp(l.outC, kQPanel) * hw) / 1e6;
    x[offset + kAt.tiles] += (hw * Math.ceil(l.outC / kQPanel)) / 1000;
    if (input === 'nchwc') reorder(l.inH * l.inW * l.inC);
    return 'q';
  }
  if (run === 'dq') x[offset + kAt.paramsDq] += l.params / 1000;
  if (run === 'dq' || block <= 1) {
    if (run === 'nchwc') x[offset + kAt.nchwc[kind]] += l.macs / 1e6;
    if (input === 'nchwc') reorder(l.inH * l.inW * l.inC);
    return quantOut ? 'q' : 'nchw';
  }
  const padIn = (c: number) => (c < block ? c : roundUp(c, block));
  const macs = kind === 'dw' ? k2 * roundUp(l.inC, block) * hw : k2 * padIn(l.inC) * roundUp(l.outC, block) * hw;
  x[offset + kAt.nchwc[kind]] += macs / 1e6;
  // NCHWc reads a narrow tensor as NCHW directly, a wider NCHW one through a ReorderInput.
  if (input !== 'nchwc' && l.inC >= block) reorder(l.inH * l.inW * l.inC);
  // A narrow output, or one that is quantized next, leaves through a ReorderOutput.
  if (l.outC < block || quantOut) {
    reorder(hw * l.outC);
    return quantOut ? 'q' : 'nchw';
  }
  return 'nchwc';
}
