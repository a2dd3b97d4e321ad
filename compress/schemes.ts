/**
 * Condensa's programmable side: a compression scheme maps a low-dimensional parameter vector
 * x in [0, 1]^d to a `CompressPolicy`, and is composed in code from operators.
 *
 * - `prune(select)`: one parameter, the keep ratio of every selected layer (each layer then
 *   snaps to the nearest of its own keeps); `prune(select, 0.5)` fixes it (no parameter).
 * - `quantize(select, bits)`: no parameter; the selected blocks' weights and activations to
 *   `bits` (8 by default).
 * - `compose(a, b)`: a's parameters then b's; b applies on top of a's policy.
 *
 * Layer selections are 'all' (every channel layer: 'stage' and 'mid'), 'mid' (the middle
 * channels of each block), 'stage' (the output channels of each stage), 'depth' (the blocks of
 * each stage: `prune('depth')` removes the same share of every stage's blocks), or a predicate.
 * Your own scheme, in code:
 *
 *     import { compose, prune, quantize } from './schemes.js';
 *     const lateStages = compose(prune((l) => l.stage >= 2), quantize((block) => block >= 4, 8), 'lateStages');
 *     await new CondensaMethod({ scheme: lateStages }).run(problem, options);
 *
 * The built-in schemes are in `kSchemes`, by the name `--scheme` takes.
 */
import type { CompressPolicy, CompressProblem, PrunableLayer } from './types.js';
import type { ActBits, WeightBits } from '../space/types.js';

export interface Scheme {
  readonly name: string;
  /** What each parameter sets, e.g. ['keep(all)']; its length is the scheme's dimension d. */
  readonly params: readonly string[];
  /** Applies the scheme at `x` (length d, each in [0, 1]) on top of `base`; the result is not snapped. */
  apply(x: readonly number[], problem: CompressProblem, base: CompressPolicy): CompressPolicy;
}

export type LayerSelect = 'all' | 'mid' | 'stage' | 'depth' | ((layer: PrunableLayer, index: number) => boolean);
export type BlockSelect = 'all' | ((block: number) => boolean);

function layerTest(select: LayerSelect): (layer: PrunableLayer, index: number) => boolean {
  if (select === 'all') return (l) => l.kind !== 'depth';
  if (select === 'mid' || select === 'stage' || select === 'depth') return (l) => l.kind === select;
  if (typeof select === 'function') return select;
  throw new RangeError(`prune: select must be 'all', 'mid', 'stage', 'depth' or a function of (layer, index) (got ${String(select)})`);
}

function label(select: LayerSelect | BlockSelect): string {
  return typeof select === 'function' ? 'custom' : select;
}

/** Uniform keep ratio over the selected layers: the parameter (d = 1), or `keep` fixed (d = 0). */
export function prune(select: LayerSelect, keep?: number): Scheme {
  const test = layerTest(select);
  if (keep !== undefined && !(keep > 0 && keep <= 1)) throw new RangeError(`prune: keep must be in (0, 1] (got ${keep})`);
  const name = `prune(${label(select)}${keep === undefined ? '' : `, ${keep}`})`;
  return {
    name,
    params: keep === undefined ? [`keep(${label(select)})`] : [],
    apply(x, problem, base) {
      const k = keep ?? x[0];
      const selected = problem.layers.map(test);
      if (!selected.some(Boolean)) {
        const hint = select === 'depth' ? ' (no stage has two or more blocks, or depth is off: choose a scheme without depth)' : '';
        throw new RangeError(`${name}: selects none of the problem's ${problem.layers.length} prunable layers${hint}`);
      }
      return { ...base, keep: base.keep.map((b, i) => (selected[i] ? k : b)) };
    },
  };
}

/** The selected blocks' weights and activations to `bits` (d = 0). */
export function quantize(select: BlockSelect, bits: WeightBits & ActBits = 8): Scheme {
  const test = select === 'all' ? () => true : select;
  if (typeof test !== 'function') throw new RangeError(`quantize: select must be 'all' or a function of the block index (got ${String(select)})`);
  const name = `quantize(${label(select)}, ${bits})`;
  return {
    name,
    params: [],
    apply(_x, problem, base) {
      if (!problem.weightBits.includes(bits) || !problem.actBits.includes(bits)) {
        throw new RangeError(
          `${name}: the problem offers weight bits [${problem.weightBits.join(', ')}] and activation bits [${problem.actBits.join(', ')}]; pick bits offered by both`,
        );
      }
      const on = Array.from({ length: problem.blocks }, (_, b) => test(b));
      if (!on.some(Boolean)) throw new RangeError(`${name}: selects none of the problem's ${problem.blocks} blocks`);
      return {
        ...base,
        wBits: base.wBits.map((w, b) => (on[b] ? bits : w)),
        aBits: base.aBits.map((a, b) => (on[b] ? bits : a)),
      };
    },
  };
}

