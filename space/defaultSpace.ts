/**
 * The built-in search spaces, by name. `fashion-mbv3` is sized for Fashion-MNIST (28x28x1)
 * trained on 2 CPU cores: the largest subnet is ~12.5M MACs, the smallest ~0.8M.
 *
 * The stem has stride 2: at 28x28 with expand 6 and kernel 7, every block working at 14x14
 * with 32 or more channels costs over 4M MACs, so the blocks run at 7x7 and 4x4 only.
 * Stage widths are chosen so that the width ratios {0.5, 0.75, 1} give distinct channel
 * counts (24 would give 16, 24, 24). h-swish in the later stages, as in MobileNetV3.
 */
import type { SearchSpace } from './types.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The bit choices every built-in space offers: weights 4/6/8 bits or float, activations 8 bits or float; stem and classifier at 8. */
function builtInQuant(): SearchSpace['quant'] {
  return { weightBits: [4, 6, 8, 32], actBits: [8, 32], stemBits: { w: 8, a: 8 }, classifierBits: { w: 8, a: 8 } };
}

export const fashionMbv3: SearchSpace = deepFreeze({
  name: 'fashion-mbv3',
  input: { height: 28, width: 28, channels: 1, classes: 10 },
  stem: { width: 16, kernel: 3, stride: 2, hswish: true },
  stages: [
    { width: 32, stride: 2, depths: [1, 2, 3], se: false, hswish: false }, // 14 -> 7
    { width: 40, stride: 1, depths: [1, 2, 3], se: false, hswish: false }, // 7
    { width: 56, stride: 2, depths: [1, 2, 3], se: false, hswish: true }, // 7 -> 4
    { width: 80, stride: 1, depths: [1, 2], se: false, hswish: true }, // 4
  ],
  kernels: [3, 5, 7],
  expands: [3, 4, 6],
  widthRatios: [0.5, 0.75, 1],
  head: { width: 256, hswish: true },
  quant: builtInQuant(),
});

/**
 * `fashion-hybrid`: a block family per stage - MBConv, Fused-MBConv or the ResNet basic block -
 * with an elastic stem stride, so subnets work at 28x28 (stem stride 1) as a CPU-friendly
 * ResNet does, or at 14x14. Three stages of at most three blocks, kernel 3, widths 24/48/96
 * at ratio 1; the ratio 0.67 gives 16/32/64, so ResNet-8 (one resnet block per stage) and
 * ResNet-14 (two) are members. The stem keeps the first stage's width ratio, and there is no
 * head convolution (pool, then the classifier), as in a CIFAR ResNet. ReLU throughout.
 * Expand ratios per family, by the expand gene's index: mbconv 2/3/4 of the input channels,
 * fused 1/2/3 of the input, resnet 1/2, 3/4 or all of the output channels.
 */
export const fashionHybrid: SearchSpace = deepFreeze({
  name: 'fashion-hybrid',
  input: { height: 28, width: 28, channels: 1, classes: 10 },
  stem: { width: 24, kernel: 3, stride: 1, strides: [1, 2], widthFromStage: true, hswish: false },
  stages: [
    { width: 24, stride: 1, depths: [1, 2, 3], se: false, hswish: false }, // 28 (14 with stem stride 2)
    { width: 48, stride: 2, depths: [1, 2, 3], se: false, hswish: false }, // 14
    { width: 96, stride: 2, depths: [1, 2, 3], se: false, hswish: false }, // 7
  ],
  kernels: [3],
  expands: [2, 3, 4],
  families: [
    { name: 'mbconv', expands: [2, 3, 4] },
    { name: 'fused', expands: [1, 2, 3] },
    { name: 'resnet', expands: [0.5, 0.75, 1] },
  ],
  widthRatios: [0.34, 0.67, 1],
  head: { width: 0, hswish: false },
  quant: builtInQuant(),
});

/**
 * `fashion-plain`: VGG-style networks - a chain of plain 3x3 convolutions (BatchNorm, ReLU, no
 * residual), with a strided convolution where VGG has a max-pool. Stem 3x3/1 at 32 channels
 * (28x28), one stage of up to two convolutions at 64 channels (the first stride 2: 14x14), one
 * of up to three at 128 (the first stride 2: 7x7); global pool, then the classifier. Width
 * ratios 1/2, 3/4 and all, the stem at the first stage's ratio. Its member at depths [1, 2] and
 * ratio 1 is the 4-conv net of models/baselines/vgg4.json (14.7M MACs, between ResNet-8's 9.4M
 * and ResNet-14's). Only 3x3 kernels, as in VGG.
 */
export const fashionPlain: SearchSpace = deepFreeze({
  name: 'fashion-plain',
  input: { height: 28, width: 28, channels: 1, classes: 10 },
  stem: { width: 32, kernel: 3, stride: 1, widthFromStage: true, hswish: false }, // 28
  stages: [
    { width: 64, stride: 2, depths: [1, 2], se: false, hswish: false }, // 14
    { width: 128, stride: 2, depths: [1, 2, 3], se: false, hswish: false }, // 7
  ],
  kernels: [3],
  expands: [1],
  families: [{ name: 'plain', expands: [1] }],
  widthRatios: [0.5, 0.75, 1],
  head: { width: 0, hswish: false },
  quant: builtInQuant(),
});

/** Built-in spaces by name (frozen; copy before changing one). */
export const kSpaces = Object.freeze({ 'fashion-mbv3': fashionMbv3, 'fashion-hybrid': fashionHybrid, 'fashion-plain': fashionPlain } as const);

export type SpaceName = keyof typeof kSpaces;

export const kDefaultSpaceName: SpaceName = 'fashion-mbv3';

/** The built-in space called `name`; throws with the valid names for an unknown one. */
export function spaceByName(name: string): SearchSpace {
  if (!Object.hasOwn(kSpaces, name)) {
    throw new Error(`unknown search space '${name}': use one of ${Object.keys(kSpaces).join(', ')}, or load a space JSON file with parseSearchSpace`);
  }
  return kSpaces[name as SpaceName];
}
