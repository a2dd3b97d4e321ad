/**
 * SIMD loops for training-mode BatchNorm fused with its activation, over a `[M, C]` view of an
 * NHWC tensor (channels innermost). Pointers are byte offsets into the wasm backend's heap.
 *
 *   bn_stats(x, M, C, invM, mean, var, scratch)           batch mean and biased variance, one pass
 *   bn_fwd_<act>(x, M, C, scale, shift, y)                y = act(x * scale + shift)
 *   bn_bwd_reduce_<act>(dy, x, M, C, scale, shift, mean, sumG, sumGCentred, scratch)
 *        g = dy * act'(x * scale + shift);  sumG = sum g,  sumGCentred = sum g (x - mean)
 *   bn_bwd_apply_<act>(dy, x, M, C, scale, shift, mean, coef, dx)
 *        dx = a g + b (x - mean) + c   with coef = [a(C), b(C), c(C)]
 *
 * Channel sums accumulate blocks of rows in `scratch` (C floats) before adding to the totals,
 * which keeps float32 rounding error near that of pairwise summation.
 */
import { FunctionBuilder, f32x4, get, i32, type Expr, type Local } from './assembler.js';
import { SCALAR, VEC, type Lanes } from './lanes.js';

export const ACTIVATIONS = Object.freeze(['linear', 'relu', 'relu6', 'hswish'] as const);
export type Activation = (typeof ACTIVATIONS)[number];

/** Rows summed in scratch before they are added to the totals. */
const BLOCK_ROWS = 64;

/** act(u) for a value held in a local. */
function activate(L: Lanes, act: Activation, u: Expr): Expr {
  switch (act) {
    case 'linear':
      return u;
    case 'relu':
      return L.max(u, L.num(0));
    case 'relu6':
      return L.min(L.max(u, L.num(0)), L.num(6));
    case 'hswish':
      return L.mul(L.mul(u, L.min(L.max(L.add(u, L.num(3)), L.num(0)), L.num(6))), L.num(1 / 6));
  }
}

/** dy * act'(u); the derivative at the kinks follows tfjs's stock gradients. */
function activationGrad(L: Lanes, act: Activation, dy: Expr, u: Expr): Expr {
  switch (act) {
    case 'linear':
      return dy;
    case 'relu':
      return L.select(dy, L.num(0), L.gt(u, L.num(0)));
    case 'relu6':
      return L.select(dy, L.num(0), L.and(L.gt(u, L.num(0)), L.le(u, L.num(6))));
    case 'hswish': {
      const inner = L.add(L.mul(u, L.num(1 / 3)), L.num(0.5));
      const slope = L.select(L.num(0), L.select(L.num(1), inner, L.gt(u, L.num(3))), L.le(u, L.num(-3)));
      return L.mul(dy, slope);
    }
  }
}

/** Row/channel loop scaffolding shared by the kernels. */
class RowLoops {
  readonly cBytes: Local;
  readonly c4Bytes: Local;
  readonly j: Local;
  readonly vec: { u: Local; g: Local };
  readonly scalar: { u: Local; g: Local };

  constructor(readonly f: FunctionBuilder, channels: Local) {
    this.cBytes = f.local('i32');
    this.c4Bytes = f.local('i32');
    this.j = f.local('i32');
    this.vec = { u: f.local('v128'), g: f.local('v128') };
    this.scalar = { u: f.local('f32'), g: f.local('f32') };
    f.set(this.cBytes, i32.shl(get(channels), i32.const(2)));
    f.set(this.c4Bytes, i32.shl(i32.and(get(channels), i32.const(-4)), i32.const(2)));
  }

  /** Runs `body` over the channels of one row: vectors first, then the scalar tail. */
  channels(body: (L: Lanes, at: (base: Expr) => Expr, tmp: { u: Local; g: Local }) => void): void {
    const at = (base: Expr) => i32.add(base, get(this.j));
    this.f.forRange(this.j, i32.const(0), get(this.c4Bytes), 16, () => body(VEC, at, this.vec));
    this.f.forRange(this.j, get(this.c4Bytes), get(this.cBytes), 4, () => body(SCALAR, at, this.scalar));
  }

  /** Scalar loop over `count` channels-worth of floats starting at byte 0. */
  floats(count: Expr, body: (at: (base: Expr) => Expr) => void): void {
    this.f.forRange(this.j, i32.const(0), count, 4, () => body((base) => i32.add(base, get(this.j))));
  }

  /** Sums per channel over rows `[0, m)` in blocks; `rowBody` adds one row into scratch. */
  blockedRows(
    m: Local,
    scratch: Local,
    rowBody: (row: Local) => void,
    flush: () => void,
  ): void {
    const { f } = this;
    const m0 = f.local('i32');
    const end = f.local('i32');
    const r = f.local('i32');
    f.forRange(m0, i32.const(0), get(m), BLOCK_ROWS, () => {
      f.set(end, i32.add(get(m0), i32.const(BLOCK_ROWS)));
      f.ifElse(i32.gt(get(end), get(m)), () => f.set(end, get(m)));
      this.floats(get(this.cBytes), (at) => f.store('f32', at(get(scratch)), SCALAR.num(0)));
      f.forRange(r, get(m0), get(end), 1, () => rowBody(r));
      flush();
    });
  }
}

