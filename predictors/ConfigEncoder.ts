/**
 * The config -> feature vector map of the accuracy predictors: OFA's one-hot encoding, with
 * APQ's per-block bit one-hots appended for a quantization-aware predictor.
 *
 * Feature layout (K = |kernels|, E = |expands|, R = |widthRatios|, W = |weightBits|,
 * A = |actBits|, S = block slots, T = stages):
 *
 *   [0, S*(K+E))                  per block slot, in config order: one-hot kernel (K), then
 *                                 one-hot expand ratio (E)
 *   [S*(K+E), S*(K+E) + T*R)      per stage: one-hot width ratio (R)
 *   ---- archDim = S*(K+E) + T*R; the features below exist only with bits ----
 *   [archDim, archDim + S*(W+A))  per block slot: one-hot weight bits (W), then one-hot
 *                                 activation bits (A)
 *
 * A skipped slot (block index >= its stage's depth) is all zero, in the architecture part and
 * in the bit part, so depth is encoded by which slots are zero (OFA). The bit features come
 * last, so a quantization-aware predictor reads the architecture features at the same indices
 * as the fp32 predictor it was transferred from.
 *
 * A config without bits is float: a bit-aware encoder encodes it as 32-bit weights and
 * activations (the space must offer 32). An fp32 encoder refuses a config that quantizes any
 * active block rather than silently ignoring its bits (APQ's public search did exactly that).
 */
import { kFloatBits, type SearchSpace, type SubnetConfig } from '../space/types.js';

/** The plain-data description of an encoder, stored in predictor files. */
export interface EncoderSpec {
  /** Block slots of each stage (the stage's largest depth). */
  stageSlots: number[];
  kernels: number[];
  expands: number[];
  widthRatios: number[];
  /** Bit choices; present for a quantization-aware encoder. */
  bits?: { weight: number[]; act: number[] };
}


function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function indexIn(values: readonly number[], v: number, what: string): number {
  const i = values.indexOf(v);
  if (i < 0) throw new RangeError(`${what} = ${v} is not one of the encoder's choices [${values.join(', ')}]: the config is not from this predictor's search space`);
  return i;
}

export class ConfigEncoder {
  readonly spec: EncoderSpec;
  /** Number of block slots. */
  readonly slots: number;
  /** Stage of each block slot and the slot's position inside its stage. */
  private readonly slotStage: Int32Array;
  private readonly slotBlock: Int32Array;
  /** Features of the architecture part (kernels, expands, widths). */
  readonly archDim: number;
  /** Features in all (archDim plus the bit part, if any). */
  readonly dim: number;

  constructor(spec: EncoderSpec) {
    this.spec = structuredClone(spec);
    this.slots = spec.stageSlots.reduce((s, n) => s + n, 0);
    this.slotStage = new Int32Array(this.slots);
    this.slotBlock = new Int32Array(this.slots);
    let slot = 0;
    spec.stageSlots.forEach((n, stage) => {
      for (let b = 0; b < n; b++, slot++) {
        this.slotStage[slot] = stage;
        this.slotBlock[slot] = b;
      }
    });
    this.archDim = this.slots * (spec.kernels.length + spec.expands.length) + spec.stageSlots.length * spec.widthRatios.length;
    const bitsPerSlot = spec.bits ? spec.bits.weight.length + spec.bits.act.length : 0;
    this.dim = this.archDim + this.slots * bitsPerSlot;
  }

  /** The encoder for `space`; with `{ bits: true }` it also encodes per-block bit-widths. */
  static forSpace(space: SearchSpace, options: { bits?: boolean } = {}): ConfigEncoder {
    const spec: EncoderSpec = {
      stageSlots: space.stages.map((s) => s.depths[s.depths.length - 1]),
      kernels: [...space.kernels],
      expands: [...space.expands],
      widthRatios: [...space.widthRatios],
    };
    if (options.bits) spec.bits = { weight: [...space.quant.weightBits], act: [...space.quant.actBits] };
    return new ConfigEncoder(spec);
  }

  get hasBits(): boolean {
    return this.spec.bits !== undefined;
  }

  /** This encoder's architecture part followed by the bit part of `space`. */
  withBits(space: SearchSpace): ConfigEncoder {
    return new ConfigEncoder({ ...this.spec, bits: { weight: [...space.quant.weightBits], act: [...space.quant.actBits] } });
  }

