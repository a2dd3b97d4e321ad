/**
 * The tensor operations of a SubTransformer, on the tokens of a batch as a `[B*T, D]` matrix
 * (so every linear layer is one unbatched GEMM, the fast path of the wasm backend's matmul).
 * Call inside `tf.tidy` or a gradient function.
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor2D, Tensor4D } from '../backend/tf.js';

export const kLayerNormEpsilon = 1e-5;

/**
 * `[B, H, W, C]` images as `[B * (H/p) * (W/p), p*p*C]` patch rows, each patch row-major
 * (dy, dx, c) - the flattening of a `[p, p, C, D]` convolution filter - and the patches of an
 * image in raster order.
 */
export function patchify(x: Tensor4D, p: number): Tensor2D {
  const [b, h, w, c] = x.shape;
  const rows = tf.reshape(x, [b * (h / p), p, w / p, p * c]);
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [b * (h / p) * (w / p), p * p * c]);
}

/** `x w + bias` for `x` `[N, in]`. */
export function linear(x: Tensor2D, w: Tensor2D, bias: Tensor): Tensor2D {
  return tf.add(tf.matMul(x, w), bias);
}

/**
 * LayerNorm over the last axis of `x` `[N, D]`, with a hand-written gradient of 11 kernels,
 * all elementwise or row reductions the wasm backend runs natively. Measured on wasm for
 * `[1024, 128]` (forward and backward under a weighted-sum loss): 33 kernel launches and 1.6 ms
 * of kernel time, against 80 and 3.7 ms for the autodiff of the composed forward.
 *   dx = rstd * (g dy - mean(g dy) - xhat * mean(g dy * xhat)), dgamma = sum(dy * xhat),
 *   dbeta = sum(dy).
 */
export function layerNorm(x: Tensor2D, gamma: Tensor, beta: Tensor, epsilon = kLayerNormEpsilon): Tensor2D {
  const run = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, bt] = args as Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(xIn, -1, true);
    const centred = tf.sub(xIn, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), epsilon));
    const xhat = tf.mul(centred, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), bt),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sxhat, srstd, sg] = saved;
        const gdy = tf.mul(dy, sg);
        const inner = tf.sub(tf.sub(gdy, tf.mean(gdy, -1, true)), tf.mul(sxhat, tf.mean(tf.mul(gdy, sxhat), -1, true)));
        return [tf.mul(inner, srstd), tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
      },
    };
  });
  return run(x, gamma, beta) as Tensor2D;
}

/**
 * Multi-head self-attention of `q`, `k`, `v` `[B*T, heads*headDim]` (the heads side by side):
 * per head softmax(q k^T / sqrt(headDim)) v, back as `[B*T, heads*headDim]`. The products are
 * batched matmuls over `[B, heads]`.
 */
export function attention(q: Tensor2D, k: Tensor2D, v: Tensor2D, batch: number, tokens: number, heads: number, headDim: number): Tensor2D {
  const split = (t: Tensor2D): Tensor => tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]);
  const scores = tf.mul(tf.matMul(split(q), split(k), false, true), 1 / Math.sqrt(headDim));
  const mixed = tf.matMul(tf.softmax(scores), split(v));
  return tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch * tokens, heads * headDim]);
}
