/** Names of the kernels this project adds to tfjs (ops call them with `runKernel`). */
export const PROJECT_KERNELS = Object.freeze({
  /** `{x}` -> `[2, C]`: per-channel mean and biased variance over all leading axes. */
  batchNormStats: 'HwnasBatchNormStats',
  /** `{x, scale, shift}`, `{activation}` -> act(x * scale + shift). */
  batchNormActForward: 'HwnasBatchNormActForward',
  /** `{dy, x, scale, shift, mean}`, `{activation}` -> `[2, C]`: sum g, sum g (x - mean). */
  batchNormActBackwardReduce: 'HwnasBatchNormActBackwardReduce',
  /** `{dy, x, scale, shift, mean, coef: [3, C]}`, `{activation}` -> a g + b (x - mean) + c. */
  batchNormActBackwardApply: 'HwnasBatchNormActBackwardApply',
  /** `{x}`, `{activation}` -> act(x). */
  activation: 'HwnasActivation',
  /** `{dy, x}`, `{activation}` -> dy * act'(x). */
  activationGrad: 'HwnasActivationGrad',
} as const);

/** Backends that get the composed (tfjs-op) versions of the project's kernels. */
export const COMPOSED_BACKENDS = Object.freeze(['cpu', 'tensorflow', 'webgl']);
