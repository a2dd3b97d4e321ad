/**
 * The fully connected ReLU network of the DDPG actor and critic, with weights drawn from a
 * seeded `Rng` (never tfjs's own random state), so that the same seed gives the same agent.
 * Initialisation follows AMC's DDPG: hidden layers uniform in +-1/sqrt(fan-in), the output
 * layer uniform in +-`outputInit` so the first outputs sit near zero.
 */
import { tf } from '../supernet/backend/tf.js';
import type { Rng } from '../space/rng.js';

export class Mlp {
  /** Weight and bias of each layer, alternating: [W0, b0, W1, b1, ...]. */
  readonly variables: tf.Variable[];
  readonly sizes: readonly number[];

  /**
   * @param sizes layer widths, input first and output last (at least two entries)
   * @param rng the stream the initial weights are drawn from
   * @param outputInit half-width of the output layer's uniform initialisation
   */
  constructor(sizes: readonly number[], rng: Rng, outputInit: number) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new RangeError(`Mlp sizes must be at least two positive integers (got [${sizes.join(', ')}])`);
    }
    this.sizes = [...sizes];
    this.variables = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l];
      const last = l + 2 === sizes.length;
      const bound = last ? outputInit : 1 / Math.sqrt(fanIn);
      const uniform = (n: number): Float32Array => {
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) v[i] = (2 * rng.next() - 1) * bound;
        return v;
      };
      // tidy frees the initial values; the variables (which share their data) stay.
      tf.tidy(() => {
        this.variables.push(tf.variable(tf.tensor2d(uniform(fanIn * sizes[l + 1]), [fanIn, sizes[l + 1]]), true));
        this.variables.push(tf.variable(tf.tensor1d(uniform(sizes[l + 1])), true));
      });
    }
  }

  /** The network's output (no activation on the last layer) for a batch of rows. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      const layers = this.variables.length / 2;
      for (let l = 0; l < layers; l++) {
        const z = tf.add(tf.matMul(h, this.variables[2 * l] as tf.Tensor2D), this.variables[2 * l + 1]) as tf.Tensor2D;
        h = l + 1 < layers ? tf.relu(z) : z;
      }
      return h;
    });
  }

  /** Moves every weight towards `source`'s: w <- tau * source + (1 - tau) * w (tau 1 copies). */
  softUpdate(source: Mlp, tau: number): void {
    if (source.sizes.join() !== this.sizes.join()) {
      throw new RangeError(`Mlp.softUpdate needs equal shapes ([${source.sizes.join(', ')}] vs [${this.sizes.join(', ')}])`);
    }
    tf.tidy(() => {
      this.variables.forEach((v, i) => v.assign(tf.add(tf.mul(source.variables[i], tau), tf.mul(v, 1 - tau))));
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
