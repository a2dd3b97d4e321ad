/**
 * Datasets stored as arrays in one folder: NumPy `.npy` files (`x_train.npy` + `y_train.npy`,
 * optionally `x_val`/`y_val` and `x_test`/`y_test`) or IDX files (`train-images-idx3-ubyte` +
 * `train-labels-idx1-ubyte`, gzipped or not, optionally `val-*` and `t10k-*` or `test-*`).
 * Images are uint8, `[n, h, w]` (grey) or `[n, h, w, c]` with c = 1 or 3; labels are integers
 * `0..classes-1`. An optional `classes.txt` names the classes, one per line (and fixes their
 * number); without it the classes are `0..max label`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from './idx.js';
import { readNpy } from './npy.js';
import type { RawDataset, RawSplit } from './assemble.js';
import { kMaxClasses } from './assemble.js';
import type { ImageShape } from './types.js';

type Part = 'train' | 'val' | 'test';
interface ArrayFile { path: string; shape: number[]; values: ArrayLike<number | bigint>; dtype: string }

const kNpyNames: Record<Part, string[]> = { train: ['train'], val: ['val'], test: ['test'] };
const kIdxNames: Record<Part, string[]> = { train: ['train'], val: ['val'], test: ['t10k', 'test'] };

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

function npyPair(dir: string, part: Part): [ArrayFile, ArrayFile] | undefined {
  const name = kNpyNames[part][0];
  const x = join(dir, `x_${name}.npy`);
  const y = join(dir, `y_${name}.npy`);
  if (!existsSync(x) && !existsSync(y)) return undefined;
  if (!existsSync(x) || !existsSync(y)) throw new Error(`${existsSync(x) ? y : x} is missing: a split needs both x_${name}.npy (images) and y_${name}.npy (labels)`);
  const read = (p: string): ArrayFile => {
    const a = readNpy(p);
    return { path: p, shape: a.shape, values: a.data, dtype: a.dtype };
  };
  return [read(x), read(y)];
}

function idxPair(dir: string, part: Part): [ArrayFile, ArrayFile] | undefined {
  const find = (kind: string) => firstExisting(kIdxNames[part].flatMap((n) => [join(dir, `${n}-${kind}.gz`), join(dir, `${n}-${kind}`)]));
  const x = find('images-idx3-ubyte') ?? find('images-idx4-ubyte');
  const y = find('labels-idx1-ubyte');
  if (x === undefined && y === undefined) return undefined;
  if (x === undefined || y === undefined) {
    throw new Error(`${dir}: ${x === undefined ? 'an images' : 'a labels'} file is missing for the ${part} split (${kIdxNames[part][0]}-${x === undefined ? 'images-idx3-ubyte' : 'labels-idx1-ubyte'}[.gz])`);
  }
  const read = (p: string): ArrayFile => {
    const a = readIdx(p);
    return { path: p, shape: a.dims, values: a.data, dtype: 'u1' };
  };
  return [read(x), read(y)];
}

function imageShape(f: ArrayFile): ImageShape {
  const s = f.shape;
  if (f.dtype !== 'u1') {
    throw new Error(`${f.path}: images of dtype '${f.dtype}', expected uint8 pixels 0..255: save x.astype(numpy.uint8) (scale floats in [0, 1] by 255 first)`);
  }
  if (s.length === 3) return { height: s[1], width: s[2], channels: 1 };
  if (s.length === 4 && (s[3] === 1 || s[3] === 3)) return { height: s[1], width: s[2], channels: s[3] };
  if (s.length === 4 && (s[1] === 1 || s[1] === 3)) {
    throw new Error(`${f.path}: shape (${s.join(', ')}) looks channels-first; images must be channels-last [n, h, w, c]: save x.transpose(0, 2, 3, 1)`);
  }
  throw new Error(`${f.path}: shape (${s.join(', ')}), expected [n, h, w] (grey) or [n, h, w, c] with c = 1 or 3`);
}

function labelValues(f: ArrayFile, n: number, images: string): number[] {
  const s = f.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1)) || !/^[iub]/.test(f.dtype)) {
    throw new Error(`${f.path}: labels of shape (${s.join(', ')}) and dtype '${f.dtype}', expected integers of shape (n,)`);
  }
  if (s[0] !== n) throw new Error(`${f.path} has ${s[0]} labels but ${images} has ${n} images`);
  return Array.from(f.values as ArrayLike<number | bigint>, Number);
}

function readClassNames(dir: string): string[] | undefined {
  const path = join(dir, 'classes.txt');
  if (!existsSync(path)) return undefined;
  const names = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (new Set(names).size !== names.length) throw new Error(`${path}: class names repeat; give each class once, one per line`);
  return names;
}

/** Reads an NPY or IDX folder (see the file comment); throws naming the file. */
export function readArrayFolder(dir: string, format: 'npy' | 'idx'): RawDataset {
  const pairOf = format === 'npy' ? npyPair : idxPair;
  const pairs: Partial<Record<Part, [ArrayFile, ArrayFile]>> = {};
  for (const part of ['train', 'val', 'test'] as const) pairs[part] = pairOf(dir, part);
  const train = pairs.train;
  if (train === undefined) {
    throw new Error(format === 'npy' ? `${dir}: no x_train.npy and y_train.npy` : `${dir}: no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]`);
  }
  const shape = imageShape(train[0]);
  const labels: Partial<Record<Part, number[]>> = {};
  for (const part of ['train', 'val', 'test'] as const) {
    const p = pairs[part];
    if (p === undefined) continue;
    const s = imageShape(p[0]);
    if (s.height !== shape.height || s.width !== shape.width || s.channels !== shape.channels) {
      throw new Error(`${p[0].path} holds ${s.height}x${s.width}x${s.channels} images but ${train[0].path} ${shape.height}x${shape.width}x${shape.channels}: every split needs one image shape`);
    }
    labels[part] = labelValues(p[1], p[0].shape[0], p[0].path);
  }
  const given = readClassNames(dir);
  let classes = given?.length ?? 0;
  if (given === undefined) for (const part of Object.values(labels)) for (const l of part) classes = Math.max(classes, l + 1);
  if (classes > kMaxClasses) throw new Error(`${dir}: ${classes} classes (labels up to ${classes - 1}); at most ${kMaxClasses} are supported`);
  const splits: Partial<Record<Part, RawSplit>> = {};
  for (const part of ['train', 'val', 'test'] as const) {
    const p = pairs[part];
    const ls = labels[part];
    if (p === undefined || ls === undefined) continue;
    const out = new Uint8Array(ls.length);
    ls.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= classes) {
        const why = given === undefined ? 'labels must be 0 or more' : `classes.txt names ${classes} classes, so labels must be 0..${classes - 1}`;
        throw new Error(`${p[1].path}: label ${l} at index ${i} is out of range (${why})`);
      }
      out[i] = l;
    });
    const img = p[0].values as Uint8Array;
    splits[part] = { n: ls.length, images: img, labels: out, source: p[0].path };
  }
  return {
    format, dir, shape,
    classNames: given ?? Array.from({ length: classes }, (_, i) => String(i)),
    train: splits.train as RawSplit, val: splits.val, test: splits.test,
    notes: [],
  };
}
