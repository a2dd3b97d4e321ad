/**
 * Gradient of BatchNorm + activation (see batchNormAct.ts):
 *   inputs {dy, x, gamma, beta, mean, invStd}, attrs {activation, training} -> [dx, dGamma, dBeta].
 * With g = dy act'(u), u = x scale + shift (scale = gamma invStd, shift = beta - mean scale):
 *   dBeta = sum g,  dGamma = invStd sum g (x - mean),
 *   dx = scale (g - sum g / M - (x - mean) invStd^2 sum g (x - mean) / M)   (training)
 *   dx = scale g                                                              (given statistics)
 * On wasm: one SIMD reduction pass, the per-channel coefficients in JavaScript, one fused SIMD
 * pass; elsewhere tfjs ops.
 */
import { tf } from '../tf.js';
import type { Tensor, TensorInfo } from '../tf.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import { activationGrad, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export const batchNormActGrad: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormActGrad,
  wasm({ dy, x, gamma, beta, mean, invStd }, attrs, backend) {
    const training = attrs.training as boolean;
    const act = checkActivation(attrs.activation);
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const dx = backend.makeOutput(x.shape, 'float32');
    const dGamma = backend.makeOutput([c], 'float32');
    const dBeta = backend.makeOutput([c], 'float32');
    const simd = simdFor(backend);
    // Scratch: scale, shift, coef a, b, c (C each), then 2C for the reduction.
    withScratch(backend, 7 * c * 4, (scratch) => {
      const heap = new Float32Array(backend.wasm.asm.memory.buffer);
      const at = (t: TensorInfo) => ptr(backend, t) / 4;
      const [g, b, mu, inv, dg, db] = [at(gamma), at(beta), at(mean), at(invStd), at(dGamma), at(dBeta)];
      const s0 = scratch / 4;
      const [scale, shift, ca, cb, cc] = [s0, s0 + c, s0 + 2 * c, s0 + 3 * c, s0 + 4 * c];
      for (let i = 0; i < c; i++) {
        heap[scale + i] = heap[g + i] * heap[inv + i];
        heap[shift + i] = heap[b + i] - heap[mu + i] * heap[scale + i];
      }
      const bytes = (float: number) => float * 4;
      simd[`bn_bwd_reduce_${act}`](
        ptr(backend, dy), ptr(backend, x), m, c, bytes(scale), bytes(shift), ptr(backend, mean),
        ptr(backend, dBeta), ptr(backend, dGamma), scratch + 5 * c * 4,
      );
      for (let i = 0; i < c; i++) {
        const sumG = heap[db + i];
        const sumGCentred = heap[dg + i];
        const iv = heap[inv + i];
        heap[dg + i] = sumGCentred * iv;
        heap[ca + i] = heap[scale + i];
        heap[cb + i] = training ? (-heap[scale + i] * iv * iv * sumGCentred) / m : 0;
        heap[cc + i] = training ? (-heap[scale + i] * sumG) / m : 0;
      }
      simd[`bn_bwd_apply_${act}`](
        ptr(backend, dy), ptr(backend, x), m, c, bytes(scale), bytes(shift), ptr(backend, mean), bytes(ca),
        ptr(backend, dx),
      );
    });
    return [dx, dGamma, dBeta] as unknown as TensorInfo;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ dy, x, gamma, beta, mean, invStd }, attrs) {
    const training = attrs.training as boolean;
    const c = x.shape[x.rank - 1];
    const m = x.size / c;
    const scale = tf.mul(gamma, invStd);
    const shift = tf.sub(beta, tf.mul(mean, scale));
    const g = activationGrad(dy, tf.add(tf.mul(x, scale), shift), checkActivation(attrs.activation));
    const centred = tf.sub(x, mean);
    const g2 = tf.reshape(g, [-1, c]);
    const sumG = tf.sum(g2, 0);
    const sumGCentred = tf.sum(tf.mul(g2, tf.reshape(centred, [-1, c])), 0);
    const dGamma = tf.mul(sumGCentred, invStd);
    const dx = training
      ? tf.mul(scale, tf.sub(tf.sub(g, tf.div(sumG, m)), tf.mul(centred, tf.mul(tf.square(invStd), tf.div(sumGCentred, m)))))
      : tf.mul(scale, g);
    return [dx, dGamma, sumG] as Tensor[];
  },
};
