/**
 * A seeded, stratified hold-out: which positions of a labelled file go to validation.
 */
import { Rng } from '../../space/rng.js';

/** Positions (ascending) in the source file of the kept and the held-out examples. */
export interface HoldOut {
  train: Int32Array;
  val: Int32Array;
}

/**
 * Holds out `valSize` examples, stratified by class: each class gives its share of `valSize`
 * (proportional to its count, rounded by largest remainder, ties to the lower class), drawn
 * by a seeded shuffle of that class's positions. The same labels, size and seed always give
 * the same hold-out. Labels must be in [0, numClasses).
 */
export function stratifiedHoldOut(labels: Uint8Array, valSize: number, numClasses: number, seed: number): HoldOut {
  const total = labels.length;
  if (!Number.isInteger(valSize) || valSize < 0 || valSize > total) {
    throw new Error(`valSize must be an integer in [0, ${total}] (got ${valSize})`);
  }
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new Error(`numClasses must be a positive integer (got ${numClasses})`);
  }
  if (total === 0) return { train: new Int32Array(0), val: new Int32Array(0) };
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < total; i++) {
    const c = labels[i];
    if (c >= numClasses) throw new Error(`label ${c} at position ${i} is not in [0, ${numClasses})`);
    counts[c]++;
  }

  const quotas = counts.map((count) => Math.floor((count * valSize) / total));
  let missing = valSize - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = counts
    .map((count, c) => ({ c, rem: (count * valSize) % total }))
    .sort((a, b) => b.rem - a.rem || a.c - b.c);
  for (const { c } of byRemainder) {
    if (missing === 0) break;
    quotas[c]++;
    missing--;
  }

  const buckets = counts.map((count) => new Int32Array(count));
  const fill = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < total; i++) buckets[labels[i]][fill[labels[i]]++] = i;

  const inVal = new Uint8Array(total);
  const rng = new Rng(seed);
  for (let c = 0; c < numClasses; c++) {
    const bucket = rng.shuffle(buckets[c]);
    for (let k = 0; k < quotas[c]; k++) inVal[bucket[k]] = 1;
  }

  const train = new Int32Array(total - valSize);
  const val = new Int32Array(valSize);
  for (let i = 0, t = 0, v = 0; i < total; i++) {
    if (inVal[i]) val[v++] = i;
    else train[t++] = i;
  }
  return { train, val };
}
