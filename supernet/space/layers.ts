/**
 * Lowers a subnet config to the operators that run after BatchNorm folding. This is the
 * architecture spec the supernet layers implement:
 *
 *   stem conv kxk/s -> act
 *   per stage, its first d blocks (MobileNetV3 inverted residual):
 *     1x1 expand conv (in -> mid) -> act
 *     depthwise kxk conv (stride: the stage's for block 0, else 1) -> act
 *     [SE: global pool -> 1x1 mid -> makeDivisible(mid/4) + ReLU -> 1x1 back to mid
 *      + h-sigmoid -> multiply]
 *     1x1 project conv (mid -> out), no act
 *     residual add when stride 1 and in == out channels
 *   head 1x1 conv -> act, global average pool, FC -> classes
 *
 * mid = makeDivisible(round(in * expand)); stage out = makeDivisible(stage.width * ratio).
 * 'same' padding: output size ceil(in / stride).
 *
 * Counting: MACs are the multiply-accumulates of conv and FC weights (elementwise ops - the
 * residual add, pooling, SE's rescale - count 0). Params are as deployed: weights plus one
 * bias per output channel (the folded BN). Every layer of a block carries the block's bits;
 * stem, head conv, pool and FC carry the space's fixed stem/classifier bits when the config
 * has bits, and 32 (float) everywhere when it has none.
 */
import type { LayerDesc } from '../../hardware/types.js';
import type { SearchSpace, SubnetConfig } from '../types.js';
import { midChannels, squeezeChannels, stageChannels } from './channels.js';
import { blockSlots } from './searchSpace.js';

export { makeDivisible } from './channels.js';

const kFloatBits = 32;

type Act = LayerDesc['act'];

/** A layer builder tracking the current feature map. */
class Lowering {
  readonly layers: LayerDesc[] = [];
  h: number;
  w: number;
  c: number;

  constructor(h: number, w: number, c: number) {
    this.h = h;
    this.w = w;
    this.c = c;
  }

  /** Dense convolution (groups = 1) with bias; moves the feature map. */
  conv(outC: number, kernel: number, stride: number, act: Act, wBits: number, aBits: number): void {
    const outH = Math.ceil(this.h / stride);
    const outW = Math.ceil(this.w / stride);
    const weights = kernel * kernel * this.c * outC;
    this.push('conv', outH, outW, outC, kernel, stride, act, wBits, aBits, outH * outW * weights, weights + outC);
  }

  /** Depthwise convolution with bias; moves the feature map. */
  dwconv(kernel: number, stride: number, act: Act, wBits: number, aBits: number): void {
    const outH = Math.ceil(this.h / stride);
    const outW = Math.ceil(this.w / stride);
    const weights = kernel * kernel * this.c;
    this.push('dwconv', outH, outW, this.c, kernel, stride, act, wBits, aBits, outH * outW * weights, weights + this.c);
  }

  /** Squeeze-and-excitation: two 1x1 convs with bias on the pooled vector; shape unchanged. */
  se(wBits: number, aBits: number): void {
    const sq = squeezeChannels(this.c);
    const weights = 2 * this.c * sq;
    this.push('se', this.h, this.w, this.c, 1, 1, 'none', wBits, aBits, weights, weights + sq + this.c);
  }

  add(wBits: number, aBits: number): void {
    this.push('add', this.h, this.w, this.c, 1, 1, 'none', wBits, aBits, 0, 0);
  }

  /** Global average pool; the kernel is the input height. */
  pool(wBits: number, aBits: number): void {
    const kernel = this.h;
    this.push('pool', 1, 1, this.c, kernel, 1, 'none', wBits, aBits, 0, 0);
  }

  /** Fully connected layer with bias on a 1x1 feature map. */
  fc(outC: number, wBits: number, aBits: number): void {
    const weights = this.c * outC;
    this.push('fc', 1, 1, outC, 1, 1, 'none', wBits, aBits, weights, weights + outC);
  }

  private push(
    kind: LayerDesc['kind'], outH: number, outW: number, outC: number, kernel: number, stride: number,
    act: Act, wBits: number, aBits: number, macs: number, params: number,
  ): void {
    this.layers.push({
      kind, inH: this.h, inW: this.w, inC: this.c, outH, outW, outC,
      kernel, stride, wBits, aBits, act, macs, params,
    });
    this.h = outH;
    this.w = outW;
    this.c = outC;
  }
}

/** The operator list of subnet `cfg`, in execution order. */
export function layersOf(space: SearchSpace, cfg: SubnetConfig): LayerDesc[] {
  const quantized = cfg.wBits !== undefined && cfg.aBits !== undefined;
  const stemBits = quantized ? space.quant.stemBits : { w: kFloatBits, a: kFloatBits };
  const clsBits = quantized ? space.quant.classifierBits : { w: kFloatBits, a: kFloatBits };
  const { input, stem, head } = space;
  const net = new Lowering(input.height, input.width, input.channels);

  net.conv(stem.width, stem.kernel, stem.stride, stem.hswish ? 'hswish' : 'relu', stemBits.w, stemBits.a);
  for (const slot of blockSlots(space)) {
    const stage = space.stages[slot.stage];
    if (slot.block >= cfg.depths[slot.stage]) continue;
    const wb = quantized ? cfg.wBits![slot.slot] : kFloatBits;
    const ab = quantized ? cfg.aBits![slot.slot] : kFloatBits;
    const act: Act = stage.hswish ? 'hswish' : 'relu';
    const inC = net.c;
    const outC = stageChannels(space, slot.stage, cfg.widths[slot.stage]);
    net.conv(midChannels(inC, cfg.expands[slot.slot]), 1, 1, act, wb, ab);
    net.dwconv(cfg.kernels[slot.slot], slot.stride, act, wb, ab);
    if (stage.se) net.se(wb, ab);
    net.conv(outC, 1, 1, 'none', wb, ab);
    if (slot.stride === 1 && inC === outC) net.add(wb, ab);
  }
  net.conv(head.width, 1, 1, head.hswish ? 'hswish' : 'relu', clsBits.w, clsBits.a);
  net.pool(clsBits.w, clsBits.a);
  net.fc(input.classes, clsBits.w, clsBits.a);
  return net.layers;
}

function sum(layers: readonly LayerDesc[], term: (layer: LayerDesc) => number): number {
  let total = 0;
  for (const layer of layers) total += term(layer);
  return total;
}

/** Multiply-accumulates of one inference (conv and FC weights only). */
export function macs(space: SearchSpace, cfg: SubnetConfig): number {
  return sum(layersOf(space, cfg), (l) => l.macs);
}

/** Parameters as deployed (weights plus folded-BN biases). */
export function params(space: SearchSpace, cfg: SubnetConfig): number {
  return sum(layersOf(space, cfg), (l) => l.params);
}

/** Sum over layers of MACs x weight bits x activation bits (APQ's BitOps; float = 32). */
export function bitOps(space: SearchSpace, cfg: SubnetConfig): number {
  return sum(layersOf(space, cfg), (l) => l.macs * l.wBits * l.aBits);
}

/** Model size in bytes: each layer's params at its weight bit-width. */
export function modelBytes(space: SearchSpace, cfg: SubnetConfig): number {
  return sum(layersOf(space, cfg), (l) => (l.params * l.wBits) / 8);
}