  /** Why this encoder cannot encode configs of `space` (empty when it can). */
  problemsWith(space: SearchSpace): string[] {
    const other = ConfigEncoder.forSpace(space, { bits: this.hasBits }).spec;
    const problems: string[] = [];
    for (const key of ['stageSlots', 'kernels', 'expands', 'widthRatios'] as const) {
      if (!sameList(this.spec[key], other[key])) {
        problems.push(`${key} [${this.spec[key].join(', ')}] differ from space '${space.name}' ([${other[key].join(', ')}])`);
      }
    }
    if (this.spec.bits && other.bits) {
      if (!sameList(this.spec.bits.weight, other.bits.weight)) problems.push(`weight bits [${this.spec.bits.weight.join(', ')}] differ from the space's [${other.bits.weight.join(', ')}]`);
      if (!sameList(this.spec.bits.act, other.bits.act)) problems.push(`activation bits [${this.spec.bits.act.join(', ')}] differ from the space's [${other.bits.act.join(', ')}]`);
    }
    return problems;
  }

  /** Writes the features of `cfg` into `out` at `offset` (the range is zeroed first). */
  encodeInto(cfg: SubnetConfig, out: Float32Array, offset = 0): void {
    const { kernels, expands, widthRatios, bits } = this.spec;
    out.fill(0, offset, offset + this.dim);
    const perSlot = kernels.length + expands.length;
    const quantized = cfg.wBits !== undefined && cfg.aBits !== undefined;
    for (let s = 0; s < this.slots; s++) {
      if (this.slotBlock[s] >= cfg.depths[this.slotStage[s]]) continue;
      const base = offset + s * perSlot;
      out[base + indexIn(kernels, cfg.kernels[s], `kernels[${s}]`)] = 1;
      out[base + kernels.length + indexIn(expands, cfg.expands[s], `expands[${s}]`)] = 1;
      const w = quantized ? (cfg.wBits as number[])[s] : kFloatBits;
      const a = quantized ? (cfg.aBits as number[])[s] : kFloatBits;
      if (bits) {
        const b = offset + this.archDim + s * (bits.weight.length + bits.act.length);
        out[b + indexIn(bits.weight, w, quantized ? `wBits[${s}]` : 'float weights (no wBits)')] = 1;
        out[b + bits.weight.length + indexIn(bits.act, a, quantized ? `aBits[${s}]` : 'float activations (no aBits)')] = 1;
      } else if (w !== kFloatBits || a !== kFloatBits) {
        throw new RangeError(`block slot ${s} is quantized (wBits ${w}, aBits ${a}) but this is an fp32 predictor: use a quantization-aware predictor for configs with bits`);
      }
    }
    const widthBase = offset + this.slots * perSlot;
    this.spec.stageSlots.forEach((_, st) => {
      out[widthBase + st * widthRatios.length + indexIn(widthRatios, cfg.widths[st], `widths[${st}]`)] = 1;
    });
  }

  /** The features of one config. */
  encode(cfg: SubnetConfig): Float32Array {
    const out = new Float32Array(this.dim);
    this.encodeInto(cfg, out);
    return out;
  }

  /** The features of many configs, row-major `[configs.length, dim]`. */
  encodeBatch(configs: readonly SubnetConfig[]): Float32Array {
    const out = new Float32Array(configs.length * this.dim);
    configs.forEach((cfg, i) => this.encodeInto(cfg, out, i * this.dim));
    return out;
  }

  /**
   * Indices of the bit features that mark a quantized block (weight or activation bits below
   * 32); empty without bits. A row that has none of them set quantizes nothing: it is the
   * float model (see deployedConfig).
   */
  quantizedFeatures(): Int32Array {
    const { bits } = this.spec;
    if (!bits) return new Int32Array(0);
    const perSlot = bits.weight.length + bits.act.length;
    const out: number[] = [];
    for (let s = 0; s < this.slots; s++) {
      const base = this.archDim + s * perSlot;
      bits.weight.forEach((w, i) => w < kFloatBits && out.push(base + i));
      bits.act.forEach((a, i) => a < kFloatBits && out.push(base + bits.weight.length + i));
    }
    return Int32Array.from(out);
  }

  /** A readable name per feature, e.g. `slot3.k5`, `stage1.r0.75`, `slot3.w4`, `slot3.a8`. */
  featureNames(): string[] {
    const { kernels, expands, widthRatios, bits } = this.spec;
    const names: string[] = [];
    for (let s = 0; s < this.slots; s++) {
      for (const k of kernels) names.push(`slot${s}.k${k}`);
      for (const e of expands) names.push(`slot${s}.e${e}`);
    }
    this.spec.stageSlots.forEach((_, st) => {
      for (const r of widthRatios) names.push(`stage${st}.r${r}`);
    });
    if (bits) {
      for (let s = 0; s < this.slots; s++) {
        for (const w of bits.weight) names.push(`slot${s}.w${w}`);
        for (const a of bits.act) names.push(`slot${s}.a${a}`);
      }
    }
    return names;
  }
}
