/**
 * A small WebAssembly (with 128-bit SIMD) assembler: just enough to write tight loops over
 * float32 tensors that live in the wasm backend's heap, without a C toolchain. Functions are
 * built from expression closures that append bytecode; `assembleModule` emits a module that
 * imports its memory as `env.memory`.
 */

export type ValType = 'i32' | 'f32' | 'v128';
const VALTYPE: Readonly<Record<ValType, number>> = Object.freeze({ i32: 0x7f, f32: 0x7d, v128: 0x7b });

/** Appends bytecode for one expression (leaving its value, if any, on the stack). */
export type Expr = (out: number[]) => void;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const op = (...bytes: number[]): Expr => (out) => { out.push(...bytes); };
const simd = (code: number, ...rest: number[]): number[] => [0xfd, ...uleb(code), ...rest];
const binary = (bytes: number[]) => (a: Expr, b: Expr): Expr => (out) => { a(out); b(out); out.push(...bytes); };
const unary = (bytes: number[]) => (a: Expr): Expr => (out) => { a(out); out.push(...bytes); };

/** A local variable (parameters come first). */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

export const get = (l: Local): Expr => op(0x20, ...uleb(l.index));

export const i32 = {
  const: (n: number): Expr => op(0x41, ...sleb(n | 0)),
  add: binary([0x6a]),
  sub: binary([0x6b]),
  mul: binary([0x6c]),
  /** Signed division, truncating toward zero. */
  div: binary([0x6d]),
  shl: binary([0x74]),
  and: binary([0x71]),
  eqz: unary([0x45]),
  eq: binary([0x46]),
  ne: binary([0x47]),
  lt: binary([0x48]),
  gt: binary([0x4a]),
  le: binary([0x4c]),
  ge: binary([0x4e]),
};

const f32Bytes = (x: number): number[] => [...new Uint8Array(new Float32Array([x]).buffer)];

export const f32 = {
  const: (x: number): Expr => op(0x43, ...f32Bytes(x)),
  load: (addr: Expr, offset = 0): Expr => (out) => { addr(out); out.push(0x2a, 2, ...uleb(offset)); },
  add: binary([0x92]),
  sub: binary([0x93]),
  mul: binary([0x94]),
  div: binary([0x95]),
  min: binary([0x96]),
  max: binary([0x97]),
  sqrt: unary([0x91]),
  /** `cond ? a : b` (cond is an i32). */
  select: (a: Expr, b: Expr, cond: Expr): Expr => (out) => { a(out); b(out); cond(out); out.push(0x1b); },
  lt: binary([0x5d]),
  gt: binary([0x5e]),
  le: binary([0x5f]),
  ge: binary([0x60]),
};

/** f32x4 lanes (and the v128 bit operations used with them). */
export const f32x4 = {
  load: (addr: Expr, offset = 0): Expr => (out) => { addr(out); out.push(...simd(0x00, 4, ...uleb(offset))); },
  splat: unary(simd(0x13)),
  /** One f32 at `addr + offset` in all four lanes (v128.load32_splat). */
  loadSplat: (addr: Expr, offset = 0): Expr => (out) => { addr(out); out.push(...simd(0x09, 2, ...uleb(offset))); },
  extractLane: (v: Expr, lane: number): Expr => (out) => { v(out); out.push(...simd(0x1f, lane)); },
  add: binary(simd(0xe4)),
  sub: binary(simd(0xe5)),
  mul: binary(simd(0xe6)),
  div: binary(simd(0xe7)),
  min: binary(simd(0xe8)),
  max: binary(simd(0xe9)),
  lt: binary(simd(0x43)),
  gt: binary(simd(0x44)),
  le: binary(simd(0x45)),
  ge: binary(simd(0x46)),
  and: binary(simd(0x4e)),
  /** `mask ? a : b`, lane-wise (mask lanes all ones or all zeros). */
  select: (a: Expr, b: Expr, mask: Expr): Expr => (out) => { a(out); b(out); mask(out); out.push(...simd(0x52)); },
  /** a * b + c (relaxed SIMD: fused or not, at the engine's choice). */
  relaxedMadd: (a: Expr, b: Expr, c: Expr): Expr => (out) => { a(out); b(out); c(out); out.push(...simd(0x105)); },
  constSplat: (x: number): Expr => op(...simd(0x0c, ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x))),
};

/** Builds one function body; statements append to it in order. */
export class FunctionBuilder {
  readonly params: Local[];
  private readonly locals: ValType[] = [];
  private readonly code: number[] = [];

  constructor(
    readonly name: string,
    paramTypes: ValType[],
    readonly results: ValType[] = [],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  get paramTypes(): ValType[] {
    return this.params.map((p) => p.type);
  }

  local(type: ValType): Local {
    this.locals.push(type);
    return { index: this.params.length + this.locals.length - 1, type };
  }

  set(l: Local, e: Expr): void {
    e(this.code);
    this.code.push(0x21, ...uleb(l.index));
  }

  /** Stores a value at `addr + offset` (`f32` or `v128`). */
  store(type: 'f32' | 'v128', addr: Expr, value: Expr, offset = 0): void {
    addr(this.code);
    value(this.code);
    if (type === 'f32') this.code.push(0x38, 2, ...uleb(offset));
    else this.code.push(...simd(0x0b, 4, ...uleb(offset)));
  }

  /** `for (i = from; i < to; i += step) body()` with i32 bounds. */
  forRange(i: Local, from: Expr, to: Expr, step: number, body: () => void): void {
    this.set(i, from);
    this.code.push(0x02, 0x40, 0x03, 0x40); // block, loop
    i32.ge(get(i), to)(this.code);
    this.code.push(0x0d, 1); // br_if to the block's end
    body();
    this.set(i, i32.add(get(i), i32.const(step)));
    this.code.push(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  }

  /** `if (cond) then() else otherwise()`. */
  ifElse(cond: Expr, then: () => void, otherwise?: () => void): void {
    cond(this.code);
    this.code.push(0x04, 0x40);
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.code.push(0x0b);
  }

  /** The function's code section entry (locals + body). */
  encodeBody(): number[] {
    const groups: { type: ValType; count: number }[] = [];
    for (const type of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last.type === type) last.count++;
      else groups.push({ type, count: 1 });
    }
    const body = [
      ...uleb(groups.length),
      ...groups.flatMap((g) => [...uleb(g.count), VALTYPE[g.type]]),
      ...this.code,
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  }
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A module of the given functions (all exported by name) importing `env.memory`. */
export function assembleModule(functions: FunctionBuilder[]): Uint8Array {
  const types = functions.map((f) => [
    0x60,
    ...vec(f.paramTypes.map((t) => [VALTYPE[t]])),
    ...vec(f.results.map((t) => [VALTYPE[t]])),
  ]);
  const importMemory = [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([importMemory])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => f.encodeBody()))),
  ];
  return new Uint8Array(bytes);
}
