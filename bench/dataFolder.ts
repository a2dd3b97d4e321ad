/**
 * bench:data-folder - Fashion-MNIST written out as an image folder (train/, val/, test/, one
 * sub-folder of PNGs per class) and read back with the folder loader: checks that every split
 * holds byte-identical images and labels to the IDX loader's, that the normalisation computed
 * from the folder's train split matches the Fashion-MNIST constants, and times both loaders.
 *
 *   npm run bench:data-folder -- [--out DIR] [--limit N] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { benchArgs, fail } from './args.js';
import { loadFashionMnist } from '../supernet/data/fashionMnist.js';
import { loadDataset } from '../supernet/data/loadDataset.js';
import type { DataSplit } from '../supernet/data/types.js';

const args = benchArgs('bench:data-folder', {
  out: { type: 'string' },
  limit: { type: 'string', default: '0' },
  keep: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
});

/** The first `limit` images of each split (0 = all), written as <split>/<class>/<position>.png. */
async function writeFolder(dir: string, splits: DataSplit[], classNames: readonly string[], limit: number): Promise<number> {
  let written = 0;
  for (const split of splits) {
    const n = limit > 0 ? Math.min(limit, split.n) : split.n;
    for (const name of classNames) mkdirSync(join(dir, split.name, folderName(name)), { recursive: true });
    const px = split.height * split.width;
    const jobs: Promise<unknown>[] = [];
    for (let k = 0; k < n; k++) {
      const file = join(dir, split.name, folderName(classNames[split.labels[k]]), `${String(k).padStart(5, '0')}.png`);
      jobs.push(sharp(Buffer.from(split.images.subarray(k * px, (k + 1) * px)), { raw: { width: split.width, height: split.height, channels: 1 } })
        .toColourspace('b-w').png().toFile(file));
      if (jobs.length === 64) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
    written += n;
  }
  return written;
}

const folderName = (name: string): string => name.replace(/\//g, '-');

/**
 * Compares the folder split with the IDX split: the folder's files are sorted by class folder
 * (alphabetically, so its labels are a permutation `toFolder` of Fashion-MNIST's), then position.
 */
function compare(idx: DataSplit, folder: DataSplit, toFolder: number[], limit: number): string | null {
  const n = limit > 0 ? Math.min(limit, idx.n) : idx.n;
  if (folder.n !== n) return `${idx.name}: ${folder.n} images, expected ${n}`;
  const px = idx.height * idx.width;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => toFolder[idx.labels[a]] - toFolder[idx.labels[b]] || a - b);
  for (let f = 0; f < n; f++) {
    const k = order[f];
    if (folder.labels[f] !== toFolder[idx.labels[k]]) return `${idx.name} image ${k}: label ${folder.labels[f]}, expected ${toFolder[idx.labels[k]]}`;
    const a = folder.images.subarray(f * px, (f + 1) * px);
    const b = idx.images.subarray(k * px, (k + 1) * px);
    for (let p = 0; p < px; p++) if (a[p] !== b[p]) return `${idx.name} image ${k}: pixel ${p} is ${a[p]}, expected ${b[p]}`;
  }
  return null;
}

async function main(): Promise<void> {
  const limit = Number(args.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`--limit must be an integer >= 0 (got '${args.limit}')`);
  let t = performance.now();
  const fm = loadFashionMnist({ dataDir: args['data-dir'] });
  const idxSeconds = (performance.now() - t) / 1000;
  const dir = args.out ?? mkdtempSync(join(tmpdir(), 'hwnas-fm-folder-'));
  try {
    t = performance.now();
    const written = await writeFolder(dir, [fm.train, fm.val, fm.test], fm.classNames, limit);
    console.log(`wrote ${written} PNGs to ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const folder = await loadDataset(dir);
    const folderSeconds = (performance.now() - t) / 1000;
    console.log(`load: IDX ${idxSeconds.toFixed(1)} s, folder ${folderSeconds.toFixed(1)} s (${written} PNGs decoded with sharp)`);
    const toFolder = fm.classNames.map((name) => folder.classNames.indexOf(folderName(name)));
    const problems = [fm.train, fm.val, fm.test].map((s) => compare(s, folder[s.name], toFolder, limit)).filter((p) => p !== null);
    for (const p of problems) console.log(`MISMATCH ${p}`);
    const dm = Math.abs(folder.normalization.mean[0] - fm.normalization.mean[0]);
    const ds = Math.abs(folder.normalization.std[0] - fm.normalization.std[0]);
    console.log(`normalisation from the folder's train split: mean ${folder.normalization.mean[0].toFixed(7)} (constant ${fm.normalization.mean[0]}, |diff| ${dm.toExponential(2)}), std ${folder.normalization.std[0].toFixed(7)} (constant ${fm.normalization.std[0]}, |diff| ${ds.toExponential(2)})`);
    if (problems.length > 0) throw new Error(`${problems.length} split(s) differ between the folder and the IDX loader`);
    console.log(`same images and labels in train (${folder.train.n}), val (${folder.val.n}) and test (${folder.test.n}) through both loaders`);
  } finally {
    if (args.out === undefined && !args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => fail('bench:data-folder', err));
