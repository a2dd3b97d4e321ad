/**
 * An image-folder dataset: one sub-folder per class holding PNG or JPEG files, either directly
 * in the data folder (train only; val and test are carved from it) or under `train/` with
 * optional `val/` and `test/` beside it. Classes are the train folder's sub-folders in sorted
 * order (label = position). Decoded with sharp (libvips); alpha is dropped, grey files stay grey
 * (1 channel), colour files are read as sRGB (3 channels). Every image must have the same size and channels.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import sharp from 'sharp';
import type { RawDataset, RawSplit } from './assemble.js';
import type { ImageShape } from './types.js';

const kImageExtensions = new Set(['.png', '.jpg', '.jpeg']);
const kSplitFolders = ['train', 'val', 'test'] as const;
/** Images decoded at once. */
const kInFlight = 16;

interface Listed { files: string[]; labels: number[]; ignored: string[] }

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

function listClasses(root: string, classNames: string[], known: boolean): Listed {
  const out: Listed = { files: [], labels: [], ignored: [] };
  for (const name of subfolders(root)) {
    const label = classNames.indexOf(name);
    if (label < 0) {
      throw new Error(`${join(root, name)}: class '${name}' is not a class of the training folder (${classNames.join(', ')}): rename or remove it`);
    }
    const folder = join(root, name);
    const entries = readdirSync(folder, { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).map((e) => e.name).sort();
    const images = entries.filter((f) => kImageExtensions.has(extname(f).toLowerCase()));
    out.ignored.push(...entries.filter((f) => !kImageExtensions.has(extname(f).toLowerCase())).map((f) => join(folder, f)));
    if (images.length === 0 && known) throw new Error(`${folder}: class folder has no PNG or JPEG images: add images or remove the folder`);
    for (const f of images) {
      out.files.push(join(folder, f));
      out.labels.push(label);
    }
  }
  return out;
}

interface Decoded { pixels: Buffer; shape: ImageShape }

async function decode(file: string): Promise<Decoded> {
  try {
    // libvips outputs sRGB unless told otherwise: grey files (with or without alpha) stay grey.
    const meta = await sharp(file, { failOn: 'error' }).metadata();
    const grey = (meta.channels ?? 3) <= 2 || meta.space === 'b-w' || meta.space === 'grey16';
    const { data, info } = await sharp(file, { failOn: 'error' })
      .removeAlpha()
      .toColourspace(grey ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== (grey ? 1 : 3)) throw new Error(`decoded to ${info.channels} channels`);
    return { pixels: data, shape: { height: info.height, width: info.width, channels: info.channels } };
  } catch (err) {
    throw new Error(`${file}: cannot be decoded as an image (${(err as Error).message}): replace or remove the file`);
  }
}

function describe(s: ImageShape): string {
  return `${s.width}x${s.height} ${s.channels === 1 ? 'grey' : 'RGB'}`;
}

/** Decodes every file into one buffer; throws naming the files whose shape differs from the first file's. */
async function decodeAll(files: string[], root: string): Promise<{ images: Uint8Array; shape: ImageShape }> {
  // The first file (in sorted order) sets the shape before the pool starts, so which files are
  // named as odd does not depend on which decode happened to finish first.
  const first = await decode(files[0]);
  const shape: ImageShape = first.shape;
  const images = new Uint8Array(files.length * first.pixels.length);
  images.set(first.pixels, 0);
  const odd: string[] = [];
  let next = 1;
  const work = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const d = await decode(files[i]);
      if (d.shape.height !== shape.height || d.shape.width !== shape.width || d.shape.channels !== shape.channels) {
        odd.push(`${relative(root, files[i])} (${describe(d.shape)})`);
        continue;
      }
      images.set(d.pixels, i * d.pixels.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(kInFlight, files.length) }, work));
  if (odd.length > 0) {
    const ref = relative(root, files[0]);
    const s = odd.length === 1 ? '' : 's';
    throw new Error(
      `${root}: mixed image sizes or channels: ${odd.length} image${s} differ from the first file (${ref}, ${describe(shape)}): ` +
        `${odd.slice(0, 5).join(', ')}${odd.length > 5 ? `, and ${odd.length - 5} more` : ''}; make every image one size and one colour mode`,
    );
  }
  return { images, shape };
}

/** Reads an image folder (see the file comment); rejects naming the file or folder at fault. */
export async function readImageFolder(dir: string): Promise<RawDataset> {
  const top = subfolders(dir);
  const layout = top.includes('train');
  if (layout) {
    const stray = top.filter((f) => !(kSplitFolders as readonly string[]).includes(f));
    if (stray.length > 0) throw new Error(`${dir} has train/ and also ${stray.map((s) => `${s}/`).join(', ')}: with a train/ folder, classes go under train/ (val/ and test/ are the only other folders)`);
  }
  const roots: Partial<Record<'train' | 'val' | 'test', string>> = layout
    ? Object.fromEntries(kSplitFolders.filter((s) => top.includes(s)).map((s) => [s, join(dir, s)]))
    : { train: dir };
  const classNames = subfolders(roots.train as string);
  if (classNames.length === 0) throw new Error(`${roots.train}: no class folders: put the images of each class in a sub-folder named after the class`);
  const listed = Object.fromEntries(Object.entries(roots).map(([s, root]) => [s, listClasses(root, classNames, s === 'train')])) as Partial<Record<'train' | 'val' | 'test', Listed>>;
  // One pass over every file, so mixed shapes are found across the splits.
  const order = (['train', 'val', 'test'] as const).filter((s) => listed[s] !== undefined);
  const all = order.flatMap((s) => (listed[s] as Listed).files);
  const { images, shape } = await decodeAll(all, dir);
  const px = shape.height * shape.width * shape.channels;
  const splits: Partial<Record<'train' | 'val' | 'test', RawSplit>> = {};
  let at = 0;
  for (const s of order) {
    const l = listed[s] as Listed;
    if (l.files.length === 0) throw new Error(`${roots[s]}: no PNG or JPEG images in its class folders: add images or remove the folder`);
    splits[s] = { n: l.files.length, images: images.subarray(at * px, (at + l.files.length) * px), labels: Uint8Array.from(l.labels), source: roots[s] as string };
    at += l.files.length;
  }
  const ignored = order.flatMap((s) => (listed[s] as Listed).ignored);
  const notes = ignored.length === 0 ? [] : [`${ignored.length} file(s) that are not PNG or JPEG left out (e.g. ${relative(dir, ignored[0])})`];
  return { format: 'folder', dir, shape, classNames, train: splits.train as RawSplit, val: splits.val, test: splits.test, notes };
}

/** True when `dir` looks like an image folder: it has sub-folders. */
export function isImageFolder(dir: string): boolean {
  return statSync(dir).isDirectory() && subfolders(dir).length > 0;
}
