/**
 * The config -> feature vector map of the accuracy predictors: OFA's one-hot encoding, with
 * APQ's per-block bit one-hots appended for a quantization-aware predictor, and - for spaces
 * with block families or an elastic stem stride (fashion-hybrid) - the kernel and expand
 * one-hots read per family, a family one-hot per stage and a stem-stride one-hot.
 *
 * Feature layout (K = |kernels|, E = |expands|, R = |widthRatios|, W = |weightBits|,
 * A = |actBits|, S = block slots, T = stages; F = |families| and D = |stem strides| in a spec
 * with `families`, otherwise F = 1 and D = 0):
 *
 *   [0, S*F*(K+E))                per block slot, in config order: F groups of one-hot kernel
 *                                 (K) then one-hot expand index (E), in the family order; only
 *                                 the group of the slot's stage family is set, so each kernel
 *                                 and expand choice is a feature of its own per family
 *   [S*F*(K+E), .. + T*R)         per stage: one-hot width ratio (R)
 *   [.., .. + T*F + D)            with families only: per stage one-hot family (F), then
 *                                 one-hot stem stride (D)
 *   ---- archDim; the features below exist only with bits ----
 *   [archDim, archDim + S*(W+A))  per block slot: one-hot weight bits (W), then one-hot
 *                                 activation bits (A)
 *
 * Without families (fashion-mbv3) the layout is exactly OFA's, and old predictor files, whose
 * encoder records no families, load and predict as before. A family's expand choices are
 * encoded by index (the genome's expand gene, see space/genome.ts).
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
import { hasFamilyGenes, spaceFamilies, stemStrides } from '../space/searchSpace.js';
import { kFloatBits, type SearchSpace, type SubnetConfig } from '../space/types.js';

/** The plain-data description of an encoder, stored in predictor files. */
export interface EncoderSpec {
  /** Block slots of each stage (the stage's largest depth). */
  stageSlots: number[];
  kernels: number[];
  expands: number[];
  widthRatios: number[];
  /**
   * Block families with their expand choices (as many as `expands`), in the space's order; a
   * stage that names none takes the first. Present for spaces with family genes.
   */
  families?: { name: string; expands: number[] }[];
  /** Stem stride choices and the stride of a config that names none; present with `families`. */
  stem?: { strides: number[]; stride: number };
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

/** The architecture part of a spec in a fixed key order (equal specs give equal strings). */
function archKey(spec: EncoderSpec): string {
  const { stageSlots, kernels, expands, widthRatios, families, stem } = spec;
  return JSON.stringify({ stageSlots, kernels, expands, widthRatios, families, stem });
}

export class ConfigEncoder {
  readonly spec: EncoderSpec;
  /** Number of block slots. */
  readonly slots: number;
  /** Stage of each block slot and the slot's position inside its stage. */
  private readonly slotStage: Int32Array;
  private readonly slotBlock: Int32Array;
  /** Expand choices per family (one family, the spec's `expands`, without families). */
  private readonly familyExpands: readonly (readonly number[])[];
  private readonly familyIndex: ReadonlyMap<string, number>;
  /** Features per block slot: F groups of K + E. */
  private readonly perSlot: number;
  /** Features of the architecture part (kernels, expands, widths, families, stem stride). */
  readonly archDim: number;
  /** Features in all (archDim plus the bit part, if any). */
  readonly dim: number;

  constructor(spec: EncoderSpec) {
    this.spec = structuredClone(spec);
    if ((spec.families === undefined) !== (spec.stem === undefined)) throw new Error('an encoder spec gives block families and stem strides together, or neither');
    for (const f of spec.families ?? []) {
      if (f.expands.length !== spec.expands.length) {
        throw new Error(`family ${f.name} has ${f.expands.length} expand choices but the encoder ${spec.expands.length}: every family needs one per expand index`);
      }
    }
    if (spec.stem !== undefined && !spec.stem.strides.includes(spec.stem.stride)) {
      throw new Error(`the default stem stride ${spec.stem.stride} is not one of the stem strides [${spec.stem.strides.join(', ')}]`);
    }
    this.familyExpands = spec.families?.map((f) => f.expands) ?? [spec.expands];
    this.familyIndex = new Map((spec.families ?? []).map((f, i) => [f.name, i]));
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
    const stages = spec.stageSlots.length;
    this.perSlot = this.familyExpands.length * (spec.kernels.length + spec.expands.length);
    const familyPart = spec.families === undefined ? 0 : stages * spec.families.length + (spec.stem as { strides: number[] }).strides.length;
    this.archDim = this.slots * this.perSlot + stages * spec.widthRatios.length + familyPart;
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
    if (hasFamilyGenes(space)) {
      spec.families = spaceFamilies(space).map((f) => ({ name: f.name, expands: [...f.expands] }));
      spec.stem = { strides: [...stemStrides(space)], stride: space.stem.stride };
    }
    if (options.bits) spec.bits = { weight: [...space.quant.weightBits], act: [...space.quant.actBits] };
    return new ConfigEncoder(spec);
  }

  get hasBits(): boolean {
    return this.spec.bits !== undefined;
  }

