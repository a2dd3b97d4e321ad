/**
 * BatchNorm (over every axis but the last) fused with its activation, forward:
 *   inputs {x, gamma, beta} (+ {mean, variance} when not training), attrs {activation, epsilon,
 *   training} -> [y, mean, variance, invStd] with y = act((x - mean) invStd gamma + beta).
 * Training uses the batch mean and biased variance. On wasm: one SIMD statistics pass, the
 * per-channel affine map in JavaScript, one fused SIMD pass; elsewhere tfjs ops.
 */
import { tf } from '../tf.js';
import type { Tensor, Tensor1D, TensorInfo } from '../tf.js';
import { ptr, simdFor, withScratch } from '../simd/simdModule.js';
import { activate, checkActivation } from './activationMath.js';
import type { ProjectKernel } from './composite.js';
import { COMPOSED_BACKENDS, PROJECT_KERNELS } from './names.js';

export interface BatchNormActAttrs {
  activation: string;
  epsilon: number;
  training: boolean;
}

export const batchNormAct: ProjectKernel = {
  kernelName: PROJECT_KERNELS.batchNormAct,
  wasm({ x, gamma, beta, mean: givenMean, variance: givenVariance }, attrs, backend) {
    const { epsilon, training } = attrs as unknown as BatchNormActAttrs;
    const act = checkActivation(attrs.activation);
    const c = x.shape[x.shape.length - 1];
    const m = x.shape.reduce((a, b) => a * b, 1) / c;
    const y = backend.makeOutput(x.shape, 'float32');
    const [mean, variance, invStd] = [0, 1, 2].map(() => backend.makeOutput([c], 'float32'));
    const simd = simdFor(backend);
    withScratch(backend, 4 * c * 4, (scratch) => {
      if (training) {
        simd.bn_stats(ptr(backend, x), m, c, 1 / m, ptr(backend, mean), ptr(backend, variance), scratch);
      }
      const heap = new Float32Array(backend.wasm.asm.memory.buffer);
      const at = (t: TensorInfo) => ptr(backend, t) / 4;
      if (!training) {
        heap.copyWithin(at(mean), at(givenMean), at(givenMean) + c);
        heap.copyWithin(at(variance), at(givenVariance), at(givenVariance) + c);
      }
      const [mu, vr, inv, g, b] = [at(mean), at(variance), at(invStd), at(gamma), at(beta)];
      const scale = scratch / 4;
      const shift = scale + c;
      for (let i = 0; i < c; i++) {
        const s = 1 / Math.sqrt(heap[vr + i] + epsilon);
        heap[inv + i] = s;
        heap[scale + i] = heap[g + i] * s;
        heap[shift + i] = heap[b + i] - heap[mu + i] * heap[scale + i];
      }
      simd[`bn_fwd_${act}`](ptr(backend, x), m, c, scratch, scratch + c * 4, ptr(backend, y));
    });
    return [y, mean, variance, invStd] as unknown as TensorInfo;
  },
  composedBackends: COMPOSED_BACKENDS,
  composed({ x, gamma, beta, mean, variance }, attrs) {
    const { epsilon, training } = attrs as unknown as BatchNormActAttrs;
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const stats = training ? tf.moments(x, axes) : { mean, variance };
    const invStd = tf.rsqrt(tf.add(stats.variance, epsilon)) as Tensor1D;
    const scale = tf.mul(gamma, invStd);
    const shift = tf.sub(beta, tf.mul(stats.mean, scale));
    const y = activate(tf.add(tf.mul(x, scale), shift), checkActivation(attrs.activation));
    return [y, tf.clone(stats.mean), tf.clone(stats.variance), invStd] as Tensor[];
  },
};