/** a's parameters then b's; b applies on top of a's policy. */
export function compose(a: Scheme, b: Scheme, name = `${a.name} + ${b.name}`): Scheme {
  const d = a.params.length;
  return {
    name,
    params: [...a.params, ...b.params],
    apply: (x, problem, base) => b.apply(x.slice(d), problem, a.apply(x.slice(0, d), problem, base)),
  };
}

/** The snapped policy of `scheme` at `x`, applied on top of the problem's identity policy. */
export function schemePolicy(scheme: Scheme, x: readonly number[], problem: CompressProblem): CompressPolicy {
  if (x.length !== scheme.params.length) {
    throw new RangeError(`scheme ${scheme.name} takes ${scheme.params.length} parameters [${scheme.params.join(', ')}] (got ${x.length})`);
  }
  if (x.some((v) => !(v >= 0 && v <= 1))) throw new RangeError(`scheme ${scheme.name}: parameters must lie in [0, 1] (got [${x.join(', ')}])`);
  return problem.snap(scheme.apply(x, problem, problem.identity()));
}

const pruneAll = prune('all');
const quantizeAll = quantize('all', 8);

/** The built-in schemes, by the name `--scheme` takes. */
export const kSchemes = Object.freeze({
  pruneAll: { ...pruneAll, name: 'pruneAll' },
  pruneMidOnly: { ...prune('mid'), name: 'pruneMidOnly' },
  pruneStageMid: compose(prune('stage'), prune('mid'), 'pruneStageMid'),
  quantizeAll: { ...quantizeAll, name: 'quantizeAll' },
  pruneThenQuantize: compose(pruneAll, quantizeAll, 'pruneThenQuantize'),
  depthAndWidth: compose(prune('depth'), pruneAll, 'depthAndWidth'),
  depthAndWidthInt8: compose(compose(prune('depth'), pruneAll), quantizeAll, 'depthAndWidthInt8'),
} as const satisfies Record<string, Scheme>);

export type SchemeName = keyof typeof kSchemes;
export const kSchemeNames = Object.freeze(Object.keys(kSchemes) as SchemeName[]);

/** The built-in scheme called `name`; throws listing the valid names. */
export function schemeByName(name: string): Scheme {
  if (!Object.hasOwn(kSchemes, name)) {
    throw new RangeError(`unknown compression scheme '${name}': expected one of ${kSchemeNames.join(', ')} (or compose your own with prune/quantize/compose)`);
  }
  return kSchemes[name as SchemeName];
}

/** One distinct policy of a scheme's grid, at the mean of the grid points that snap to it. */
export interface SchemePoint {
  x: number[];
  policy: CompressPolicy;
}

/** Grid points a scheme's grid may hold: `pointsPerAxis ** d` at most this. */
export const kMaxGridPoints = 100_000;

/**
 * The distinct snapped policies of `scheme` on the grid of `pointsPerAxis` values per
 * parameter (0 to 1 inclusive), in grid order of first appearance; a scheme with no parameter
 * has one.
 */
export function schemeGrid(scheme: Scheme, problem: CompressProblem, pointsPerAxis: number): SchemePoint[] {
  const d = scheme.params.length;
  if (!Number.isInteger(pointsPerAxis) || pointsPerAxis < 2) throw new RangeError(`schemeGrid: pointsPerAxis must be an integer >= 2 (got ${pointsPerAxis})`);
  const total = pointsPerAxis ** d;
  if (total > kMaxGridPoints) {
    throw new RangeError(`scheme ${scheme.name} has ${d} parameters: ${pointsPerAxis}^${d} = ${total} grid points exceed ${kMaxGridPoints}; lower the grid size`);
  }
  const groups = new Map<string, { sum: number[]; count: number; policy: CompressPolicy }>();
  for (let flat = 0; flat < total; flat++) {
    const x: number[] = [];
    for (let i = 0, r = flat; i < d; i++, r = Math.floor(r / pointsPerAxis)) x.push((r % pointsPerAxis) / (pointsPerAxis - 1));
    const policy = schemePolicy(scheme, x, problem);
    const key = JSON.stringify(policy);
    const g = groups.get(key);
    if (g) {
      g.count++;
      x.forEach((v, i) => (g.sum[i] += v));
    } else groups.set(key, { sum: x, count: 1, policy });
  }
  return [...groups.values()].map((g) => ({ x: g.sum.map((s) => s / g.count), policy: g.policy }));
}
