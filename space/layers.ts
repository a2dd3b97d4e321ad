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
 * Other block families (space `families`): fused is a kxk expand conv (the stride) -> act,
 * 1x1 project; resnet a kxk conv (the stride) -> act, kxk conv, a 1x1 projection of the input
 * where the shape changes, the sum -> act; plain one kxk conv (the stride) -> act, no residual.
 *
 * mid = makeDivisible(round(in * expand)); stage out = makeDivisible(stage.width * ratio).
 * 'same' padding: output size ceil(in / stride).
 *
 * Every operator records the block it belongs to (`block`: 0 for the first block that runs,
 * -1 in the stem and the head): the measured latency profiles time the stem, each block and the
 * head as parts.
 *
 * Counting: MACs are the multiply-accumulates of conv and FC weights (elementwise ops - the
 * residual add, pooling, SE's rescale - count 0). Params are as deployed: weights plus one
 * bias per output channel (the folded BN). Every layer of a block carries the block's bits;
 * stem, head conv, pool and FC carry the space's fixed stem/classifier bits when the config
 * has bits, and 32 (float) everywhere when it has none.
 */
import type { LayerDesc } from './layerDesc.js';
import type { SearchSpace, SubnetConfig } from './types.js';
import { squeezeChannels } from './channels.js';
import { subnetPlan } from './plan.js';

export { makeDivisible } from './channels.js';

type Act = LayerDesc['act'];

/** A layer builder tracking the current feature map. */
class Lowering {
  readonly layers: LayerDesc[] = [];
  h: number;
  w: number;
  c: number;
  /** Index of the block whose operators are pushed now (execution order); -1 in the stem and the head. */
  private block = -1;
  private blocks = 0;

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

  /** Residual sum, with the activation that follows it (resnet) or none. */
  add(wBits: number, aBits: number, act: Act = 'none'): void {
    this.push('add', this.h, this.w, this.c, 1, 1, act, wBits, aBits, 0, 0);
  }

  /** A 1x1 projection of an earlier feature map (h, w, c) on a side path; the current map is kept. */
  sideConv(from: { h: number; w: number; c: number }, outC: number, stride: number, wBits: number, aBits: number): void {
    const here = { h: this.h, w: this.w, c: this.c };
    Object.assign(this, from);
    this.conv(outC, 1, stride, 'none', wBits, aBits);
    Object.assign(this, here);
  }

  /** The operators pushed from now on belong to the next block. */
  beginBlock(): void {
    this.block = this.blocks++;
  }

  /** The operators pushed from now on belong to the head. */
  endBlock(): void {
    this.block = -1;
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
      kernel, stride, wBits, aBits, act, macs, params, block: this.block,
    });
    this.h = outH;
    this.w = outW;
    this.c = outC;
  }
}

/** The operator list of subnet `cfg`, in execution order (lowered from its plan). */
export function layersOf(space: SearchSpace, cfg: SubnetConfig): LayerDesc[] {
  const plan = subnetPlan(space, cfg);
  const { input } = space;
  const { stem, head, classifier } = plan;
  const net = new Lowering(input.height, input.width, input.channels);
  net.conv(stem.outC, stem.kernel, stem.stride, stem.act, stem.wBits, stem.aBits);
  for (const b of plan.blocks) {
    const input = { h: net.h, w: net.w, c: net.c };
    net.beginBlock();
    switch (b.family) {
      case 'mbconv':
        net.conv(b.midC, 1, 1, b.act, b.wBits, b.aBits);
        net.dwconv(b.kernel, b.stride, b.act, b.wBits, b.aBits);
        if (b.seC > 0) net.se(b.wBits, b.aBits);
        net.conv(b.outC, 1, 1, 'none', b.wBits, b.aBits);
        break;
      case 'fused':
        net.conv(b.midC, b.kernel, b.stride, b.act, b.wBits, b.aBits);
        net.conv(b.outC, 1, 1, 'none', b.wBits, b.aBits);
        break;
      case 'resnet':
        net.conv(b.midC, b.kernel, b.stride, b.act, b.wBits, b.aBits);
        net.conv(b.outC, b.kernel, 1, 'none', b.wBits, b.aBits);
        if (b.shortcut) net.sideConv(input, b.outC, b.stride, b.wBits, b.aBits);
        break;
      case 'plain':
        net.conv(b.outC, b.kernel, b.stride, b.act, b.wBits, b.aBits);
        break;
      default: {
        const unknown: never = b.family;
        throw new Error(`block family '${String(unknown)}' has no lowering: add it to layersOf`);
      }
    }
    if (b.residual) net.add(b.wBits, b.aBits, b.family === 'resnet' ? b.act : 'none');
    net.endBlock();
  }
  if (head !== null) net.conv(head.outC, 1, 1, head.act, head.wBits, head.aBits);
  net.pool(classifier.wBits, classifier.aBits);
  net.fc(classifier.outC, classifier.wBits, classifier.aBits);
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
