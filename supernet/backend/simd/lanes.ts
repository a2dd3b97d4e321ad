/**
 * One interface over f32x4 vectors and scalar f32, so a kernel's arithmetic is written once
 * and emitted for the vector body and the scalar channel tail.
 */
import { f32, f32x4, i32, type Expr, type FunctionBuilder } from './assembler.js';

let relaxed = false;

/** Emit relaxed-SIMD fused multiply-adds in `fma` from now on (set before assembling). */
export function setRelaxedSimd(on: boolean): void {
  relaxed = on;
}

export interface Lanes {
  /** Bytes per step. */
  readonly width: 4 | 16;
  readonly type: 'f32' | 'v128';
  /** Loads at `addr + offset` (offset a constant). */
  load(addr: Expr, offset?: number): Expr;
  store(f: FunctionBuilder, addr: Expr, value: Expr): void;
  num(x: number): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  min(a: Expr, b: Expr): Expr;
  max(a: Expr, b: Expr): Expr;
  gt(a: Expr, b: Expr): Expr;
  le(a: Expr, b: Expr): Expr;
  and(a: Expr, b: Expr): Expr;
  /** acc + a * b (one fused multiply-add with relaxed SIMD vectors). */
  fma(a: Expr, b: Expr, acc: Expr): Expr;
  /** `mask ? a : b`. */
  select(a: Expr, b: Expr, mask: Expr): Expr;
}

export const VEC: Lanes = {
  width: 16,
  type: 'v128',
  load: (addr, offset = 0) => f32x4.load(addr, offset),
  store: (f, addr, value) => f.store('v128', addr, value),
  num: (x) => f32x4.constSplat(x),
  add: f32x4.add,
  sub: f32x4.sub,
  mul: f32x4.mul,
  min: f32x4.min,
  max: f32x4.max,
  gt: f32x4.gt,
  le: f32x4.le,
  and: f32x4.and,
  fma: (a, b, acc) => (relaxed ? f32x4.relaxedMadd(a, b, acc) : f32x4.add(acc, f32x4.mul(a, b))),
  select: f32x4.select,
};

export const SCALAR: Lanes = {
  width: 4,
  type: 'f32',
  load: (addr, offset = 0) => f32.load(addr, offset),
  store: (f, addr, value) => f.store('f32', addr, value),
  num: (x) => f32.const(x),
  add: f32.add,
  sub: f32.sub,
  mul: f32.mul,
  min: f32.min,
  max: f32.max,
  gt: f32.gt,
  le: f32.le,
  and: i32.and,
  fma: (a, b, acc) => f32.add(acc, f32.mul(a, b)),
  select: f32.select,
};
