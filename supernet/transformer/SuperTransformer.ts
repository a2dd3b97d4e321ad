/**
 * HAT's SuperTransformer as a ViT classifier: one set of weights, sized for the space's
 * largest SubTransformer, and every SubTransformer runs on their front slices - the first
 * `embedDim` rows and columns of every matrix, the first `heads x headDim` columns of Q, K, V
 * (the first heads) and rows of the output projection, the first hidden units of each MLP, and
 * the first `depth` layers. The architecture is the one `space/transformer/cost.ts` accounts.
 */
import { tf } from '../backend/tf.js';
import type { Tensor, Tensor2D, Tensor4D } from '../backend/tf.js';
import { Rng } from '../../space/rng.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { hiddenUnits, tokenCount } from '../../space/transformer/cost.js';
import { subTransformerParams } from '../../space/transformer/paramLayout.js';
import { ParamStore } from '../layers/ParamStore.js';
import { attention, layerNorm, linear, patchify } from './ops.js';

const last = (values: readonly number[]): number => values[values.length - 1];
/** Std of the weight initialisation (ViT's truncated normal, untruncated here). */
const kInitStd = 0.02;

export class SuperTransformer {
  readonly space: TransformerSpace;
  readonly store = new ParamStore();

  constructor(space: TransformerSpace, seed = 0) {
    this.space = space;
    const rng = new Rng(seed);
    const heads = last(space.heads);
    const hidden = Math.max(...space.embedDims.map((e) => hiddenUnits(e, last(space.mlpRatios))));
    const layers = Array.from({ length: last(space.depths) }, () => ({ heads, hidden }));
    // The largest SubTransformer's parameters (paramLayout.ts), initialised by role.
    for (const { name, shape, role } of subTransformerParams(space, last(space.embedDims), layers)) {
      if (role === 'weight') this.store.addNormal(name, shape, kInitStd, rng);
      else if (role === 'token') this.store.addNormal(name, shape, kInitStd, rng, false);
      else this.store.addConstant(name, shape, role === 'gamma' ? 1 : 0);
    }
  }

  /** The front `rows x cols` of a stored matrix (the whole variable when it is that size). */
  matrix(name: string, rows: number, cols: number): Tensor2D {
    const w = this.store.get(name);
    return (w.shape[0] === rows && w.shape[1] === cols ? w : tf.slice(w, [0, 0], [rows, cols])) as Tensor2D;
  }

  /** The first `n` entries of a stored vector. */
  vector(name: string, n: number): Tensor {
    const v = this.store.get(name);
    return v.shape[0] === n ? v : tf.slice(v, 0, n);
  }

  /** LayerNorm `name` at width `d`. */
  private norm(name: string, x: Tensor2D, d: number): Tensor2D {
    return layerNorm(x, this.vector(`${name}.gamma`, d), this.vector(`${name}.beta`, d));
  }

  private linear(name: string, x: Tensor2D, inUnits: number, outUnits: number): Tensor2D {
    return linear(x, this.matrix(`${name}.weight`, inUnits, outUnits), this.vector(`${name}.bias`, outUnits));
  }

  /** Tokens `[B*T, D]` of images `x` `[B,H,W,C]`: patch embedding, class token, position embeddings. */
  private embed(x: Tensor4D, d: number): Tensor2D {
    const { space } = this;
    const p = space.patchSize;
    const b = x.shape[0];
    const t = tokenCount(space);
    let tokens = tf.reshape(this.linear('patch', patchify(x, p), p * p * space.input.channels, d), [b, t - (space.pool === 'cls' ? 1 : 0), d]);
    if (space.pool === 'cls') {
      const cls = tf.broadcastTo(tf.reshape(this.vector('cls', d), [1, 1, d]), [b, 1, d]);
      tokens = tf.concat([cls, tokens], 1);
    }
    return tf.reshape(tf.add(tokens, this.matrix('pos', t, d)), [b * t, d]);
  }

  /** Encoder layer `i` of `cfg` on tokens `h` `[B*T, D]`. */
  private layer(cfg: TransformerConfig, i: number, h: Tensor2D, batch: number): Tensor2D {
    const d = cfg.embedDim;
    const { headDim } = this.space;
    const a = cfg.heads[i] * headDim;
    const name = `layers.${i}`;
    const x = this.norm(`${name}.ln1`, h, d);
    const [q, k, v] = ['q', 'k', 'v'].map((part) => this.linear(`${name}.${part}`, x, d, a));
    const mixed = attention(q, k, v, batch, tokenCount(this.space), cfg.heads[i], headDim);
    h = tf.add(h, this.linear(`${name}.proj`, mixed, a, d));
    const hidden = hiddenUnits(d, cfg.mlpRatios[i]);
    const y = this.norm(`${name}.ln2`, h, d);
    return tf.add(h, this.linear(`${name}.fc2`, tf.relu(this.linear(`${name}.fc1`, y, d, hidden)), hidden, d));
  }

  /**
   * Logits `[B, classes]` of SubTransformer `cfg` for images `x` `[B,H,W,C]`. Call inside
   * `tf.tidy` or a gradient function. (The second argument of the CNN supernet's forward, its
   * BatchNorm mode, has nothing to act on here: there is no BatchNorm.)
   */
  forward(cfg: TransformerConfig, x: Tensor4D, _mode?: unknown): Tensor2D {
    const d = cfg.embedDim;
    const b = x.shape[0];
    const t = tokenCount(this.space);
    let h = this.embed(x, d);
    for (let i = 0; i < cfg.depth; i++) h = this.layer(cfg, i, h, b);
    const normed = tf.reshape(this.norm('norm', h, d), [b, t, d]);
    const pooled = this.space.pool === 'cls'
      ? tf.reshape(tf.slice(normed, [0, 0, 0], [b, 1, d]), [b, d])
      : tf.mean(normed, 1);
    return this.linear('classifier', pooled as Tensor2D, d, this.space.input.classes);
  }

  /**
   * 1 for every flat parameter (in the store's order) SubTransformer `cfg` reads - the front
   * slices its forward pass takes - and 0 elsewhere.
   */
  readMask(cfg: TransformerConfig): Uint8Array {
    const mask = new Uint8Array(this.store.size);
    const infos = new Map(this.store.params.map((p) => [p.name, p]));
    const layers = cfg.heads.slice(0, cfg.depth).map((heads, i) => ({ heads, hidden: hiddenUnits(cfg.embedDim, cfg.mlpRatios[i]) }));
    for (const { name, shape } of subTransformerParams(this.space, cfg.embedDim, layers)) {
      const { offset, shape: full } = infos.get(name)!;
      const [rows, cols] = shape.length === 2 ? shape : [1, shape[0]];
      const stride = full.length === 2 ? full[1] : full[0];
      for (let r = 0; r < rows; r++) mask.fill(1, offset + r * stride, offset + r * stride + cols);
    }
    return mask;
  }

  dispose(): void {
    this.store.dispose();
  }
}