  /** Whether this encoder's architecture features are `other`'s (bits aside). */
  sameArchitecture(other: ConfigEncoder): boolean {
    return archKey(this.spec) === archKey(other.spec);
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
    const families = (spec: EncoderSpec): string => spec.families?.map((f) => `${f.name} [${f.expands.join(', ')}]`).join(', ') ?? 'none';
    if (families(this.spec) !== families(other)) {
      problems.push(`block families (${families(this.spec)}) differ from space '${space.name}' (${families(other)})`);
    }
    const stem = (spec: EncoderSpec): string => (spec.stem === undefined ? 'not encoded' : `[${spec.stem.strides.join(', ')}], default ${spec.stem.stride}`);
    if (stem(this.spec) !== stem(other)) problems.push(`stem strides (${stem(this.spec)}) differ from space '${space.name}' (${stem(other)})`);
    if (this.spec.bits && other.bits) {
      if (!sameList(this.spec.bits.weight, other.bits.weight)) problems.push(`weight bits [${this.spec.bits.weight.join(', ')}] differ from the space's [${other.bits.weight.join(', ')}]`);
      if (!sameList(this.spec.bits.act, other.bits.act)) problems.push(`activation bits [${this.spec.bits.act.join(', ')}] differ from the space's [${other.bits.act.join(', ')}]`);
    }
    return problems;
  }

  /** Family index of each stage of `cfg` (all 0 without families). */
  private stageFamilies(cfg: SubnetConfig): number[] {
    const { families } = this.spec;
    return this.spec.stageSlots.map((_, st) => {
      const name = cfg.families?.[st];
      if (families === undefined) {
        if (name !== undefined && name !== 'mbconv') throw new RangeError(`families[${st}] = '${name}', but this predictor encodes no block families: the config is not from this predictor's search space`);
        return 0;
      }
      if (name === undefined) return 0;
      const f = this.familyIndex.get(name);
      if (f === undefined) throw new RangeError(`families[${st}] = '${name}' is not one of the encoder's families [${families.map((x) => x.name).join(', ')}]: the config is not from this predictor's search space`);
      return f;
    });
  }

  /** Writes the features of `cfg` into `out` at `offset` (the range is zeroed first). */
  encodeInto(cfg: SubnetConfig, out: Float32Array, offset = 0): void {
    const { kernels, expands, widthRatios, bits, families, stem } = this.spec;
    out.fill(0, offset, offset + this.dim);
    const group = kernels.length + expands.length;
    const quantized = cfg.wBits !== undefined && cfg.aBits !== undefined;
    const stageFamily = this.stageFamilies(cfg);
    for (let s = 0; s < this.slots; s++) {
      const stage = this.slotStage[s];
      if (this.slotBlock[s] >= cfg.depths[stage]) continue;
      const f = stageFamily[stage];
      const base = offset + s * this.perSlot + f * group;
      out[base + indexIn(kernels, cfg.kernels[s], `kernels[${s}]`)] = 1;
      out[base + kernels.length + indexIn(this.familyExpands[f], cfg.expands[s], `expands[${s}]`)] = 1;
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
    const stages = this.spec.stageSlots.length;
    const widthBase = offset + this.slots * this.perSlot;
    for (let st = 0; st < stages; st++) {
      out[widthBase + st * widthRatios.length + indexIn(widthRatios, cfg.widths[st], `widths[${st}]`)] = 1;
    }
    if (families !== undefined && stem !== undefined) {
      const familyBase = widthBase + stages * widthRatios.length;
      for (let st = 0; st < stages; st++) out[familyBase + st * families.length + stageFamily[st]] = 1;
      out[familyBase + stages * families.length + indexIn(stem.strides, cfg.stemStride ?? stem.stride, 'stemStride')] = 1;
    }
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

  /**
   * A readable name per feature, e.g. `slot3.k5`, `stage1.r0.75`, `slot3.w4`, `slot3.a8`; with
   * families `slot3.fused.k3`, `slot3.resnet.e0.75` (the family's ratio), `stage1.fused`, `stem.s2`.
   */
  featureNames(): string[] {
    const { kernels, widthRatios, bits, families, stem } = this.spec;
    const names: string[] = [];
    for (let s = 0; s < this.slots; s++) {
      this.familyExpands.forEach((expands, f) => {
        const prefix = families === undefined ? `slot${s}` : `slot${s}.${families[f].name}`;
        for (const k of kernels) names.push(`${prefix}.k${k}`);
        for (const e of expands) names.push(`${prefix}.e${e}`);
      });
    }
    this.spec.stageSlots.forEach((_, st) => {
      for (const r of widthRatios) names.push(`stage${st}.r${r}`);
    });
    if (families !== undefined && stem !== undefined) {
      this.spec.stageSlots.forEach((_, st) => {
        for (const f of families) names.push(`stage${st}.${f.name}`);
      });
      for (const s of stem.strides) names.push(`stem.s${s}`);
    }
    if (bits) {
      for (let s = 0; s < this.slots; s++) {
        for (const w of bits.weight) names.push(`slot${s}.w${w}`);
        for (const a of bits.act) names.push(`slot${s}.a${a}`);
      }
    }
    return names;
  }
}
