/** A search space small enough to count MACs by hand and to enumerate every config. */
import type { SearchSpace } from '../../space/types.js';

export function tinySpace(): SearchSpace {
  return {
    name: 'tiny',
    input: { height: 8, width: 8, channels: 1, classes: 3 },
    stem: { width: 8, kernel: 3, stride: 1, hswish: false },
    stages: [
      { width: 16, stride: 2, depths: [1, 2], se: true, hswish: false },
      { width: 24, stride: 2, depths: [1], se: false, hswish: true },
    ],
    kernels: [3, 5],
    expands: [2, 4],
    widthRatios: [0.5, 1],
    head: { width: 32, hswish: true },
    quant: {
      weightBits: [4, 8],
      actBits: [8, 32],
      stemBits: { w: 8, a: 8 },
      classifierBits: { w: 8, a: 8 },
    },
  };
}
