/**
 * Space-level sanity past the shape check: choice lists ascending and distinct, kernels odd,
 * and no two choices that build the same network. The last one matters because
 * `countSubnets` and `configKey` count and name configs; two width ratios (or expand ratios)
 * that round to the same channel count would make two configs the same subnet.
 */
import type { SearchSpace } from './types.js';
import { kChannelDivisor, keptChannels, midChannels, stageChannels } from './channels.js';

function checkAscending(problems: string[], field: string, values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] <= values[i - 1]) {
      problems.push(
        `${field} = [${values.join(', ')}] must be ascending without repeats ` +
          `(${field}[${i}] = ${values[i]} follows ${values[i - 1]}): sort it and drop duplicates`,
      );
      return;
    }
  }
}

function checkOdd(problems: string[], field: string, value: number): void {
  if (value % 2 === 0) {
    problems.push(`${field} = ${value} must be odd ('same' padding centres the kernel; elastic kernels share centres)`);
  }
}

/** The first pair of indices whose channel counts coincide, if any. */
function firstCollision(channels: readonly number[]): [number, number] | undefined {
  for (let i = 0; i < channels.length; i++) {
    const j = channels.indexOf(channels[i], i + 1);
    if (j >= 0) return [i, j];
  }
  return undefined;
}

/** The nearest multiples of 8 below and above `width` at which every ratio gives distinct channels. */
function distinctWidthsNear(width: number, ratios: readonly number[]): number[] {
  const ok = (w: number): boolean => firstCollision(ratios.map((r) => keptChannels(w, r))) === undefined;
  const step = kChannelDivisor;
  const base = Math.floor(width / step) * step;
  const found: number[] = [];
  for (let w = base === width ? base - step : base; w > 0; w -= step) {
    if (ok(w)) {
      found.push(w);
      break;
    }
  }
  for (let w = base + step; w <= 8 * width + 64; w += step) {
    if (ok(w)) {
      found.push(w);
      break;
    }
  }
  return found;
}

function checkWidthCollisions(problems: string[], space: SearchSpace): void {
  space.stages.forEach((stage, s) => {
    const channels = space.widthRatios.map((r) => stageChannels(space, s, r));
    const hit = firstCollision(channels);
    if (hit === undefined) return;
    const [i, j] = hit;
    const near = distinctWidthsNear(stage.width, space.widthRatios);
    const hint = near.length > 0 ? ` (e.g. ${near.join(' or ')})` : '';
    problems.push(
      `space.stages[${s}].width = ${stage.width} gives ${channels[i]} channels at both width ratios ` +
        `${space.widthRatios[i]} and ${space.widthRatios[j]} (makeDivisible(width * ratio, 8)), so the two ` +
        `ratios build the same subnet: pick a width where every ratio gives a different multiple of 8${hint}, or drop a ratio`,
    );
  });
}

/** Channel counts a block of stage `s` may read: the previous stage's outputs, and its own. */
function inputChannels(space: SearchSpace, s: number): number[] {
  const prev = s === 0 ? [space.stem.width] : space.widthRatios.map((r) => stageChannels(space, s - 1, r));
  const depths = space.stages[s].depths;
  const own = depths[depths.length - 1] > 1 ? space.widthRatios.map((r) => stageChannels(space, s, r)) : [];
  return [...new Set([...prev, ...own])];
}

function checkExpandCollisions(problems: string[], space: SearchSpace): void {
  space.stages.forEach((_, s) => {
    for (const inC of inputChannels(space, s)) {
      const mids = space.expands.map((e) => midChannels(inC, e));
      const hit = firstCollision(mids);
      if (hit === undefined) continue;
      const [i, j] = hit;
      problems.push(
        `space.expands ${space.expands[i]} and ${space.expands[j]} both give ${mids[i]} middle channels for a ` +
          `block of stage ${s} reading ${inC} channels (makeDivisible(round(in * expand), 8)): ` +
          'use expand ratios further apart',
      );
      return;
    }
  });
}

/**
 * The plain family has nothing to expand: its ratios are 1s (one per expand index). It cannot
 * lead a mixed space, whose `expands` are the first family's and must be distinct.
 */
function checkPlainExpands(problems: string[], i: number, expands: readonly number[], families: number): void {
  if (expands.some((e) => e !== 1)) {
    problems.push(`space.families[${i}].expands = [${expands.join(', ')}]: the plain family has no middle channels to expand, so list 1s (as many as space.expands)`);
  }
  if (i === 0 && families > 1) {
    problems.push("space.families[0] is 'plain', whose expand ratios carry no meaning, but space.expands are the first family's: list a family with expand ratios first");
  }
}

/** Every space-level problem of a shape-checked space; empty when it is sound. */
export function spaceProblems(space: SearchSpace): string[] {
  const problems: string[] = [];
  space.stages.forEach((stage, s) => checkAscending(problems, `space.stages[${s}].depths`, stage.depths));
  checkAscending(problems, 'space.kernels', space.kernels);
  checkAscending(problems, 'space.expands', space.expands);
  checkAscending(problems, 'space.widthRatios', space.widthRatios);
  checkAscending(problems, 'space.quant.weightBits', space.quant.weightBits);
  checkAscending(problems, 'space.quant.actBits', space.quant.actBits);
  checkOdd(problems, 'space.stem.kernel', space.stem.kernel);
  space.kernels.forEach((k, i) => checkOdd(problems, `space.kernels[${i}]`, k));
  space.families?.forEach((f, i) => {
    if (f.name === 'plain') checkPlainExpands(problems, i, f.expands, space.families!.length);
    else checkAscending(problems, `space.families[${i}].expands`, f.expands);
    if (f.expands.length !== space.expands.length) {
      problems.push(`space.families[${i}].expands has ${f.expands.length} choices but space.expands has ${space.expands.length}: give every family as many expand ratios (the expand gene keeps its index across families)`);
    }
  });
  if (space.families !== undefined) {
    const names = space.families.map((f) => f.name);
    if (new Set(names).size !== names.length) problems.push(`space.families names a family twice (${names.join(', ')}): give each once`);
    if (JSON.stringify(space.families[0].expands) !== JSON.stringify(space.expands)) {
      problems.push('space.expands must equal space.families[0].expands (the first family\'s ratios): copy them');
    }
  }
  if (space.stem.strides !== undefined) {
    checkAscending(problems, 'space.stem.strides', space.stem.strides);
    if (!space.stem.strides.includes(space.stem.stride)) problems.push(`space.stem.stride = ${space.stem.stride} must be one of space.stem.strides`);
  }
  // A policy space lists each layer's own channel grid in shared choice lists, so choices may
  // coincide on another layer: that is by design there (see compress/policySpace.ts).
  if (problems.length === 0 && space.compressing === undefined) {
    checkWidthCollisions(problems, space);
    checkExpandCollisions(problems, space);
  }
  return problems;
}
