/**
 * The SubTransformer config -> feature vector map of the transformer accuracy predictor, in the
 * style of ConfigEncoder.ts (OFA's one-hot encoding):
 *
 *   [0, E)                       one-hot embedding dim (E = |embedDims|)
 *   [E, E + L*(H+R))             per layer slot (L = the space's largest depth), in order: one-hot
 *                                heads (H = |heads|) then one-hot MLP ratio (R = |mlpRatios|);
 *                                a slot past the config's depth is all zero, so depth is encoded
 *                                by which slots are zero (as OFA encodes a stage's depth)
 *
 * A config with a choice outside the encoder's lists is refused rather than encoded wrongly.
 */
import type { TransformerConfig, TransformerSpace } from '../space/transformer/types.js';

/** The plain-data description of an encoder, stored in predictor files. */
export interface TransformerEncoderSpec {
  embedDims: number[];
  /** Layer slots: the space's largest depth. */
  layers: number;
  heads: number[];
  mlpRatios: number[];
}

function indexIn(values: readonly number[], v: number, what: string): number {
  const i = values.indexOf(v);
  if (i < 0) throw new RangeError(`${what} = ${v} is not one of the encoder's choices [${values.join(', ')}]: the config is not from this predictor's transformer space`);
  return i;
}

export class TransformerEncoder {
  readonly dim: number;
  private readonly perLayer: number;

  constructor(readonly spec: TransformerEncoderSpec) {
    this.perLayer = spec.heads.length + spec.mlpRatios.length;
    this.dim = spec.embedDims.length + spec.layers * this.perLayer;
  }

  static forSpace(space: TransformerSpace): TransformerEncoder {
    return new TransformerEncoder({
      embedDims: [...space.embedDims], layers: space.depths[space.depths.length - 1], heads: [...space.heads], mlpRatios: [...space.mlpRatios],
    });
  }

  /** Whether `other` encodes the same features (same choices in the same order). */
  sameAs(other: TransformerEncoder): boolean {
    return JSON.stringify(this.spec) === JSON.stringify(other.spec);
  }

  /** Writes the features of `cfg` into `out` at `offset` (which must be zero-filled). */
  encodeInto(cfg: TransformerConfig, out: Float32Array, offset = 0): void {
    const { spec } = this;
    if (cfg.depth > spec.layers) throw new RangeError(`config.depth = ${cfg.depth} is above the encoder's ${spec.layers} layer slots: the config is not from this predictor's transformer space`);
    out[offset + indexIn(spec.embedDims, cfg.embedDim, 'config.embedDim')] = 1;
    for (let i = 0; i < cfg.depth; i++) {
      const at = offset + spec.embedDims.length + i * this.perLayer;
      out[at + indexIn(spec.heads, cfg.heads[i], `config.heads[${i}]`)] = 1;
      out[at + spec.heads.length + indexIn(spec.mlpRatios, cfg.mlpRatios[i], `config.mlpRatios[${i}]`)] = 1;
    }
  }

  encode(cfg: TransformerConfig): Float32Array {
    const out = new Float32Array(this.dim);
    this.encodeInto(cfg, out);
    return out;
  }

  /** `[n, dim]` row-major. */
  encodeBatch(configs: readonly TransformerConfig[]): Float32Array {
    const out = new Float32Array(configs.length * this.dim);
    configs.forEach((cfg, i) => this.encodeInto(cfg, out, i * this.dim));
    return out;
  }
}
