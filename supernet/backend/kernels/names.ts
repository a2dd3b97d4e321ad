/** Names of the kernels this project adds to tfjs (ops call them with `runKernel`). */
export const PROJECT_KERNELS = Object.freeze({
  /** BatchNorm + activation forward, `[y, mean, variance, invStd]` (see batchNormAct.ts). */
  batchNormAct: 'HwnasBatchNormAct',
  /** Its gradient, `[dx, dGamma, dBeta]` (see batchNormActGrad.ts). */
  batchNormActGrad: 'HwnasBatchNormActGrad',
  /** `{a: [M, K], b: [M, N]}` -> a^T b `[K, N]` (1x1 and im2col filter gradients). */
  matMulAtB: 'HwnasMatMulAtB',
  /** `{x}`, Conv2D attrs + `filterShape` -> im2col patches `[B, Ho, Wo, kh*kw*Cin]`. */
  im2col: 'HwnasIm2Col',
  /** `{x}`, `{activation}` -> act(x). */
  activation: 'HwnasActivation',
  /** `{dy, x}`, `{activation}` -> dy * act'(x). */
  activationGrad: 'HwnasActivationGrad',
} as const);

/** Backends that get the composed (tfjs-op) versions of the project's kernels. */
export const COMPOSED_BACKENDS = Object.freeze(['cpu', 'tensorflow', 'webgl']);
