/** `hwnas info`: the backend, the dataset and the search space at a glance. */
import type { Command } from 'commander';
import { addBackendOption, addDataDirOption, type CommonOptions } from '../options.js';
import { startBackend } from '../runtime.js';
import { loadData } from '../../supernet/data/loadDataset.js';
import { resolveSpace } from '../../supernet/io.js';
import { countSubnetsExact, formatCount } from '../../space/count.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { macs, params } from '../../space/layers.js';

export function registerInfo(program: Command): void {
  const cmd = program
    .command('info')
    .description('show the compute backend, the dataset splits and the search space')
    .option('--space <name|file>', 'search space', 'fashion-mbv3');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: CommonOptions & { space: string }) => {
    await startBackend(opts);
    const space = resolveSpace(opts.space);
    const data = await loadData(opts, space.input);
    const { height, width, channels } = data.input;
    console.log(`data: ${data.dir} (${data.format}): train ${data.train.n}, val ${data.val.n}, test ${data.test.n}; ${height}x${width}x${channels}, ${data.classes} classes`);
    console.log(`  normalisation (from train): mean ${data.normalization.mean.map((m) => m.toFixed(5)).join(', ')}, std ${data.normalization.std.map((s) => s.toFixed(5)).join(', ')}`);
    for (const note of data.notes) console.log(`  ${note}`);
    const big = largestConfig(space);
    const small = smallestConfig(space);
    console.log(`space: ${space.name}: ${formatCount(countSubnetsExact(space))} fp32 subnets, ${formatCount(countSubnetsExact(space, { quant: 'mixed' }))} with bits`);
    console.log(`  largest  ${(macs(space, big) / 1e6).toFixed(2)}M MACs, ${(params(space, big) / 1e3).toFixed(1)}K params`);
    console.log(`  smallest ${(macs(space, small) / 1e6).toFixed(2)}M MACs, ${(params(space, small) / 1e3).toFixed(1)}K params`);
  });
}