/**
 * One pass over x: sums of d = x - x[0] and of d^2 per channel (shifting by the first row keeps
 * the variance accurate when |mean| >> std), then mean = x[0] + sum d / M and
 * var = sum d^2 / M - (sum d / M)^2.  scratch holds 2C floats.
 */
function statsKernel(): FunctionBuilder {
  const f = new FunctionBuilder('bn_stats', ['i32', 'i32', 'i32', 'f32', 'i32', 'i32', 'i32']);
  const [x, m, c, invM, out, variance, scratch] = f.params;
  const loops = new RowLoops(f, c);
  const row = f.local('i32');
  const scratch2 = f.local('i32');
  f.set(scratch2, i32.add(get(scratch), get(loops.cBytes)));
  loops.floats(get(loops.cBytes), (at) => {
    f.store('f32', at(get(out)), SCALAR.num(0));
    f.store('f32', at(get(variance)), SCALAR.num(0));
  });
  const lo = f.local('i32');
  const hi = f.local('i32');
  const r = f.local('i32');
  f.forRange(lo, i32.const(0), get(m), BLOCK_ROWS, () => {
    f.set(hi, i32.add(get(lo), i32.const(BLOCK_ROWS)));
    f.ifElse(i32.gt(get(hi), get(m)), () => f.set(hi, get(m)));
    loops.floats(i32.shl(get(loops.cBytes), i32.const(1)), (at) => f.store('f32', at(get(scratch)), SCALAR.num(0)));
    f.forRange(r, get(lo), get(hi), 1, () => {
      f.set(row, i32.add(get(x), i32.mul(get(r), get(loops.cBytes))));
      loops.channels((L, at, tmp) => {
        // x row 0 is the shift.
        f.set(tmp.u, L.sub(L.load(at(get(row))), L.load(at(get(x)))));
        L.store(f, at(get(scratch)), L.add(L.load(at(get(scratch))), get(tmp.u)));
        L.store(f, at(get(scratch2)), L.add(L.load(at(get(scratch2))), L.mul(get(tmp.u), get(tmp.u))));
      });
    });
    loops.channels((L, at) => {
      L.store(f, at(get(out)), L.add(L.load(at(get(out))), L.load(at(get(scratch)))));
      L.store(f, at(get(variance)), L.add(L.load(at(get(variance))), L.load(at(get(scratch2)))));
    });
  });
  loops.channels((L, at, tmp) => {
    f.set(tmp.u, L.mul(L.load(at(get(out))), splatParam(L, invM)));
    L.store(f, at(get(variance)), L.sub(L.mul(L.load(at(get(variance))), splatParam(L, invM)), L.mul(get(tmp.u), get(tmp.u))));
    L.store(f, at(get(out)), L.add(get(tmp.u), L.load(at(get(x)))));
  });
  return f;
}

function splatParam(L: Lanes, p: Local): Expr {
  return L.type === 'v128' ? f32x4.splat(get(p)) : get(p);
}

