/**
 * From what a loader read to a `Dataset`: checks the classes, carves the missing val and test
 * splits from train (seeded, stratified), resizes to the space's input and computes the
 * normalisation from the training split.
 */
import { basename } from 'node:path';
import { computeNormalization } from './normalize.js';
import { resizeImages } from './resize.js';
import { stratifiedHoldOut } from './split.js';
import type { DataSplit, Dataset, DatasetFormat, ImageShape, SplitName } from './types.js';

/** The images and labels of one split as read, at the files' own size. */
export interface RawSplit {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
  /** The file or folder it came from. */
  source: string;
}

/** What a loader read: every split at one shape, labels already checked against the classes. */
export interface RawDataset {
  format: Exclude<DatasetFormat, 'fashion-mnist'>;
  dir: string;
  shape: ImageShape;
  classNames: string[];
  train: RawSplit;
  val?: RawSplit;
  test?: RawSplit;
  notes: string[];
}

export interface AssembleOptions {
  /** Resize to this height and width (a space's input); the channels must match. Default: keep the files' shape. */
  input?: ImageShape;
  /** Share of train held out as val when there is no val split (default 0.1). */
  valFraction?: number;
  /** Share of train held out as test when there is no test split (default 0.1). */
  testFraction?: number;
}

/** Seeds of the carved splits: changing them changes every accuracy measured on them. */
export const kCarveSeeds = Object.freeze({ val: 20_260_101, test: 20_260_102 } as const);
export const kMaxClasses = 256;

function holdOut(split: RawSplit, classes: number, fraction: number, seed: number, px: number): { kept: RawSplit; held: RawSplit; keptIdx: Int32Array; heldIdx: Int32Array } {
  const size = Math.max(1, Math.round(split.n * fraction));
  if (size >= split.n) throw new Error(`${split.source}: ${split.n} training images are too few to hold out ${size} for validation or test: add images`);
  const h = stratifiedHoldOut(split.labels, size, classes, seed);
  const pick = (idx: Int32Array): RawSplit => {
    const images = new Uint8Array(idx.length * px);
    const labels = new Uint8Array(idx.length);
    idx.forEach((i, k) => {
      images.set(split.images.subarray(i * px, (i + 1) * px), k * px);
      labels[k] = split.labels[i];
    });
    return { n: idx.length, images, labels, source: split.source };
  };
  return { kept: pick(h.train), held: pick(h.val), keptIdx: h.train, heldIdx: h.val };
}

function checkClasses(raw: RawDataset): void {
  const classes = raw.classNames.length;
  if (classes > kMaxClasses) throw new Error(`${raw.dir}: ${classes} classes; at most ${kMaxClasses} are supported`);
  if (classes < 2) {
    throw new Error(`${raw.dir}: only one class (${raw.classNames.join('') || 'none'}) - a classifier needs at least two: add a folder (or labels) for each class`);
  }
  const counts = new Array<number>(classes).fill(0);
  for (const l of raw.train.labels) counts[l]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new Error(`${raw.train.source}: class '${raw.classNames[empty]}' (label ${empty}) has no training images: add some, or remove the class`);
}

/** Builds the dataset; throws naming the problem. */
export function assembleDataset(raw: RawDataset, options: AssembleOptions = {}): Dataset {
  checkClasses(raw);
  const classes = raw.classNames.length;
  const { height, width, channels } = raw.shape;
  const px = height * width * channels;
  const target = options.input ?? raw.shape;
  if (target.channels !== channels) {
    const kind = (c: number) => (c === 1 ? 'grey (1 channel)' : `${c} channels`);
    throw new Error(`${raw.dir}: the images are ${kind(channels)}, the space's input is ${kind(target.channels)}: use a space made for this data ('hwnas init --data ${raw.dir} --out space.json')`);
  }
  const notes = [...raw.notes];
  let train = raw.train;
  let trainIdx = Int32Array.from({ length: train.n }, (_, i) => i);
  const carved: Partial<Record<'val' | 'test', { split: RawSplit; idx: Int32Array }>> = {};
  for (const name of ['test', 'val'] as const) {
    if (raw[name] !== undefined) continue;
    const fraction = (name === 'val' ? options.valFraction : options.testFraction) ?? 0.1;
    const h = holdOut(train, classes, fraction, kCarveSeeds[name], px);
    carved[name] = { split: h.held, idx: Int32Array.from(h.heldIdx, (i) => trainIdx[i]) };
    trainIdx = Int32Array.from(h.keptIdx, (i) => trainIdx[i]);
    train = h.kept;
    notes.push(`${name}: ${h.held.n} images held out of train (${Math.round(fraction * 100)}%, stratified by class, seed ${kCarveSeeds[name]})`);
  }
  if (target.height !== height || target.width !== width) {
    notes.push(`images resized from ${height}x${width} to ${target.height}x${target.width} (the space's input)`);
  }
  const resized = (s: RawSplit) => resizeImages(s.images, s.n, height, width, channels, target.height, target.width);
  const trainImages = resized(train);
  const normalization = computeNormalization(trainImages, channels);
  const make = (name: SplitName, s: RawSplit, images: Uint8Array, indices: Int32Array): DataSplit => Object.freeze({
    name, n: s.n, height: target.height, width: target.width, channels, images, labels: s.labels, indices, source: s.source, normalization,
  });
  const split = (name: 'val' | 'test'): DataSplit => {
    const given = raw[name];
    if (given !== undefined) return make(name, given, resized(given), Int32Array.from({ length: given.n }, (_, i) => i));
    const c = carved[name] as { split: RawSplit; idx: Int32Array };
    return make(name, c.split, resized(c.split), c.idx);
  };
  return Object.freeze({
    name: basename(raw.dir),
    format: raw.format,
    dir: raw.dir,
    input: Object.freeze({ height: target.height, width: target.width, channels }),
    classes,
    classNames: Object.freeze([...raw.classNames]),
    normalization,
    train: make('train', train, trainImages, trainIdx),
    val: split('val'),
    test: split('test'),
    notes: Object.freeze(notes),
  });
}
