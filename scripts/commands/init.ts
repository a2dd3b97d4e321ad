/** `hwnas init`: a search-space JSON sized for the user's data (input shape, classes). */
import type { Command } from 'commander';
import { kDefaultSpaceName, spaceByName } from '../../space/defaultSpace.js';
import { spaceForData } from '../../space/dataSpace.js';
import { parseSearchSpace } from '../../space/schema.js';
import { loadDataset } from '../../supernet/data/loadDataset.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';

/** Why each built-in space is a starting point, as `init` says it. */
const kWhy: Readonly<Record<string, string>> = {
  'fashion-mbv3': 'MobileNetV3-style inverted-residual blocks (elastic depth, kernel, expand, width, bits): the default space, whose depthwise blocks train fastest on the wasm backend',
  'fashion-hybrid': 'MBConv, fused and ResNet blocks per stage with an elastic stem stride: a wider search, slower to train',
};

interface InitCliOptions {
  data: string;
  out: string;
  from: string;
  name?: string;
  force?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a search-space JSON sized for your data (its input shape and classes), derived from a built-in space')
    .requiredOption('--data <dir>', 'your dataset: an image folder (a sub-folder per class), NPY or IDX files')
    .requiredOption('--out <file>', 'the space JSON to write (then pass it as --space)')
    .option('--from <space>', `built-in space to derive from (${Object.keys(kWhy).join(', ')})`, kDefaultSpaceName)
    .option('--name <name>', 'name of the new space (default: <from>-<data folder name>)')
    .option('--force', 'replace an existing --out')
    .action(async (opts: InitCliOptions) => {
      checkOutputPath(opts.out, { kind: 'file', existing: opts.force === true ? 'replace' : 'refuse' });
      const base = spaceByName(opts.from);
      const data = await loadDataset(opts.data);
      const name = opts.name ?? `${base.name}-${data.name}`.replace(/[^A-Za-z0-9_.-]+/g, '-');
      const { space, reasons } = spaceForData(base, { ...data.input, classes: data.classes }, name);
      const json = `${JSON.stringify(parseSearchSpace(JSON.stringify(space)), null, 2)}\n`;
      writeFileAtomic(opts.out, json);
      console.log(`data: ${data.dir} (${data.format}): ${data.train.n + data.val.n + data.test.n} images of ${data.input.height}x${data.input.width}x${data.input.channels}, ${data.classes} classes (${data.classNames.join(', ')})`);
      for (const note of data.notes) console.log(`  ${note}`);
      console.log(`space '${space.name}' derived from '${base.name}': ${kWhy[base.name] ?? 'a built-in space'}`);
      for (const r of reasons) console.log(`  ${r}`);
      console.log(`wrote ${opts.out}: train with 'hwnas train --space ${opts.out} --data ${opts.data} --out <checkpoint>'`);
    });
}