function forwardKernel(act: Activation): FunctionBuilder {
  const f = new FunctionBuilder(`bn_fwd_${act}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, m, c, scale, shift, y] = f.params;
  const loops = new RowLoops(f, c);
  const r = f.local('i32');
  const offset = f.local('i32');
  f.forRange(r, i32.const(0), get(m), 1, () => {
    f.set(offset, i32.mul(get(r), get(loops.cBytes)));
    loops.channels((L, at, tmp) => {
      f.set(tmp.u, L.add(L.mul(L.load(at(i32.add(get(x), get(offset)))), L.load(at(get(scale)))), L.load(at(get(shift)))));
      L.store(f, at(i32.add(get(y), get(offset))), activate(L, act, get(tmp.u)));
    });
  });
  return f;
}

/** g = dy * act'(x * scale + shift), left in tmp.g. */
function emitGrad(
  f: FunctionBuilder,
  L: Lanes,
  act: Activation,
  tmp: { u: Local; g: Local },
  dyAt: Expr,
  xAt: Expr,
  scaleAt: Expr,
  shiftAt: Expr,
): void {
  if (act !== 'linear') f.set(tmp.u, L.add(L.mul(L.load(xAt), L.load(scaleAt)), L.load(shiftAt)));
  f.set(tmp.g, activationGrad(L, act, L.load(dyAt), get(tmp.u)));
}

function backwardReduceKernel(act: Activation): FunctionBuilder {
  const f = new FunctionBuilder(`bn_bwd_reduce_${act}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, x, m, c, scale, shift, mean, out, out2, scratch] = f.params;
  const loops = new RowLoops(f, c);
  const offset = f.local('i32');
  const scratch2 = f.local('i32');
  f.set(scratch2, i32.add(get(scratch), get(loops.cBytes)));
  loops.floats(get(loops.cBytes), (at) => {
    f.store('f32', at(get(out)), SCALAR.num(0));
    f.store('f32', at(get(out2)), SCALAR.num(0));
  });
  const lo = f.local('i32');
  const hi = f.local('i32');
  const rr = f.local('i32');
  const blockEnd = (from: Expr) => i32.add(from, i32.const(BLOCK_ROWS));
  // Blocked rows with two scratch rows (sum g, sum g (x - mean)).
  f.forRange(lo, i32.const(0), get(m), BLOCK_ROWS, () => {
    f.set(hi, blockEnd(get(lo)));
    f.ifElse(i32.gt(get(hi), get(m)), () => f.set(hi, get(m)));
    loops.floats(i32.shl(get(loops.cBytes), i32.const(1)), (at) => f.store('f32', at(get(scratch)), SCALAR.num(0)));
    f.forRange(rr, get(lo), get(hi), 1, () => {
      f.set(offset, i32.mul(get(rr), get(loops.cBytes)));
      loops.channels((L, at, tmp) => {
        const xAt = at(i32.add(get(x), get(offset)));
        emitGrad(f, L, act, tmp, at(i32.add(get(dy), get(offset))), xAt, at(get(scale)), at(get(shift)));
        L.store(f, at(get(scratch)), L.add(L.load(at(get(scratch))), get(tmp.g)));
        const centred = L.sub(L.load(xAt), L.load(at(get(mean))));
        L.store(f, at(get(scratch2)), L.add(L.load(at(get(scratch2))), L.mul(get(tmp.g), centred)));
      });
    });
    loops.channels((L, at) => {
      L.store(f, at(get(out)), L.add(L.load(at(get(out))), L.load(at(get(scratch)))));
      L.store(f, at(get(out2)), L.add(L.load(at(get(out2))), L.load(at(get(scratch2)))));
    });
  });
  return f;
}

function backwardApplyKernel(act: Activation): FunctionBuilder {
  const f = new FunctionBuilder(`bn_bwd_apply_${act}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, x, m, c, scale, shift, mean, coef, dx] = f.params;
  const loops = new RowLoops(f, c);
  const r = f.local('i32');
  const offset = f.local('i32');
  const coefB = f.local('i32');
  const coefC = f.local('i32');
  f.set(coefB, i32.add(get(coef), get(loops.cBytes)));
  f.set(coefC, i32.add(get(coefB), get(loops.cBytes)));
  f.forRange(r, i32.const(0), get(m), 1, () => {
    f.set(offset, i32.mul(get(r), get(loops.cBytes)));
    loops.channels((L, at, tmp) => {
      const xAt = at(i32.add(get(x), get(offset)));
      emitGrad(f, L, act, tmp, at(i32.add(get(dy), get(offset))), xAt, at(get(scale)), at(get(shift)));
      const centred = L.sub(L.load(xAt), L.load(at(get(mean))));
      const value = L.add(
        L.add(L.mul(L.load(at(get(coef))), get(tmp.g)), L.mul(L.load(at(get(coefB))), centred)),
        L.load(at(get(coefC))),
      );
      L.store(f, at(i32.add(get(dx), get(offset))), value);
    });
  });
  return f;
}

/** Elementwise over `n` floats: act_fwd_<act>(x, n, y) and act_bwd_<act>(dy, x, n, dx). */
function elementwiseKernel(act: Activation, backward: boolean): FunctionBuilder {
  const f = backward
    ? new FunctionBuilder(`act_bwd_${act}`, ['i32', 'i32', 'i32', 'i32'])
    : new FunctionBuilder(`act_fwd_${act}`, ['i32', 'i32', 'i32']);
  const [dy, x, n, out] = backward ? f.params : [undefined, ...f.params];
  if (!x || !n || !out) throw new Error('unreachable: parameter list');
  const loops = new RowLoops(f, n);
  loops.channels((L, at, tmp) => {
    f.set(tmp.u, L.load(at(get(x))));
    const value = dy ? activationGrad(L, act, L.load(at(get(dy))), get(tmp.u)) : activate(L, act, get(tmp.u));
    L.store(f, at(get(out)), value);
  });
  return f;
}

/** Every BatchNorm/activation function of the SIMD module. */
export function bnActFunctions(): FunctionBuilder[] {
  return [
    statsKernel(),
    ...ACTIVATIONS.flatMap((act) => [
      forwardKernel(act),
      backwardReduceKernel(act),
      backwardApplyKernel(act),
      elementwiseKernel(act, false),
      elementwiseKernel(act, true),
    ]),
  ];
}
